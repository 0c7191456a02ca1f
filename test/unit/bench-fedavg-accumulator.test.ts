/**
 * The aggregation bench's staged baseline (test/bench/helpers/aggregation/), not what rounds
 * run: a baseline that averaged wrongly would make the bench's ratios meaningless.
 */
import { describe, expect, it } from 'vitest';
import { FedAvgAccumulator } from '../bench/helpers/aggregation/fedavg-accumulator';
import { InvalidArgumentError } from '../../common/errors';

/** Reference FedAvg written the obvious way: Σ nᵢxᵢ / Σ nᵢ per coordinate. */
function reference(updates: Array<{ values: number[]; n: number }>): number[] {
  const total = updates.reduce((s, u) => s + u.n, 0);
  return updates[0].values.map((_, i) => updates.reduce((s, u) => s + u.n * u.values[i], 0) / total);
}

describe('bench fedavg accumulator', () => {
  it('bench fedavg accumulator - averages updates weighted by their example counts', () => {
    const updates = [
      { values: [1, 2, 3, -4], n: 10 },
      { values: [3, 0, -1, 4], n: 30 },
      { values: [0.5, 0.25, 8, 0], n: 60 },
    ];
    const acc = new FedAvgAccumulator(4);
    for (const u of updates) acc.add(Float32Array.from(u.values), u.n);
    const got = Array.from(acc.average());
    const want = reference(updates);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    expect(acc.count).toBe(3);
    expect(acc.weight).toBe(100);
    // Unequal weights must matter: the plain mean would differ.
    expect(got[0]).not.toBeCloseTo((1 + 3 + 0.5) / 3, 3);
  });

  it('bench fedavg accumulator - returns the single update unchanged for one client', () => {
    const acc = new FedAvgAccumulator(3);
    const only = Float32Array.from([0.1, -7.25, 1e-6]);
    acc.add(only, 1234);
    expect(Array.from(acc.average())).toEqual(Array.from(only));
  });

  it('bench fedavg accumulator - matches the reference on a larger random model', () => {
    const size = 10_000;
    const updates = Array.from({ length: 7 }, (_, k) => ({ values: Array.from({ length: size }, (_, i) => Math.sin(i * (k + 1))), n: 1 + k * 13 }));
    const acc = new FedAvgAccumulator(size);
    for (const u of updates) acc.add(Float32Array.from(u.values), u.n);
    const got = acc.average();
    const want = reference(updates.map((u) => ({ values: Array.from(Float32Array.from(u.values)), n: u.n })));
    let maxErr = 0;
    for (let i = 0; i < size; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    expect(maxErr).toBeLessThan(1e-6);
  });

  it('bench fedavg accumulator - refuses a wrong-sized update, a bad weight, and averaging nothing', () => {
    const acc = new FedAvgAccumulator(2);
    expect(() => acc.add(new Float32Array(3), 1)).toThrow(InvalidArgumentError);
    expect(() => acc.add(new Float32Array(2), 0)).toThrow(InvalidArgumentError);
    expect(() => acc.add(new Float32Array(2), Number.NaN)).toThrow(InvalidArgumentError);
    expect(() => acc.average()).toThrow(InvalidArgumentError);
  });
});
