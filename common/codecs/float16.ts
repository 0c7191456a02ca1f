/**
 * IEEE 754 binary16 conversion without lookup tables, through a shared
 * Float32Array/Uint32Array view of one scratch word.
 *
 * float32 → half rounds to nearest, ties to even (the bit trick from Fabian
 * Giesen's `float_to_half_fast3_rtne`): normals adjust the exponent bias and
 * round on the integer bits; subnormals let one float addition do the shift and
 * the rounding; overflow gives ±Inf; NaN stays NaN (quiet).
 *
 * half → float32 puts the 15 magnitude bits at float32's mantissa/exponent
 * position and multiplies by 2^112, which rebiases normals and turns half
 * subnormals (which land as float32 subnormals) into the right value, exactly.
 */

const word = new Float32Array(1);
const wordBits = new Uint32Array(word.buffer);

const F32_INFINITY_BITS = 255 << 23;
const F16_OVERFLOW_BITS = (127 + 16) << 23; // 65536: every |x| ≥ 65520 already rounds to Inf, see below
const F16_MIN_NORMAL_BITS = 113 << 23; // 2^-14
const DENORM_MAGIC_BITS = ((127 - 15) + (23 - 10) + 1) << 23; // 0.5
const DENORM_MAGIC = 0.5;
/** 2^112, the rebias factor from the shifted half bits to the value. */
export const HALF_REBIAS = 5.192296858534828e33;

/** Largest finite half, 65504. */
export const FLOAT16_MAX = 65504;

/** The binary16 bits of `value` (rounded to float32 first, then to nearest-even half). */
export function float32ToFloat16Bits(value: number): number {
  word[0] = value;
  return bitsToHalf(wordBits[0]);
}

/** The value of binary16 `bits` (Inf and NaN included). */
export function float16BitsToFloat32(bits: number): number {
  const mag = bits & 0x7fff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (mag >= 0x7c00) return mag === 0x7c00 ? sign * Infinity : NaN;
  wordBits[0] = mag << 13;
  return sign * word[0] * HALF_REBIAS;
}

/** Converts float32 bits (as an unsigned 32-bit integer) to half bits. */
export function bitsToHalf(u: number): number {
  const sign = (u >>> 16) & 0x8000;
  u = u & 0x7fffffff;
  if (u >= F16_OVERFLOW_BITS) return sign | (u > F32_INFINITY_BITS ? 0x7e00 : 0x7c00);
  if (u < F16_MIN_NORMAL_BITS) {
    // Adding 0.5 aligns the value so float rounding (nearest-even) drops exactly
    // the bits a half subnormal cannot hold; the sum is exact in float64 and
    // rounded once when stored as float32.
    wordBits[0] = u;
    word[0] = word[0] + DENORM_MAGIC;
    return sign | (wordBits[0] - DENORM_MAGIC_BITS);
  }
  const mantissaOdd = (u >>> 13) & 1;
  // Rebias the exponent and add 0x0fff + odd: carries into bit 13 exactly when
  // the dropped bits are above half, or exactly half with an odd kept mantissa.
  // A carry out of the exponent yields 0x7c00 (Inf) for 65520 ≤ |x| < 65536.
  u = u + ((15 - 127) << 23) + 0x0fff + mantissaOdd;
  return sign | (u >>> 13);
}

/**
 * Writes the half bits of `src` into `dst`; returns the index of the first
 * value that is not finite or overflows to Inf, or -1 when all fit.
 */
export function encodeFloat16(src: Float32Array, dst: Uint16Array): number {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bitsToHalf(bits[i]);
    if ((h & 0x7c00) === 0x7c00) return i;
    dst[i] = h;
  }
  return -1;
}
