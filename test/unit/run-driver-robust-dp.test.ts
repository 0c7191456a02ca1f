/**
 * Robust rules and DP-FedAvg through the real round code (RunDriver, Round,
 * receivers and sinks; fake fleet and clock): what a round commits and
 * records, Krum's minimum, the accountant's ε after every round, the run
 * stopped before its privacy budget is exceeded, and what `runs show` gets.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { EventBus } from '../../common/event-bus';
import { silentLogger } from '../../common/logger';
import type { ModelSpec, RoundRecord, RunConfig, RunRecord, TrainTask } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { encodeRoundEvent, parseRoundEvent, type RoundLifecycleEvent } from '../../common/events/payloads';
import { privacySpent } from '../../services/coordinator/privacy/rdp-accountant';
import { RunDriver, type RunEvent } from '../../services/coordinator/rounds/run-driver';
import { toWireRun } from '../../services/coordinator/rpc/wire';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';
import { seededNormalSource } from '../helpers/seeded-normal';

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const PARAMS = 4;
const DEADLINE = 60_000;

/**
 * Runs `config` with `ids` connected (and `idle` more clients that are never selected but count as
 * available): each round, every selected client uploads `upload(id, round, global)` with 10 examples;
 * the deadline closes the round.
 */
async function drive(
  ids: string[],
  config: Partial<RunConfig>,
  upload: (id: string, round: number, global: Float32Array) => Float32Array | undefined,
): Promise<{ run: RunRecord; rounds: RoundRecord[]; store: MemoryStore; models: Float32Array[]; lifecycle: RoundLifecycleEvent[] }> {
  const spec: ModelSpec = { name: 'mlp', inputShape: [1], numClasses: 1, tensors: [{ name: 'w', shape: [PARAMS] }] };
  const clock = new FakeClock();
  const fleet = new FakeFleet(ids);
  const store = new MemoryStore();
  const run: RunRecord = {
    runId: 'run-r', state: 'pending', model: spec, currentRound: 0, committedRounds: 0, createdAtMs: 0, updatedAtMs: 0, modelVersion: '',
    config: runConfig({ clientsPerRound: ids.length, minClients: 1, roundDeadlineMs: DEADLINE, waitForClientsMs: 1000, ...config }),
  };
  const tasks = new Map<string, TrainTask>();
  fleet.onDispatch = (id, task) => tasks.set(id, task);
  let global: Float32Array = new Float32Array(PARAMS).fill(1);
  const models: Float32Array[] = [];
  const lifecycle: RoundLifecycleEvent[] = [];
  const driver = new RunDriver(run, global, {
    store, fleet, clock, logger: silentLogger(), events: new EventBus<RunEvent>(), maxUpdateBytes: 1 << 20, selectionGraceMs: 0, noise: seededNormalSource(5),
    lifecycle: (e) => lifecycle.push(e),
  });
  const done = driver.start();
  let finished: RunRecord | undefined;
  void done.then((r) => (finished = r));
  for (let round = 1; !finished && round <= run.config.rounds; round++) {
    await tick(20);
    if (finished || !driver.currentRound) break;
    const current = driver.currentRound;
    for (const [id, task] of tasks) {
      const values = upload(id, round, global);
      if (!values) continue;
      const bytes = float32ToBytes(values);
      const r = current.beginUpdate(id, { taskId: task.taskId, transferId: `t-${id}-${round}`, encoding: 'float32', totalBytes: bytes.length, sha256: sha256Hex(bytes), tensors: [{ name: 'w', shape: [PARAMS] }], numExamples: 10 });
      const token = r.claim();
      r.write(0, bytes, undefined, token);
      r.complete(token);
    }
    tasks.clear();
    clock.advance(DEADLINE + 1);
    await tick(20);
    const latest = await store.getRun('run-r');
    if (latest?.modelVersion) global = (await store.getModel('run-r', latest.modelVersion))!;
    models.push(global);
  }
  const final = await done;
  return { run: final, rounds: (await store.listRounds('run-r')).sort((a, b) => a.round - b.round || a.attempt - b.attempt), store, models, lifecycle };
}

describe('robust rules and DP through the round code', () => {
  it('krum - a round with fewer than 2f + 3 accepted updates fails with the reason; with enough, the outlier is left out and named', async () => {
    const honest = (id: string) => Float32Array.from({ length: PARAMS }, (_, i) => 1 + (id.charCodeAt(1) % 5) * 0.01 + i * 0.001);
    const evil = () => new Float32Array(PARAMS).fill(-50);
    const few = await drive(['c1', 'c2', 'c3', 'c4'], { strategy: 'krum', strategyOptions: { byzantine: 1 }, maxRoundRetries: 0 }, (id) => (id === 'c4' ? undefined : honest(id)));
    expect(few.run.state).toBe('failed');
    expect(few.rounds[0].reason).toBe('only 3 update(s) accepted; krum with byzantine 1 needs 5 (2f + 3)');

    const ok = await drive(['c1', 'c2', 'c3', 'c4', 'c5'], { strategy: 'krum', strategyOptions: { byzantine: 1 } }, (id) => (id === 'c5' ? evil() : honest(id)));
    expect(ok.run.state).toBe('completed');
    expect(ok.rounds[0].aggregation).toMatch(/^krum kept 1 of 5 update\(s\) \(best: c\d\); left out .*c5/);
    expect(ok.models[0].every((v) => v > 0.9)).toBe(true);
  });

  it('DP - every committed round adds a step; ε matches the accountant, grows, and reaches rounds show and runs show', async () => {
    const ids = ['d1', 'd2', 'd3'];
    const privacy = { noise: 1.5, clip: 0.5, delta: 1e-5 };
    const { run, rounds, lifecycle } = await drive(ids, { rounds: 3, strategy: 'fedavg', privacy }, (id, _round, g) => g.map((v, i) => v + (i === 0 ? 3 : 0.01 * id.length)));
    expect(run.state).toBe('completed');
    expect(run.privacySteps).toEqual([{ q: 1, sigma: 1.5 }, { q: 1, sigma: 1.5 }, { q: 1, sigma: 1.5 }]);
    const eps = rounds.filter((r) => r.state === 'committed').map((r) => r.strategyMetrics!.dp_epsilon);
    expect(eps).toHaveLength(3);
    expect(eps[0]).toBeCloseTo(privacySpent([{ q: 1, sigma: 1.5 }], 1e-5).epsilon, 12);
    expect(eps[2]).toBeGreaterThan(eps[1]);
    expect(eps[1]).toBeGreaterThan(eps[0]);
    expect(rounds[0].strategyMetrics!.clipped_updates).toBe(3);
    expect(rounds[0].aggregation).toMatch(/^DP-FedAvg: sum of 3 update\(s\) \+ N\(0, \(1\.5·0\.5\)²\), over a cohort of 3; 3 of 3 update\(s\) clipped to norm 0\.5/);
    const committed = lifecycle.filter((e) => e.type === 'round-committed').map((e) => parseRoundEvent(encodeRoundEvent(e)));
    expect(committed.map((e) => e.privacy?.epsilon)).toEqual(eps);
    expect(committed.every((e) => e.privacy?.delta === 1e-5)).toBe(true);
    const wire = toWireRun(run);
    expect(wire.privacy).toMatchObject({ rounds: 3, delta: 1e-5, noise: 1.5, clip: 0.5 });
    expect(wire.privacy!.epsilon).toBeCloseTo(eps[2], 12);
    // Stored with the steps at commit: reads do not rerun the accountant.
    expect(run.privacyEpsilon).toBe(eps[2]);
  });

  it('DP - the same seeded noise gives the same model; the noise is there (the model is not the clipped mean)', async () => {
    const ids = ['d1', 'd2'];
    const up = (_id: string, _r: number, g: Float32Array) => g.map((v) => v + 0.1);
    const a = await drive(ids, { strategy: 'fedavg', privacy: { noise: 1, clip: 10, delta: 1e-5 } }, up);
    const b = await drive(ids, { strategy: 'fedavg', privacy: { noise: 1, clip: 10, delta: 1e-5 } }, up);
    expect([...a.models[0]]).toEqual([...b.models[0]]);
    expect(a.models[0].some((v) => Math.abs(v - 1.1) > 1e-3)).toBe(true);
  });

  it('DP - --dp-target-epsilon ends the run, completed with the reason, before the round that would exceed it', async () => {
    const one = privacySpent([{ q: 1, sigma: 2 }], 1e-5).epsilon;
    const two = privacySpent([{ q: 1, sigma: 2 }, { q: 1, sigma: 2 }], 1e-5).epsilon;
    const target = (one + two) / 2;
    const { run, rounds } = await drive(['d1', 'd2'], { rounds: 5, strategy: 'fedavg', privacy: { noise: 2, clip: 1, delta: 1e-5, targetEpsilon: target } }, (_id, _r, g) => g.map((v) => v + 0.1));
    expect(run.state).toBe('completed');
    expect(run.committedRounds).toBe(1);
    expect(run.reason).toMatch(/^privacy budget: round 2 would take ε past the target [\d.]+ \(spent [\d.]+ at δ = 0.00001\)$/);
    expect(rounds.filter((r) => r.state === 'committed')).toHaveLength(1);
  });
});
