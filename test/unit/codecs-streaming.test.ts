import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../../common/random';
import { encodeUpdate } from '../../common/codecs/encode-update';
import { createFoldingDecoder } from '../../common/codecs/folding-decoder';

const NAMES = ['float32', 'float16', 'int8', 'topk:0.05', 'topk:0.05+int8', 'topk:0.0005', 'topk:1+int8'];

function delta(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => normal(rng) * 0.01);
}

/** Splits `payload` at random points, each chunk copied to an odd offset of its own buffer (as gRPC slices arrive). */
function randomChunks(payload: Uint8Array, seed: number, maxChunk: number): Uint8Array[] {
  const rng = createRng(seed);
  const out: Uint8Array[] = [];
  for (let p = 0; p < payload.length; ) {
    const len = Math.min(payload.length - p, 1 + Math.floor(rng() * maxChunk));
    const buf = new Uint8Array(len + 3);
    buf.set(payload.subarray(p, p + len), 1 + (out.length % 3));
    out.push(buf.subarray(1 + (out.length % 3), 1 + (out.length % 3) + len));
    p += len;
  }
  return out;
}

function fold(name: string, n: number, parts: Uint8Array[], target: Float32Array | Float64Array, weight: number) {
  const decoder = createFoldingDecoder(name, n, target, weight);
  for (const part of parts) decoder.push(part);
  decoder.finish();
  expect(decoder.receivedBytes).toBe(decoder.expectedBytes);
  return target;
}

describe('codecs - streaming folding decoder', () => {
  for (const name of NAMES) {
    it(`codecs - ${name}: random chunk boundaries, 1-byte chunks and unaligned chunks fold exactly like one push`, () => {
      const n = 10_007;
      const d = delta(n, 7);
      const payload = encodeUpdate(d, name, { blockSize: 257 });
      const base = Float64Array.from({ length: n }, (_, i) => i * 1e-3);
      const oneShot = fold(name, n, [payload], Float64Array.from(base), 0.3);
      for (const [seed, maxChunk] of [
        [1, 7],
        [2, 300],
        [3, 70_000],
      ]) {
        expect(fold(name, n, randomChunks(payload, seed, maxChunk), Float64Array.from(base), 0.3), `seed ${seed}`).toEqual(oneShot);
      }
      const bytes = Array.from(payload, (b) => Uint8Array.of(b));
      expect(fold(name, n, bytes, Float64Array.from(base), 0.3)).toEqual(oneShot);
      // Folding really adds: what was in the target stays, plus weight × value.
      const fromZero = fold(name, n, [payload], new Float64Array(n), 0.3);
      for (let i = 0; i < n; i += 997) expect(oneShot[i]).toBeCloseTo(base[i] + fromZero[i], 12);
    });
  }

  it('codecs - folds into a Float32Array accumulator as well as a Float64Array one', () => {
    const n = 5000;
    const d = delta(n, 3);
    const acc32 = new Float32Array(n);
    const acc64 = new Float64Array(n);
    for (const [name, w] of [
      ['float32', 0.5],
      ['int8', 0.25],
      ['topk:0.1', 0.25],
    ] as const) {
      const payload = encodeUpdate(d, name);
      fold(name, n, randomChunks(payload, 9, 999), acc32, w);
      fold(name, n, [payload], acc64, w);
    }
    for (let i = 0; i < n; i++) expect(acc32[i]).toBeCloseTo(acc64[i], 6);
  });

  it('codecs - splits multi-byte varints across chunks (large gaps between kept indices)', () => {
    const n = 3_000_000;
    const d = new Float32Array(n);
    for (const i of [5, 200_000, 2_999_999]) d[i] = 1;
    const payload = encodeUpdate(d, 'topk:0.000001');
    expect(payload.length).toBe(16 + 1 + 3 + 4 + 3 * 4); // gaps 5, 199_995 and 2_799_999: 1, 3 and 4 varint bytes
    const target = new Float32Array(n);
    fold('topk:0.000001', n, Array.from(payload, (b) => Uint8Array.of(b)), target, 2);
    expect([target[5], target[200_000], target[2_999_999]]).toEqual([2, 2, 2]);
  });
});

describe('codecs - folding decoder coverage (per-parameter weight of top-k updates)', () => {
  /** A top-k+int8 payload of `d` with its int8 value `at` (in index order) replaced by the forbidden -128. */
  function withBadInt8(payload: Uint8Array, k: number, at: number): Uint8Array {
    const bad = payload.slice();
    // Values are the last k bytes plus one 4-byte scale per block (a single block here).
    bad[bad.length - k + at] = 0x80;
    return bad;
  }

  for (const name of ['topk:0.05', 'topk:0.05+int8']) {
    it(`codecs - ${name}: adds the coverage weight at exactly the indices it folds, and the opposite weight takes it back out`, () => {
      const n = 4001;
      const d = delta(n, 3);
      const payload = encodeUpdate(d, name);
      const sent = new Float32Array(n);
      fold(name, n, [payload], sent, 1);
      const counts = new Uint32Array(n);
      const target = new Float64Array(n);
      const decoder = createFoldingDecoder(name, n, target, 2, { counts, weight: 7 });
      for (const part of randomChunks(payload, 5, 300)) decoder.push(part);
      decoder.finish();
      for (let i = 0; i < n; i++) expect(counts[i]).toBe(sent[i] !== 0 ? 7 : 0);
      const back = createFoldingDecoder(name, n, target, -2, { counts, weight: -7 });
      back.push(payload);
      back.finish();
      expect(counts.every((c) => c === 0)).toBe(true);
    });
  }

  it('codecs - counts stop at a refused value, and replaying the payload with the opposite weight leaves exact zeros', () => {
    const n = 2000;
    const k = 100;
    const payload = withBadInt8(encodeUpdate(delta(n, 4), 'topk:0.05+int8'), k, 40);
    const counts = new Uint32Array(n).fill(3); // another upload's counts, which must survive
    const decoder = createFoldingDecoder('topk:0.05+int8', n, new Float64Array(n), 1, { counts, weight: 5 });
    expect(() => decoder.push(payload)).toThrow(/-128/);
    expect(counts.filter((c) => c === 8).length).toBe(40);
    const back = createFoldingDecoder('topk:0.05+int8', n, new Float64Array(n), -1, { counts, weight: -5 });
    expect(() => back.push(payload)).toThrow(/-128/);
    expect(counts.every((c) => c === 3)).toBe(true);
  });

  it('codecs - dense formats leave the counts alone; bad counts or weights are refused', () => {
    const n = 300;
    const counts = new Uint32Array(n);
    for (const name of ['float32', 'float16', 'int8']) fold(name, n, [encodeUpdate(delta(n, 6), name)], new Float64Array(n), 1);
    const dense = createFoldingDecoder('int8', n, new Float64Array(n), 1, { counts, weight: 4 });
    dense.push(encodeUpdate(delta(n, 6), 'int8'));
    dense.finish();
    expect(counts.every((c) => c === 0)).toBe(true);
    expect(() => createFoldingDecoder('topk:0.1', n, new Float64Array(n), 1, { counts: new Uint32Array(n - 1), weight: 1 })).toThrow(/Uint32Array of 300/);
    expect(() => createFoldingDecoder('topk:0.1', n, new Float64Array(n), 1, { counts, weight: 1.5 })).toThrow(/integer/);
    expect(() => createFoldingDecoder('topk:0.1', n, new Float64Array(n), 1, { counts, weight: 2 ** 32 })).toThrow(/integer/);
  });
});
