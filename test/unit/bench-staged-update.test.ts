/**
 * The aggregation bench's staged baseline (test/bench/helpers/aggregation/), not what rounds
 * run: a baseline that averaged wrongly would make the bench's ratios meaningless.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { FedAvgAccumulator } from '../bench/helpers/aggregation/fedavg-accumulator';
import { StagedUpdate } from '../bench/helpers/aggregation/staged-update';

function random(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * (1 + seed));
}

function send(staged: StagedUpdate, values: Float32Array, chunkBytes: number): void {
  for (const [offset, data] of chunks(float32ToBytes(values), chunkBytes)) staged.write(offset, Buffer.from(data));
}

describe.each([
  ['wasm-simd', { kernel: 'wasm-simd' as const, threads: 1 }],
  ['scalar', { kernel: 'scalar' as const }],
])('bench staged update (%s)', (_name, options) => {
  it('bench staged update - chunk bytes folded through staging equal add() of the decoded arrays', async () => {
    const size = 10_007;
    const updates = [random(size, 1), random(size, 2), random(size, 3)];
    const weights = [7, 1, 30];
    const staged = new FedAvgAccumulator(size, options);
    const direct = new FedAvgAccumulator(size, options);
    updates.forEach((u, k) => {
      const s = new StagedUpdate(staged, sha256Hex(float32ToBytes(u)));
      send(s, u, 4 * 1000); // chunks that do not divide the update: a short last one
      expect(s.receivedBytes).toBe(size * 4);
      s.fold(weights[k]);
      direct.add(u, weights[k]);
    });
    expect(staged.count).toBe(3);
    expect(staged.average()).toEqual(direct.average());
    await staged.dispose();
    await direct.dispose();
  });

  it('bench staged update - bad chunks and bad wholes are rejected and contribute nothing', async () => {
    const size = 1001;
    const acc = new FedAvgAccumulator(size, options);
    const good = random(size, 4);
    const sha = sha256Hex(float32ToBytes(good));
    const bytes = float32ToBytes(good);

    const outOfOrder = new StagedUpdate(acc, sha);
    expect(() => outOfOrder.write(8, bytes.subarray(8, 16))).toThrow(/offset 8, expected 0/);
    const ragged = new StagedUpdate(acc, sha);
    expect(() => ragged.write(0, bytes.subarray(0, 6))).toThrow(InvalidArgumentError);
    const overrun = new StagedUpdate(acc, sha);
    expect(() => overrun.write(0, Buffer.concat([bytes, Buffer.alloc(4)]))).toThrow(/overruns/);
    for (const at of [0, 17, size - 1]) {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const poisoned = Float32Array.from(good);
        poisoned[at] = bad;
        const s = new StagedUpdate(acc, sha);
        expect(() => send(s, poisoned, 4 * 64)).toThrow(new RegExp(`non-finite value at parameter ${at}$`));
      }
    }
    const truncated = new StagedUpdate(acc, sha);
    truncated.write(0, bytes.subarray(0, 400));
    expect(() => truncated.fold(1)).toThrow(/ended after 400/);
    const corrupt = Float32Array.from(good);
    corrupt[5] += 1;
    const wrongSum = new StagedUpdate(acc, sha);
    send(wrongSum, corrupt, 4 * 100);
    expect(() => wrongSum.fold(1)).toThrow(/sha256/);
    expect(acc.count).toBe(0);

    const ok = new StagedUpdate(acc, sha);
    send(ok, good, 4 * 100);
    ok.fold(9);
    expect(() => ok.fold(9)).toThrow(/already folded/);
    expect(acc.count).toBe(1);
    expect(acc.average()).toEqual(good);
    await acc.dispose();
  });

  it('bench staged update - chunks at any byte alignment of their buffer are accepted', async () => {
    const size = 37;
    const acc = new FedAvgAccumulator(size, options);
    const values = random(size, 6);
    const s = new StagedUpdate(acc, null);
    const raw = float32ToBytes(values);
    const holder = Buffer.alloc(raw.length + 3);
    raw.copy(holder, 3);
    s.write(0, holder.subarray(3, 3 + 20));
    s.write(20, holder.subarray(23));
    s.fold(2);
    expect(acc.average()).toEqual(values);
    await acc.dispose();
  });
});
