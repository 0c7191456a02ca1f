/**
 * The 16-byte header every encoded update starts with (all little-endian):
 *
 *   offset  size  field
 *   0       2     magic "FU" (0x46 0x55)
 *   2       1     format version, 1
 *   3       1     format: 1 float32, 2 float16, 3 int8, 4 top-k float32 values, 5 top-k int8 values
 *   4       u32   n, the parameter count of the model
 *   8       u32   block size: values per int8 scale (formats 3 and 5), 0 otherwise
 *   12      u32   count: values carried (n for dense formats, k for top-k)
 *
 * The header repeats what the transfer already negotiated so a decoder can
 * reject a mismatched or corrupted payload before it touches any value, and so
 * the total length of a dense payload is known from its first 16 bytes.
 */
import { InvalidArgumentError } from '../errors';
import type { Encoding } from './encoding';

/** Size of the header in bytes. */
export const HEADER_BYTES = 16;

const MAGIC_0 = 0x46;
const MAGIC_1 = 0x55;
const VERSION = 1;

/** Format tags as stored in byte 3. */
export const Format = { float32: 1, float16: 2, int8: 3, topkFloat32: 4, topkInt8: 5 } as const;
/** A format tag. */
export type FormatTag = (typeof Format)[keyof typeof Format];

/** A decoded header. */
export interface UpdateHeader {
  format: FormatTag;
  n: number;
  blockSize: number;
  count: number;
}

/** The format tag an encoding is written with. */
export function formatTag(encoding: Encoding): FormatTag {
  switch (encoding.kind) {
    case 'float32':
      return Format.float32;
    case 'float16':
      return Format.float16;
    case 'int8':
      return Format.int8;
    case 'topk':
      return encoding.values === 'int8' ? Format.topkInt8 : Format.topkFloat32;
  }
}

/** Writes the header at the start of `out`. */
export function writeHeader(out: Uint8Array, h: UpdateHeader): void {
  const dv = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  dv.setUint8(0, MAGIC_0);
  dv.setUint8(1, MAGIC_1);
  dv.setUint8(2, VERSION);
  dv.setUint8(3, h.format);
  dv.setUint32(4, h.n, true);
  dv.setUint32(8, h.blockSize, true);
  dv.setUint32(12, h.count, true);
}

/**
 * Reads and validates a header against what the receiver expects: magic,
 * version, format, parameter count, block size, and count (= n when dense,
 * ≤ n for top-k).
 */
export function readHeader(bytes: Uint8Array, expectedFormat: FormatTag, expectedN: number): UpdateHeader {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (dv.getUint8(0) !== MAGIC_0 || dv.getUint8(1) !== MAGIC_1) throw new InvalidArgumentError('update payload does not start with the "FU" magic');
  if (dv.getUint8(2) !== VERSION) throw new InvalidArgumentError(`unsupported update format version ${dv.getUint8(2)}`);
  const format = dv.getUint8(3);
  if (format !== expectedFormat) throw new InvalidArgumentError(`update payload has format ${format}, the negotiated encoding needs ${expectedFormat}`);
  const n = dv.getUint32(4, true);
  if (n !== expectedN) throw new InvalidArgumentError(`update is for ${n} parameters, the model has ${expectedN}`);
  const blockSize = dv.getUint32(8, true);
  const int8 = format === Format.int8 || format === Format.topkInt8;
  if (int8 ? blockSize < 1 : blockSize !== 0) throw new InvalidArgumentError(`invalid block size ${blockSize} for format ${format}`);
  const count = dv.getUint32(12, true);
  const sparse = format === Format.topkFloat32 || format === Format.topkInt8;
  if (sparse ? count > n : count !== n) throw new InvalidArgumentError(`update carries ${count} values, expected ${sparse ? `at most ${n}` : n}`);
  return { format: format as FormatTag, n, blockSize, count };
}

/** Bytes taken by `count` int8 values with one float32 scale per `blockSize` of them. */
export function int8Bytes(count: number, blockSize: number): number {
  return count + 4 * Math.ceil(count / blockSize);
}

/** Bytes taken by the values section of a payload (everything after the header and top-k indices). */
export function valueBytes(h: UpdateHeader): number {
  switch (h.format) {
    case Format.float32:
    case Format.topkFloat32:
      return 4 * h.count;
    case Format.float16:
      return 2 * h.count;
    case Format.int8:
    case Format.topkInt8:
      return int8Bytes(h.count, h.blockSize);
  }
}
