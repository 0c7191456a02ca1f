import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { decodeDense } from '../../common/codecs/decode-dense';
import { encodeUpdate } from '../../common/codecs/encode-update';
import { createFoldingDecoder } from '../../common/codecs/folding-decoder';

const N = 1000;
const delta = Float32Array.from({ length: N }, (_, i) => Math.sin(i) * 0.1);
const NAMES = ['float32', 'float16', 'int8', 'topk:0.1', 'topk:0.1+int8'];

/** A top-k float32 payload written by hand, so tests can put anything in it. */
function topkPayload(n: number, varints: number[][], values: number[], count = varints.length): Uint8Array {
  const idx = varints.flat();
  const out = new Uint8Array(16 + idx.length + 4 * values.length);
  const dv = new DataView(out.buffer);
  out.set([0x46, 0x55, 1, 4]);
  dv.setUint32(4, n, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, count, true);
  out.set(idx, 16);
  values.forEach((v, j) => dv.setFloat32(16 + idx.length + 4 * j, v, true));
  return out;
}

function withByte(payload: Uint8Array, at: number, value: number): Uint8Array {
  const out = Uint8Array.from(payload);
  out[at] = value;
  return out;
}

function withU32(payload: Uint8Array, at: number, value: number): Uint8Array {
  const out = Uint8Array.from(payload);
  new DataView(out.buffer).setUint32(at, value, true);
  return out;
}

function withF32(payload: Uint8Array, at: number, value: number): Uint8Array {
  const out = Uint8Array.from(payload);
  new DataView(out.buffer).setFloat32(at, value, true);
  return out;
}

/** Folds `payload` (in chunks of `chunk` bytes) into a non-zero target; returns the error and the target before and after. */
function reject(name: string, payload: Uint8Array, chunk = payload.length || 1, n = N) {
  const before = Float64Array.from({ length: n }, (_, i) => i + 0.5);
  const target = Float64Array.from(before);
  const decoder = createFoldingDecoder(name, n, target, 1);
  let error: unknown;
  try {
    for (let p = 0; p < payload.length; p += chunk) decoder.push(payload.subarray(p, p + chunk));
    decoder.finish();
  } catch (err) {
    error = err;
  }
  expect(error, `${name} was accepted`).toBeInstanceOf(InvalidArgumentError);
  return { message: (error as Error).message, before, target, decoder };
}

/** A rejection that must leave the target exactly as it was. */
function rejectUntouched(name: string, payload: Uint8Array, pattern: RegExp, chunk?: number, n = N) {
  const { message, before, target } = reject(name, payload, chunk, n);
  expect(message).toMatch(pattern);
  expect(target).toEqual(before);
}

describe('codecs - rejecting corrupt payloads', () => {
  it('codecs - rejects a bad header (magic, version, format, parameter count, block size, count) and changes nothing', () => {
    for (const name of NAMES) {
      const p = encodeUpdate(delta, name, { blockSize: 64 });
      rejectUntouched(name, withByte(p, 0, 0x47), /magic/);
      rejectUntouched(name, withByte(p, 2, 2), /version/);
      rejectUntouched(name, withByte(p, 3, name === 'float16' ? 1 : 2), /format/);
      rejectUntouched(name, withU32(p, 4, N + 1), /parameters/);
      rejectUntouched(name, withU32(p, 8, name.includes('int8') ? 0 : 64), /block size/);
      rejectUntouched(name, withU32(p, 12, name.startsWith('topk') ? N + 1 : N - 1), /values/);
      rejectUntouched(name, p, /parameters/, 5, N - 1); // a model of a different size
    }
    // The negotiated encoding and the payload disagree.
    rejectUntouched('float16', encodeUpdate(delta, 'float32'), /format/);
    rejectUntouched('topk:0.1', encodeUpdate(delta, 'topk:0.1+int8'), /format/);
  });

  it('codecs - rejects truncated payloads at finish, whatever the cut', () => {
    for (const name of NAMES) {
      const p = encodeUpdate(delta, name, { blockSize: 64 });
      for (const cut of [0, 1, 15, 16, 17, p.length - 4, p.length - 1]) {
        const { message } = reject(name, p.subarray(0, cut), 3);
        expect(message, `${name} cut at ${cut}`).toMatch(/truncated/);
      }
    }
  });

  it('codecs - rejects trailing bytes as soon as the length is known, in the same chunk or a later one', () => {
    for (const name of NAMES) {
      const p = encodeUpdate(delta, name, { blockSize: 64 });
      const longer = new Uint8Array(p.length + 1);
      longer.set(p);
      expect(reject(name, longer).message).toMatch(/trailing/);
      expect(reject(name, longer, 1).message).toMatch(/trailing/);
      const decoder = createFoldingDecoder(name, N, new Float64Array(N), 1);
      decoder.push(p);
      expect(() => decoder.push(Uint8Array.of(0))).toThrow(/trailing/);
    }
    // A dense payload with trailing bytes in the chunk after the header is rejected before any value is folded.
    const p = encodeUpdate(delta, 'float32');
    const longer = new Uint8Array(p.length + 4);
    longer.set(p);
    rejectUntouched('float32', longer, /trailing/);
  });

  it('codecs - rejects top-k indices out of range, repeated, decreasing, overlong or non-canonical, and changes nothing', () => {
    const ok = topkPayload(300, [[5], [0x80, 0x01], [1]], [1, 2, 3]); // indices 5, 133, 134
    expect(Array.from(decodeDense('topk:0.01', ok, 300)).flatMap((v, i) => (v ? [i] : []))).toEqual([5, 133, 134]);
    rejectUntouched('topk:0.01', topkPayload(300, [[5], [0xa7, 0x02]], [1, 2]), /out of range/, undefined, 300); // 5 + 295 = 300
    rejectUntouched('topk:0.01', topkPayload(300, [[0xac, 0x02]], [1]), /out of range/, undefined, 300); // 300
    rejectUntouched('topk:0.01', topkPayload(300, [[5], [0]], [1, 2]), /strictly increase/, undefined, 300);
    rejectUntouched('topk:0.01', topkPayload(300, [[0x85, 0x80, 0x80, 0x80, 0x80, 0x00]], [1]), /varint/, undefined, 300);
    rejectUntouched('topk:0.01', topkPayload(300, [[0x85, 0x80, 0x80, 0x80, 0x10]], [1]), /varint/, undefined, 300);
    rejectUntouched('topk:0.01', topkPayload(300, [[0x85, 0x00]], [1]), /non-canonical/, undefined, 300);
    rejectUntouched('topk:0.01', topkPayload(300, [[5]], [1], 301), /values/, undefined, 300);
    // The same, fed one byte at a time.
    rejectUntouched('topk:0.01', topkPayload(300, [[5], [0x80, 0x01], [0]], [1, 2, 3]), /strictly increase/, 1, 300);
  });

  it('codecs - rejects NaN and Inf values and scales, negative scales and int8 -128, folding nothing after the bad value', () => {
    const f32 = encodeUpdate(delta, 'float32');
    for (const bad of [NaN, Infinity, -Infinity]) {
      const { message, before, target } = reject('float32', withF32(f32, 16 + 4 * 100, bad), 333);
      expect(message).toMatch(/non-finite value .* at parameter 100/);
      for (let i = 0; i < 100; i++) expect(target[i]).toBeCloseTo(before[i] + delta[i], 6);
      expect(target.subarray(100)).toEqual(before.subarray(100));
    }
    const f16 = encodeUpdate(delta, 'float16');
    for (const bits of [0x7c00, 0xfc00, 0x7e00, 0x7c01]) {
      const p = Uint8Array.from(f16);
      new DataView(p.buffer).setUint16(16 + 2 * 500, bits, true);
      const { message, before, target } = reject('float16', p, 101);
      expect(message).toMatch(/non-finite value .* at parameter 500/);
      expect(target.subarray(500)).toEqual(before.subarray(500));
    }
    const i8 = encodeUpdate(delta, 'int8', { blockSize: 100 }); // block b's scale at 16 + 104·b
    for (const scale of [NaN, Infinity, -0.5]) {
      const { message, before, target } = reject('int8', withF32(i8, 16 + 104 * 3, scale));
      expect(message).toMatch(/block starting at value 300 has invalid scale/);
      expect(target.subarray(300)).toEqual(before.subarray(300));
    }
    expect(reject('int8', withByte(i8, 16 + 104 * 2 + 4 + 7, 0x80)).message).toMatch(/-128 .* at parameter 207/);
    rejectUntouched('int8', withByte(i8, 16 + 4, 0x80), /-128/);
    const topk = topkPayload(300, [[5], [1]], [1, NaN]);
    const { message, target } = reject('topk:0.01', topk, undefined, 300);
    expect(message).toMatch(/top-k value 1 \(parameter 6\)/);
    expect([target[5], target[6]]).toEqual([6.5, 6.5]);
  });

  it('codecs - a decoder that rejected a payload stays failed, and a finished one takes no more bytes', () => {
    const { decoder } = reject('float32', new Uint8Array(16));
    expect(() => decoder.push(new Uint8Array(1))).toThrow(/already rejected/);
    expect(() => decoder.finish()).toThrow(/already rejected/);
    const ok = createFoldingDecoder('float32', N, new Float32Array(N), 1);
    ok.push(encodeUpdate(delta, 'float32'));
    ok.finish();
    ok.finish();
    expect(() => ok.push(new Uint8Array(1))).toThrow(/already finished/);
  });

  it('codecs - refuses a target of the wrong length or type, a non-finite weight and an unknown encoding', () => {
    expect(() => createFoldingDecoder('int8', N, new Float32Array(N - 1), 1)).toThrow(InvalidArgumentError);
    expect(() => createFoldingDecoder('int8', N, new Array(N).fill(0) as unknown as Float32Array, 1)).toThrow(InvalidArgumentError);
    expect(() => createFoldingDecoder('int8', N, new Float32Array(N), NaN)).toThrow(InvalidArgumentError);
    expect(() => createFoldingDecoder('int4', N, new Float32Array(N), 1)).toThrow(InvalidArgumentError);
    expect(() => createFoldingDecoder('int8', -1, new Float32Array(0), 1)).toThrow(InvalidArgumentError);
  });
});
