/**
 * The aggregation bench's staged baseline (test/bench/helpers/aggregation/), not what rounds
 * run: a baseline that averaged wrongly would make the bench's ratios meaningless.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { FedAvgAccumulator } from '../bench/helpers/aggregation/fedavg-accumulator';
import { liveFoldWorkers } from '../bench/helpers/aggregation/fold-pool';
import { FusedAccumulator } from '../bench/helpers/aggregation/fused-accumulator';
import { ScalarAccumulator } from '../bench/helpers/aggregation/scalar-accumulator';

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/** Float64 reference Σ wᵢxᵢ / Σ wᵢ. */
function reference(updates: Float32Array[], weights: number[]): Float64Array {
  const out = new Float64Array(updates[0].length);
  const total = weights.reduce((a, b) => a + b, 0);
  updates.forEach((u, k) => u.forEach((v, i) => (out[i] += weights[k] * v)));
  return out.map((v) => v / total);
}

function maxRelErr(got: Float32Array, want: Float64Array): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return scale === 0 ? err : err / scale;
}

const disposers: Array<() => Promise<void>> = [];
function track<T extends { dispose(): Promise<void> }>(acc: T): T {
  disposers.push(() => acc.dispose());
  return acc;
}
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((d) => d()));
});

describe('bench fused accumulator', () => {
  it('bench fused accumulator - matches the float64 reference with unequal weights, every length', () => {
    for (const size of [1, 2, 3, 4, 5, 17, 31, 64, 1000, 4099]) {
      const updates = Array.from({ length: 7 }, (_, k) => random(size, size * 31 + k));
      const weights = [1, 13, 700, 2, 55, 9000, 3];
      const want = reference(updates, weights);
      const acc = track(new FusedAccumulator(size, { threads: 1 }));
      updates.forEach((u, k) => acc.add(u, weights[k]));
      expect(acc.count).toBe(7);
      expect(acc.weight).toBe(weights.reduce((a, b) => a + b, 0));
      // ~N·2⁻²⁴ relative: one float32 rounding per fold.
      expect(maxRelErr(acc.average(), want), `size=${size}`).toBeLessThan(7 * 2 ** -24 * 4);
      const scalar = new ScalarAccumulator(size);
      updates.forEach((u, k) => scalar.add(u, weights[k]));
      expect(maxRelErr(scalar.average(), want)).toBeLessThan(2 ** -23);
    }
  });

  it('bench fused accumulator - a single update averages back to itself exactly, and size 0 works', () => {
    const only = random(1001, 5);
    const acc = track(new FusedAccumulator(1001, { threads: 1 }));
    acc.add(only, 1234);
    expect(acc.average()).toEqual(only);
    const empty = track(new FusedAccumulator(0, { threads: 1 }));
    empty.add(new Float32Array(0), 3);
    expect(empty.average()).toEqual(new Float32Array(0));
  });

  it('bench fused accumulator - stage/foldStaged equals add, slots are independent, and average is a copy', () => {
    const size = 333;
    const a = random(size, 1);
    const b = random(size, 2);
    const viaAdd = track(new FusedAccumulator(size, { threads: 1 }));
    viaAdd.add(a, 3);
    viaAdd.add(b, 5);
    const viaStage = track(new FusedAccumulator(size, { threads: 1, stagingSlots: 2 }));
    viaStage.stage(0).set(a);
    viaStage.stage(1).set(b);
    viaStage.foldStaged(5, 1);
    viaStage.foldStaged(3, 0);
    const avg = viaStage.average();
    expect(maxRelErr(avg, reference([a, b], [3, 5]))).toBeLessThan(2 ** -22);
    expect(maxRelErr(viaAdd.average(), reference([a, b], [3, 5]))).toBeLessThan(2 ** -22);
    avg[0] = 1e9;
    expect(viaStage.average()[0]).not.toBe(1e9);
    expect(viaStage.averageView()).toEqual(viaStage.average());
    expect(() => viaStage.stage(2)).toThrow(RangeError);
  });

  it('bench fused accumulator - refuses a wrong-sized update, a bad weight, averaging nothing, and use after dispose', async () => {
    const acc = new FusedAccumulator(8, { threads: 1 });
    expect(() => acc.add(new Float32Array(9), 1)).toThrow(InvalidArgumentError);
    expect(() => acc.add(new Float32Array(8), 0)).toThrow(InvalidArgumentError);
    expect(() => acc.foldStaged(Number.POSITIVE_INFINITY)).toThrow(InvalidArgumentError);
    expect(() => acc.average()).toThrow(InvalidArgumentError);
    expect(acc.count).toBe(0);
    await acc.dispose();
    expect(() => acc.add(new Float32Array(8), 1)).toThrow(/disposed/);
  });

  it('bench fused accumulator - worker-parallel fold matches single-threaded bit for bit, and workers take pieces', async () => {
    const size = (1 << 20) + 37;
    const updates = Array.from({ length: 4 }, (_, k) => random(size, 100 + k));
    const weights = [10, 3, 250, 7];
    const single = track(new FusedAccumulator(size, { threads: 1, recycle: false }));
    const parallel = track(new FusedAccumulator(size, { threads: 2, parallelThreshold: 0, pieceElements: 4096, recycle: false }));
    expect(parallel.parallel).toBe(true);
    parallel.stage();
    expect(parallel.workers).toBe(1);
    const until = Date.now() + 10_000;
    while (parallel.readyWorkers < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(parallel.readyWorkers).toBe(1);
    updates.forEach((u, k) => {
      single.add(u, weights[k]);
      parallel.add(u, weights[k]);
    });
    const [got, want] = [parallel.average(), single.average()];
    let mismatches = 0;
    for (let i = 0; i < size; i++) if (!Object.is(got[i], want[i])) mismatches++;
    expect(mismatches).toBe(0); // (a loop: deep equality on 1M elements is slow)
    expect(parallel.workerPieces).toBeGreaterThan(0);
    expect(single.workers).toBe(0);
  });

  it('bench fused accumulator - dispose terminates the workers (no leaked threads)', async () => {
    const before = liveFoldWorkers();
    const acc = new FusedAccumulator(1 << 16, { threads: 2, parallelThreshold: 0, recycle: false });
    expect(acc.workers).toBe(0); // lazily started
    acc.add(random(1 << 16, 9), 2);
    expect(acc.workers).toBe(1);
    expect(liveFoldWorkers()).toBe(before + 1);
    await acc.dispose();
    expect(liveFoldWorkers()).toBe(before);
    await acc.dispose(); // idempotent
  });

  it('bench fused accumulator - recycles the memory of a disposed accumulator without stale data leaking in', async () => {
    const first = new FusedAccumulator(1000, { threads: 1 });
    first.add(random(1000, 1), 5);
    first.add(random(1000, 2), 5);
    await first.dispose();
    const second = track(new FusedAccumulator(900, { threads: 1 }));
    const only = random(900, 3);
    second.add(only, 2);
    expect(second.average()).toEqual(only);
  });
});

describe('bench fedavg accumulator', () => {
  it('bench fedavg accumulator - falls back to scalar when SIMD is unavailable, with the same results', () => {
    const updates = [random(101, 1), random(101, 2), random(101, 3)];
    const weights = [4, 1, 9];
    const noSimd = new FedAvgAccumulator(101, { kernel: 'wasm-simd', simd: false });
    const simd = track(new FedAvgAccumulator(101, { kernel: 'wasm-simd', threads: 1 }));
    expect(noSimd.kernel).toBe('scalar');
    expect(simd.kernel).toBe('wasm-simd');
    updates.forEach((u, k) => {
      noSimd.add(u, weights[k]);
      simd.add(u, weights[k]);
    });
    const want = reference(updates, weights);
    expect(maxRelErr(noSimd.average(), want)).toBeLessThan(2 ** -23);
    expect(maxRelErr(simd.average(), want)).toBeLessThan(4 * 2 ** -24 * 3);
  });
});
