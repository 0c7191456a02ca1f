import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../../common/random';
import { decodeDense } from '../../common/codecs/decode-dense';
import { encodeUpdate } from '../../common/codecs/encode-update';
import { topkCount } from '../../common/codecs/encoding';
import { selectTopK } from '../../common/codecs/top-k';
import { InvalidArgumentError } from '../../common/errors';

/** A delta like a real update: mostly small normal values, a few large ones, some exact zeros. */
function delta(n: number, seed = 1): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rng();
    out[i] = r < 0.05 ? 0 : r < 0.06 ? normal(rng) * 0.5 : normal(rng) * 0.01;
  }
  return out;
}

function ulp32(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** Scale of each int8 block, maxAbs/127, plus the float32 rounding the encoder may add (one ulp up). */
function blockScales(values: Float32Array, blockSize: number): number[] {
  const scales: number[] = [];
  for (let s = 0; s < values.length; s += blockSize) {
    let m = 0;
    for (let i = s; i < Math.min(values.length, s + blockSize); i++) m = Math.max(m, Math.abs(values[i]));
    scales.push((m / 127) * (1 + 2 ** -22));
  }
  return scales;
}

describe('codecs - round trips within the documented bounds', () => {
  it('codecs - float32 round-trips exactly', () => {
    const d = delta(10_001);
    expect(decodeDense('float32', encodeUpdate(d, 'float32'), d.length)).toEqual(d);
  });

  it('codecs - float16 stays within 2^-11 relative error in the normal range and 2^-25 absolute below it', () => {
    const d = delta(50_000);
    d[0] = 65504;
    d[1] = -3e-7; // subnormal in half
    d[2] = 6.1e-5; // just under the smallest normal half
    const back = decodeDense('float16', encodeUpdate(d, 'float16'), d.length);
    for (let i = 0; i < d.length; i++) {
      const a = Math.abs(d[i]);
      const err = Math.abs(back[i] - d[i]);
      const bound = a >= 2 ** -14 ? a * 2 ** -11 : 2 ** -25;
      if (err > bound) expect(err, `parameter ${i}: ${d[i]} → ${back[i]}`).toBeLessThanOrEqual(bound);
    }
  });

  it('codecs - float16 refuses values it cannot hold instead of sending Inf', () => {
    expect(() => encodeUpdate(Float32Array.from([1, 70000]), 'float16')).toThrow(/outside the float16 range/);
  });

  it('codecs - int8 stays within half a step (scale/2) of each block, for several block sizes', () => {
    for (const blockSize of [1, 7, 4096, 1 << 20]) {
      const d = delta(20_011, blockSize);
      const payload = encodeUpdate(d, 'int8', { blockSize });
      const back = decodeDense('int8', payload, d.length);
      const scales = blockScales(d, blockSize);
      for (let i = 0; i < d.length; i++) {
        const err = Math.abs(back[i] - d[i]);
        const bound = scales[Math.floor(i / blockSize)] / 2 + ulp32(d[i]) / 2;
        if (err > bound) expect(err, `block size ${blockSize}, parameter ${i}`).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('codecs - int8 sends an all-zero block as zeros and a block of float32 subnormals within bound', () => {
    const d = new Float32Array(10);
    d[7] = 2 ** -140;
    d[8] = -(2 ** -145);
    const back = decodeDense('int8', encodeUpdate(d, 'int8', { blockSize: 5 }), 10);
    expect(Array.from(back.subarray(0, 5))).toEqual([0, 0, 0, 0, 0]);
    // The stored scale is a float32 subnormal (3 significant bits here), rounded up so no value clamps.
    const scale = new DataView(encodeUpdate(d, 'int8', { blockSize: 5 }).buffer).getFloat32(16 + 9, true);
    expect(scale).toBeGreaterThanOrEqual(2 ** -140 / 127);
    expect(Math.abs(back[7] - d[7])).toBeLessThanOrEqual(scale / 2);
    expect(Math.abs(back[8] - d[8])).toBeLessThanOrEqual(scale / 2);
  });

  for (const values of ['float32', 'int8'] as const) {
    it(`codecs - top-k with ${values} values keeps the k largest magnitudes (${values === 'float32' ? 'exactly' : 'within the int8 bound'}) and sends zeros for the rest`, () => {
      for (const [n, fraction] of [
        [1000, 0.1],
        [200_000, 0.01],
        [200_000, 0.3],
        [17, 0.5],
      ] as const) {
        const d = delta(n, n);
        const name = values === 'int8' ? `topk:${fraction}+int8` : `topk:${fraction}`;
        const back = decodeDense(name, encodeUpdate(d, name), n);
        const k = topkCount(fraction, n);
        const order = Array.from(d.keys()).sort((a, b) => Math.abs(d[b]) - Math.abs(d[a]) || a - b);
        const kept = new Set(order.slice(0, k));
        const keptValues = Float32Array.from([...kept].sort((a, b) => a - b), (i) => d[i]);
        const scales = blockScales(keptValues, 4096);
        let j = 0;
        for (let i = 0; i < n; i++) {
          if (!kept.has(i)) {
            if (back[i] !== 0) expect(back[i], `dropped parameter ${i}`).toBe(0);
            continue;
          }
          const bound = values === 'float32' ? 0 : scales[Math.floor(j / 4096)] / 2 + ulp32(d[i]) / 2;
          j++;
          if (Math.abs(back[i] - d[i]) > bound) expect(Math.abs(back[i] - d[i]), `kept parameter ${i}`).toBeLessThanOrEqual(bound);
        }
      }
    });
  }

  it('codecs - int8 is at least 3.9× smaller than float32 and top-k 1 % + int8 at least 50× smaller, for n = 1e5', () => {
    const d = delta(100_000);
    const f32 = encodeUpdate(d, 'float32').length;
    expect(f32 / encodeUpdate(d, 'float16').length).toBeGreaterThanOrEqual(1.99);
    expect(f32 / encodeUpdate(d, 'int8').length).toBeGreaterThanOrEqual(3.9);
    expect(f32 / encodeUpdate(d, 'topk:0.01+int8').length).toBeGreaterThanOrEqual(50);
    expect(f32 / encodeUpdate(d, 'topk:0.01').length).toBeGreaterThanOrEqual(25);
  });

  it('codecs - every encoder rejects NaN and Inf in the update', () => {
    for (const name of ['float32', 'float16', 'int8', 'topk:0.5', 'topk:0.5+int8']) {
      expect(() => encodeUpdate(Float32Array.from([1, NaN]), name), name).toThrow(InvalidArgumentError);
      expect(() => encodeUpdate(Float32Array.from([-Infinity, 1]), name), name).toThrow(InvalidArgumentError);
    }
  });

  it('codecs - encodes an empty model and a model of one parameter', () => {
    for (const name of ['float32', 'float16', 'int8', 'topk:0.01', 'topk:0.01+int8']) {
      expect(decodeDense(name, encodeUpdate(new Float32Array(0), name), 0).length).toBe(0);
      expect(decodeDense(name, encodeUpdate(Float32Array.from([0.5]), name), 1)[0], name).toBeCloseTo(0.5, 6);
    }
  });
});

describe('codecs - top-k selection', () => {
  function reference(values: Float32Array, k: number): number[] {
    return Array.from(values.keys())
      .sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b)
      .slice(0, k)
      .sort((a, b) => a - b);
  }

  it('codecs - selects the same indices as a full sort, on the sampled path (large n) and the direct path', () => {
    for (const [n, k, seed] of [
      [300_000, 3000, 1],
      [300_000, 1, 2],
      [300_000, 30_000, 3],
      [5000, 50, 4],
      [5000, 4999, 5],
    ]) {
      const d = delta(n, seed);
      expect(Array.from(selectTopK(d, k)), `n=${n} k=${k}`).toEqual(reference(d, k));
    }
  });

  it('codecs - breaks ties towards the lower index, also when most values are equal', () => {
    const flat = new Float32Array(200_000).fill(0.25);
    flat[123_456] = -1;
    expect(Array.from(selectTopK(flat, 4))).toEqual([0, 1, 2, 123_456]);
    const zeros = new Float32Array(100_000);
    zeros[99_999] = 1e-30;
    expect(Array.from(selectTopK(zeros, 3))).toEqual([0, 1, 99_999]);
  });

  it('codecs - handles sorted and reverse-sorted magnitudes (quickselect pivots)', () => {
    const up = Float32Array.from({ length: 100_000 }, (_, i) => i);
    const down = Float32Array.from({ length: 100_000 }, (_, i) => -(100_000 - i));
    expect(Array.from(selectTopK(up, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => 99_000 + i));
    expect(Array.from(selectTopK(down, 1000))).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
