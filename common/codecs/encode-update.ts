/**
 * Encodes an update (a delta from the global model it was trained from) into
 * one payload: the 16-byte header of `header.ts`, then by format:
 *
 *   float32   n × f32
 *   float16   n × binary16 (round to nearest even)
 *   int8      ceil(n / B) blocks of [f32 scale][up to B × i8], B = block size;
 *             scale = maxAbs(block) / 127 (as f32), q = round(x / scale) in [-127, 127];
 *             -128 is never written and is rejected by the decoder
 *   top-k     k unsigned LEB128 varints: the first index, then the gaps to each
 *             next index (each ≥ 1; canonical, at most 5 bytes); then the k
 *             values as f32, or as int8 blocks exactly as above (over the k
 *             kept values, in index order)
 *
 * Error bounds (x the sent value, y the decoded one, in exact arithmetic):
 * float16 |y − x| ≤ 2^-11·|x| for |x| in the normal range [2^-14, 65504] and
 * ≤ 2^-25 below it; int8 |y − x| ≤ scale/2 of x's block; top-k kept values as
 * their value encoding, dropped values are exactly the n − k smallest |x|.
 */
import { InvalidArgumentError } from '../errors';
import { DEFAULT_INT8_BLOCK_SIZE, type Encoding, toEncoding, topkCount } from './encoding';
import { encodeFloat16 } from './float16';
import { Format, formatTag, HEADER_BYTES, int8Bytes, writeHeader } from './header';
import { selectTopK } from './top-k';

/** Encoder options. */
export interface EncodeOptions {
  /**
   * Values per int8 scale (int8 and top-k+int8).
   * @default 4096
   */
  blockSize?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const word = new Float32Array(1);
const wordBits = new Uint32Array(word.buffer);

/** Encodes `delta` as one payload; throws InvalidArgumentError on non-finite values or values float16 cannot hold. */
export function encodeUpdate(delta: Float32Array, encoding: Encoding | string, options: EncodeOptions = {}): Uint8Array {
  if (!LITTLE_ENDIAN) throw new InvalidArgumentError('update codecs need a little-endian host');
  const enc = toEncoding(encoding);
  const blockSize = options.blockSize ?? DEFAULT_INT8_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 0xffffffff) throw new InvalidArgumentError(`block size must be a positive 32-bit integer, got ${blockSize}`);
  const n = delta.length;
  if (n > 0xffffffff) throw new InvalidArgumentError(`updates are limited to 2^32 - 1 parameters, got ${n}`);
  switch (enc.kind) {
    case 'float32': {
      assertFinite(delta);
      const out = new Uint8Array(HEADER_BYTES + 4 * n);
      writeHeader(out, { format: Format.float32, n, blockSize: 0, count: n });
      out.set(new Uint8Array(delta.buffer, delta.byteOffset, delta.byteLength), HEADER_BYTES);
      return out;
    }
    case 'float16': {
      const out = new Uint8Array(HEADER_BYTES + 2 * n);
      writeHeader(out, { format: Format.float16, n, blockSize: 0, count: n });
      const bad = encodeFloat16(delta, new Uint16Array(out.buffer, HEADER_BYTES, n));
      if (bad >= 0) {
        assertFinite(delta);
        throw new InvalidArgumentError(`value ${delta[bad]} at parameter ${bad} is outside the float16 range (±65504)`);
      }
      return out;
    }
    case 'int8': {
      const out = new Uint8Array(HEADER_BYTES + int8Bytes(n, blockSize));
      writeHeader(out, { format: Format.int8, n, blockSize, count: n });
      writeInt8Blocks(delta, blockSize, out, HEADER_BYTES);
      return out;
    }
    case 'topk':
      assertFinite(delta);
      return encodeTopK(delta, topkCount(enc.fraction!, n), enc.values === 'int8', blockSize);
  }
}

function encodeTopK(delta: Float32Array, k: number, int8: boolean, blockSize: number): Uint8Array {
  const indices = selectTopK(delta, k);
  let indexBytes = 0;
  let prev = 0;
  for (let j = 0; j < k; j++) {
    indexBytes += varintBytes(indices[j] - prev);
    prev = indices[j];
  }
  const kept = new Float32Array(k);
  for (let j = 0; j < k; j++) kept[j] = delta[indices[j]];
  const valuesAt = HEADER_BYTES + indexBytes;
  const out = new Uint8Array(valuesAt + (int8 ? int8Bytes(k, blockSize) : 4 * k));
  writeHeader(out, { format: int8 ? Format.topkInt8 : Format.topkFloat32, n: delta.length, blockSize: int8 ? blockSize : 0, count: k });
  let pos = HEADER_BYTES;
  prev = 0;
  for (let j = 0; j < k; j++) {
    let v = indices[j] - prev;
    prev = indices[j];
    while (v >= 0x80) {
      out[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[pos++] = v;
  }
  if (int8) writeInt8Blocks(kept, blockSize, out, valuesAt);
  else out.set(new Uint8Array(kept.buffer), valuesAt);
  return out;
}

/** The next float32 above a non-negative float32. */
function nextFloat32Up(x: number): number {
  word[0] = x;
  wordBits[0] += 1;
  return word[0];
}

function varintBytes(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes `values` as int8 blocks (f32 scale + up to `blockSize` i8) into `out` at `pos`. */
function writeInt8Blocks(values: Float32Array, blockSize: number, out: Uint8Array, pos: number): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const q8 = new Int8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let start = 0; start < values.length; start += blockSize) {
    const end = Math.min(values.length, start + blockSize);
    let maxAbs = 0;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (v - v !== 0) throw new InvalidArgumentError(`non-finite value ${v} in the update`);
      const a = Math.abs(v);
      if (a > maxAbs) maxAbs = a;
    }
    let scale = Math.fround(maxAbs / 127);
    // Rounding to float32 may leave 127·scale just under maxAbs (badly so for
    // subnormal scales, or 0): step up one float32 so |x/scale| ≤ 127 and no
    // value is clamped, which keeps every error within scale/2.
    if (scale * 127 < maxAbs) scale = nextFloat32Up(scale);
    dv.setFloat32(pos, scale, true);
    pos += 4;
    const inv = scale > 0 ? 1 / scale : 0;
    for (let i = start; i < end; i++) {
      const r = values[i] * inv;
      // Round half away from zero (symmetric around 0): |r| ≤ 127 + ε, so `| 0` truncates safely.
      let q = (r < 0 ? r - 0.5 : r + 0.5) | 0;
      if (q > 127) q = 127;
      else if (q < -127) q = -127;
      q8[pos++] = q;
    }
  }
}

function assertFinite(delta: Float32Array): void {
  for (let i = 0; i < delta.length; i++) {
    const v = delta[i];
    if (v - v !== 0) throw new InvalidArgumentError(`non-finite value ${v} at parameter ${i} of the update`);
  }
}
