/**
 * Gaussian noise for central DP: the coordinator adds N(0, (σ·S)²) to every
 * parameter of the clipped-update sum, so a model of 10M+ parameters needs 10M+
 * samples per round, drawn from a cryptographically secure generator (a
 * predictable generator would let whoever knows its state subtract the noise).
 *
 * Marsaglia's polar method in double precision on 53-bit uniforms, bits pulled
 * from node:crypto into one reusable buffer: no allocation per sample, both
 * outputs of each accepted pair used. It beats Box–Muller here because V8's
 * sin/cos cost more than the 21% of rejected pairs. The 53-bit grid caps samples
 * near 12 standard deviations. Like every floating-point sampler it is not
 * hardened against floating-point attacks on the low bits of noisy outputs
 * (Mironov 2012; Jin et al. 2022 for Gaussian samplers); a discrete Gaussian
 * sampler is the fix if that threat matters.
 */
import { randomFillSync } from 'node:crypto';
import { InvalidArgumentError } from '../../../common/errors';

/** Writes independent N(0, stddev²) samples. */
export interface NormalSource {
  /** Overwrites every element of `out` with a fresh sample (adds nothing to what was there). */
  fill(out: Float32Array | Float64Array, stddev: number): void;
}

/** Fills a buffer of 32-bit words with uniform random bits. */
export type BitSource = (words: Uint32Array) => void;

/** 64 KiB of bits per refill: few calls into OpenSSL, small enough to stay in cache. */
const DEFAULT_BUFFER_WORDS = 16_384;
const TWO_POW_26 = 67_108_864;
const TWO_POW_MINUS_52 = 1 / 4_503_599_627_370_496;

/**
 * A polar-method normal source over any bit source; production uses
 * `secureNormalSource`, tests give it a seeded one so the transform itself is
 * checked deterministically.
 */
export function polarNormalSource(fillBits: BitSource, bufferWords = DEFAULT_BUFFER_WORDS): NormalSource {
  // Four words (two 53-bit uniforms) per candidate pair.
  if (!Number.isInteger(bufferWords) || bufferWords < 4 || bufferWords % 4 !== 0) {
    throw new InvalidArgumentError(`bit buffer must be a positive multiple of 4 words, got ${bufferWords}`);
  }
  const words = new Uint32Array(bufferWords);
  let at = words.length;
  return {
    fill(out, stddev) {
      if (!(stddev >= 0 && Number.isFinite(stddev))) throw new InvalidArgumentError(`noise stddev must be finite and >= 0, got ${stddev}`);
      if (stddev === 0) {
        out.fill(0);
        return;
      }
      const n = out.length;
      for (let i = 0; i < n; i += 2) {
        let u: number;
        let v: number;
        let s: number;
        do {
          if (at === words.length) {
            fillBits(words);
            at = 0;
          }
          // Uniform on the 2^-52 grid of [-1, 1).
          u = ((words[at] >>> 5) * TWO_POW_26 + (words[at + 1] >>> 6)) * TWO_POW_MINUS_52 - 1;
          v = ((words[at + 2] >>> 5) * TWO_POW_26 + (words[at + 3] >>> 6)) * TWO_POW_MINUS_52 - 1;
          at += 4;
          s = u * u + v * v;
        } while (s >= 1 || s === 0);
        const scale = stddev * Math.sqrt((-2 * Math.log(s)) / s);
        out[i] = u * scale;
        if (i + 1 < n) out[i + 1] = v * scale;
      }
    },
  };
}

/** The production source: bits from node:crypto's CSPRNG. */
export function secureNormalSource(): NormalSource {
  return polarNormalSource((words) => {
    randomFillSync(words);
  });
}
