/**
 * Every strategy against hand-computed expectations on fixed arrays: a FedAvg
 * average of unequal weights, a single client, two rounds so momentum and the
 * moments matter, and the server state through a checkpoint in the memory and
 * file stores (a resumed strategy continues bit for bit).
 * Expectations come from the formulas in Reddi et al. 2021 (Algorithm 2) and
 * Flower's fedavgm.py, worked by hand in double precision.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withDefaults, optionsOf, strategy, STRATEGIES, STRATEGY_NAMES } from '../../services/coordinator/strategy/registry';
import { loadStrategyState, saveStrategyState } from '../../services/coordinator/strategy/stored-state';
import type { CommitInput, CommitResult, StrategyState } from '../../services/coordinator/strategy/types';
import { STRATEGY_OPTIONS } from '../../services/coordinator/strategy/types';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { openFileStore } from '../../services/coordinator/store/file-store';
import type { Store } from '../../services/coordinator/store/store';

/** Reference FedAvg: Σ n_k·w_k / Σ n_k. */
function fedavg(updates: Array<{ w: number[]; n: number }>): Float32Array {
  const total = updates.reduce((s, u) => s + u.n, 0);
  return Float32Array.from(updates[0].w.map((_, i) => updates.reduce((s, u) => s + u.n * u.w[i], 0) / total));
}

const X0 = Float32Array.from([1, 2]);
// Client A [1, 2] with 1 example, client B [4, 8] with 3: (1 + 12) / 4 = 3.25, (2 + 24) / 4 = 6.5.
const ROUND1 = fedavg([{ w: [1, 2], n: 1 }, { w: [4, 8], n: 3 }]);

/** Round 1 from X0 with ROUND1, then round 2 with one client that moved the first weight by −1 and left the second alone. */
function twoRounds(name: string, options = withDefaults(name)): { r1: CommitResult; r2: CommitResult } {
  const s = strategy(name);
  const r1 = s.commit({ previous: X0, average: ROUND1, examples: 4, updates: 2, round: 1, state: undefined }, options);
  const single = fedavg([{ w: [r1.weights[0] - 1, r1.weights[1]], n: 7 }]);
  const r2 = s.commit({ previous: r1.weights, average: single, examples: 7, updates: 1, round: 2, state: r1.state }, options);
  return { r1, r2 };
}

const close = (actual: Float32Array | undefined, expected: number[]) => {
  expect(actual).toBeDefined();
  expect(actual!.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual![i]).toBeCloseTo(e, 5));
};

describe('strategies', () => {
  it('strategies - the reference FedAvg of unequal weights is the example-weighted mean', () => {
    expect([...ROUND1]).toEqual([3.25, 6.5]);
  });

  it('fedavg - the new model is the average, whatever the previous model or round; no state', () => {
    const { r1, r2 } = twoRounds('fedavg');
    expect([...r1.weights]).toEqual([3.25, 6.5]);
    expect([...r2.weights]).toEqual([2.25, 6.5]);
    expect(r1.state).toBeUndefined();
    expect(r1.metrics.update_norm).toBeCloseTo(Math.hypot(2.25, 4.5), 6);
    expect(r1.metrics.step_norm).toBe(r1.metrics.update_norm);
  });

  it('fedprox - the server side is FedAvg and the clients get μ (default 0.01) in their training config', () => {
    const { r1 } = twoRounds('fedprox');
    expect([...r1.weights]).toEqual([3.25, 6.5]);
    expect(strategy('fedprox').train?.(withDefaults('fedprox'))).toEqual({ proximalMu: 0.01 });
    expect(strategy('fedprox').train?.({ proximalMu: 0.5 })).toEqual({ proximalMu: 0.5 });
  });

  it('fedavgm - η = 1: the first round is FedAvg; the second adds β times the first pseudo-gradient', () => {
    const { r1, r2 } = twoRounds('fedavgm', { serverLr: 1, serverMomentum: 0.9 });
    expect([...r1.weights]).toEqual([3.25, 6.5]);
    // g1 = x0 − avg = [−2.25, −4.5] = v1; g2 = [1, 0]; v2 = 0.9·v1 + g2 = [−1.025, −4.05]; x2 = x1 − v2.
    close(r1.state?.vectors.momentum, [-2.25, -4.5]);
    close(r2.state?.vectors.momentum, [-1.025, -4.05]);
    close(r2.weights, [4.275, 10.55]);
  });

  it('fedavgm - η = 0.5 takes half the step; momentum 0 is server SGD without memory', () => {
    const half = twoRounds('fedavgm', { serverLr: 0.5, serverMomentum: 0.9 });
    expect([...half.r1.weights]).toEqual([2.125, 4.25]);
    const plain = twoRounds('fedavgm', { serverLr: 1, serverMomentum: 0 });
    expect([...plain.r2.weights]).toEqual([2.25, 6.5]);
  });

  it('fedadam - defaults η 0.1, β1 0.9, β2 0.99, τ 1e-9; the first step is η·sign(Δ), then momentum keeps moving a weight whose update was 0', () => {
    expect(withDefaults('fedadam')).toEqual({ serverLr: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
    const { r1, r2 } = twoRounds('fedadam');
    close(r1.weights, [1.1, 2.1]);
    close(r1.state?.vectors.m, [0.225, 0.45]);
    close(r1.state?.vectors.v, [0.050625, 0.2025]);
    // m2 = 0.9·m1 + 0.1·[−1, 0]; v2 = 0.99·v1 + 0.01·[1, 0]
    close(r2.state?.vectors.m, [0.1025, 0.405]);
    close(r2.state?.vectors.v, [0.06011875, 0.200475]);
    close(r2.weights, [1.141804101, 2.190453403]);
  });

  it('fedyogi - defaults η 0.01, τ 1e-3; v grows additively (0.060625, not Adam\'s 0.06011875) and does not decay when Δ = 0', () => {
    expect(withDefaults('fedyogi')).toEqual({ serverLr: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3 });
    const { r1, r2 } = twoRounds('fedyogi');
    close(r1.weights, [1.009955752, 2.009977827]);
    close(r2.state?.vectors.v, [0.060625, 0.2025]);
    close(r2.weights, [1.014101833, 2.018957871]);
  });

  it('fedadagrad - defaults η 0.1, β1 0, τ 1e-9; v is the running sum of squared updates', () => {
    expect(withDefaults('fedadagrad')).toEqual({ serverLr: 0.1, beta1: 0, tau: 1e-9 });
    const { r1, r2 } = twoRounds('fedadagrad');
    close(r1.weights, [1.1, 2.1]);
    close(r2.state?.vectors.v, [6.0625, 20.25]);
    close(r2.weights, [1.059386153, 2.1]);
  });

  it('strategies - a single client: the adaptive step moves every weight by η·sign(update) in the first round', () => {
    const one = fedavg([{ w: [0, 5], n: 3 }]);
    for (const name of ['fedadam', 'fedadagrad']) {
      const r = strategy(name).commit({ previous: X0, average: one, examples: 3, updates: 1, round: 1, state: undefined }, withDefaults(name));
      close(r.weights, [0.9, 2.1]);
    }
  });

  it('strategies - never modify their inputs or the state they were given, and are deterministic', () => {
    for (const name of STRATEGY_NAMES) {
      const { r1 } = twoRounds(name);
      const before = r1.state && structuredClone(r1.state);
      const input: CommitInput = { previous: r1.weights.slice(), average: Float32Array.from([0.5, -3]), examples: 2, updates: 1, round: 2, state: r1.state };
      const a = strategy(name).commit(input, withDefaults(name));
      const b = strategy(name).commit({ ...input }, withDefaults(name));
      expect(r1.state, name).toEqual(before);
      expect([...input.average]).toEqual([0.5, -3]);
      expect(Buffer.from(a.weights.buffer).equals(Buffer.from(b.weights.buffer)), name).toBe(true);
    }
  });

  it('registry - every strategy documents itself and takes only known options, with in-range defaults', () => {
    expect(STRATEGY_NAMES).toEqual(['fedavg', 'fedavgm', 'fedprox', 'fedadam', 'fedyogi', 'fedadagrad', 'median', 'trimmed-mean', 'krum', 'multi-krum', 'norm-bound']);
    for (const [name, s] of STRATEGIES) {
      expect(s.name).toBe(name);
      expect(s.help.length).toBeGreaterThan(10);
      expect(s.source).toMatch(/\d{4}/);
      for (const o of optionsOf(name)) expect(STRATEGY_OPTIONS[o], `${name}.${o}`).toBeDefined();
    }
    expect(() => strategy('fedsgd')).toThrow(/unknown strategy "fedsgd" \(known: fedavg, fedavgm/);
  });

  describe('server state through a checkpoint', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-strategy-state-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const stores: Array<[string, () => Promise<Store>]> = [
      ['memory', async () => new MemoryStore()],
      ['file', () => openFileStore(dir)],
    ];
    for (const [kind, open] of stores) {
      it(`stored state - ${kind} store: every stateful strategy resumed from its stored state commits the same bits as one never interrupted`, async () => {
        const store = await open();
        for (const name of STRATEGY_NAMES) {
          const { r1, r2 } = twoRounds(name);
          if (!r1.state) continue;
          const stored = await saveStrategyState(store, 'run-1', r1.state);
          expect(Object.keys(stored.vectors).sort()).toEqual(Object.keys(r1.state.vectors).sort());
          const back: StrategyState = await loadStrategyState(store, 'run-1', JSON.parse(JSON.stringify(stored)));
          const resumed = strategy(name).commit(
            { previous: r1.weights, average: fedavg([{ w: [r1.weights[0] - 1, r1.weights[1]], n: 7 }]), examples: 7, updates: 1, round: 2, state: back },
            withDefaults(name),
          );
          expect(Buffer.from(resumed.weights.buffer).equals(Buffer.from(r2.weights.buffer)), name).toBe(true);
          for (const [k, v] of Object.entries(r2.state!.vectors)) expect(Buffer.from(resumed.state!.vectors[k].buffer).equals(Buffer.from(v.buffer)), `${name}.${k}`).toBe(true);
        }
        await expect(loadStrategyState(store, 'run-1', { vectors: { m: 'a'.repeat(64) }, scalars: {} })).rejects.toThrow(/vector m .* missing/);
        await store.close();
      });
    }
  });
});
