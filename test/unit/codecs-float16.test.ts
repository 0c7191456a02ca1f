import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits, FLOAT16_MAX } from '../../common/codecs/float16';

/** Value of half bits computed arithmetically, independent of the code under test. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (e === 0 ? m * 2 ** -24 : (1024 + m) * 2 ** (e - 25));
}

/** Reference float → half: nearest of the ordered finite halves, ties to the even mantissa, overflow to Inf. */
const positives = Array.from({ length: 0x7c00 }, (_, h) => halfValue(h)); // ascending: 0 .. 65504
function referenceHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65520 is the midpoint between 65504 and 2^16, and rounds to even (Inf)
  let lo = 0;
  let hi = positives.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positives[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dl = a - positives[lo];
  const dh = positives[hi] - a;
  const h = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

describe('codecs - float16 conversion', () => {
  it('codecs - decodes every one of the 65536 half bit patterns exactly, subnormals, Inf and NaN included', () => {
    for (let h = 0; h < 0x10000; h++) {
      const expected = halfValue(h);
      const actual = float16BitsToFloat32(h);
      if (Number.isNaN(expected)) expect(Number.isNaN(actual), `0x${h.toString(16)}`).toBe(true);
      else if (actual !== expected || Object.is(actual, -0) !== Object.is(expected, -0)) expect(actual, `0x${h.toString(16)}`).toBe(expected);
    }
  });

  it('codecs - encodes every finite half value back to its own bits', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue;
      const back = float32ToFloat16Bits(halfValue(h));
      if (back !== h) expect(back.toString(16), `0x${h.toString(16)}`).toBe(h.toString(16));
    }
  });

  it('codecs - rounds every midpoint between neighbouring halves to the even one, and just off it to the nearer one', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const mid = (positives[h] + positives[h + 1]) / 2; // exact in float32: halves have 11 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      for (const [x, want] of [
        [mid, even],
        [Math.fround(mid * (1 - 2 ** -23)), h],
        [Math.fround(mid * (1 + 2 ** -23)), h + 1],
      ] as const) {
        const got = float32ToFloat16Bits(x);
        if (got !== want) expect(`${got}`, `x=${x} between 0x${h.toString(16)} and the next`).toBe(`${want}`);
        if (float32ToFloat16Bits(-x) !== (want | 0x8000)) expect(float32ToFloat16Bits(-x)).toBe(want | 0x8000);
      }
    }
  });

  it('codecs - matches the reference rounding on random float32 bit patterns across the whole range', () => {
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    let s = 0x12345678;
    for (let i = 0; i < 200_000; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      // Bias exponents towards the half range so subnormals and normals get most of the samples.
      bits[0] = i % 2 === 0 ? s >>> 0 : ((s & 0x807fffff) | ((((s >>> 23) & 0x3f) + 90) << 23)) >>> 0;
      const x = f[0];
      const got = float32ToFloat16Bits(x);
      const want = referenceHalf(x);
      if (got !== want && !(Number.isNaN(x) && (got & 0x7c00) === 0x7c00 && got & 0x3ff)) {
        expect(got.toString(16), `x=${x} bits=0x${bits[0].toString(16)}`).toBe(want.toString(16));
      }
    }
  });

  it('codecs - overflows to Inf from 65520 up and keeps the sign of zero', () => {
    expect(float32ToFloat16Bits(FLOAT16_MAX)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e9)).toBe(0xfc00);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // exactly half the smallest subnormal: ties to even (0)
    expect(float32ToFloat16Bits(Math.fround(2 ** -25 * 1.0001))).toBe(1);
  });
});
