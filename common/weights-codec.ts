/**
 * Weight codec: model tensors travel as raw little-endian float32 bytes, cut
 * into chunks well under gRPC's 4 MiB message limit, with a sha256 over the
 * whole transfer. Encodings other than float32 (float16, int8, top-k) plug in
 * here later, named by the transfer header's `encoding` field.
 */
import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError } from './errors';
import type { TensorShape } from './types';

/** Encodings this build can send and receive. */
export const SUPPORTED_ENCODINGS = ['float32'] as const;
/** A supported encoding name. */
export type Encoding = (typeof SUPPORTED_ENCODINGS)[number];

/** Default chunk size: 1 MiB, a quarter of gRPC's default 4 MiB message limit. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Number of scalars in a list of tensor shapes. */
export function parameterCount(tensors: TensorShape[]): number {
  return tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}

/** The float32 little-endian bytes of `data` (a view, no copy, on little-endian hosts). */
export function float32ToBytes(data: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.allocUnsafe(data.length * 4);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i], i * 4);
  return out;
}

/** Lowercase hex sha256 of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Yields `[offset, chunk]` slices of `bytes` (views, no copies), starting at `from`. */
export function* chunks(bytes: Buffer, chunkBytes = DEFAULT_CHUNK_BYTES, from = 0): Generator<[number, Buffer]> {
  if (chunkBytes <= 0 || chunkBytes % 4 !== 0) throw new InvalidArgumentError(`chunk size must be a positive multiple of 4, got ${chunkBytes}`);
  for (let offset = from; offset < bytes.length; offset += chunkBytes) {
    yield [offset, bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes))];
  }
}

/** Index of the first NaN/±Inf in values[from, from + n), or -1. */
export function firstNonFinite(values: Float32Array, from: number, n: number): number {
  // One branch-free pass (x·0 is NaN exactly for NaN and ±Inf), then a search only if it failed.
  let probe = 0;
  for (let i = from; i < from + n; i++) probe += values[i] * 0;
  if (probe === 0) return -1;
  for (let i = from; i < from + n; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/**
 * Reassembles a float32 transfer chunk by chunk into a preallocated array,
 * validating as it goes: contiguous offsets, 4-byte alignment, no overrun,
 * finite values, and the sha256 of the whole at the end.
 */
export class Float32Assembler {
  private received = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly bytes: Uint8Array;

  /** @param target array the decoded values are written into; its length fixes the expected size. */
  constructor(
    readonly target: Float32Array,
    private readonly expectedSha256: string,
  ) {
    this.bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  }

  /** Bytes accepted so far (the offset the next chunk must start at). */
  get receivedBytes(): number {
    return this.received;
  }

  /** Accepts the chunk at `offset`; throws InvalidArgumentError on any inconsistency. */
  write(offset: number, data: Uint8Array): void {
    if (offset !== this.received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${this.received}`);
    if (data.length % 4 !== 0) throw new InvalidArgumentError(`chunk of ${data.length} bytes is not a whole number of float32 values`);
    if (offset + data.length > this.bytes.length) {
      throw new InvalidArgumentError(`transfer overruns its declared size of ${this.bytes.length} bytes`);
    }
    // Copied into place first, then checked where it is aligned: gRPC hands over byte
    // fields at arbitrary offsets, and reading them value by value through a DataView was
    // the download's slowest step (~190 MB/s). A refused chunk is left past `received`,
    // which does not move, so it never counts.
    const base = offset / 4;
    if (LITTLE_ENDIAN) {
      this.bytes.set(data, offset);
      const bad = firstNonFinite(this.target, base, data.length / 4);
      if (bad >= 0) throw new InvalidArgumentError(`non-finite value at parameter ${bad}`);
    } else {
      const dv = new DataView(data.buffer, data.byteOffset, data.length);
      for (let i = 0; i < data.length / 4; i++) {
        const v = dv.getFloat32(i * 4, true);
        if (!Number.isFinite(v)) throw new InvalidArgumentError(`non-finite value at parameter ${base + i}`);
        this.target[base + i] = v;
      }
    }
    this.hash.update(data);
    this.received += data.length;
  }

  /** Checks completeness and the sha256; throws InvalidArgumentError if either is wrong. */
  finish(): Float32Array {
    if (this.received !== this.bytes.length) {
      throw new InvalidArgumentError(`transfer ended after ${this.received} of ${this.bytes.length} bytes`);
    }
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedSha256) throw new InvalidArgumentError('sha256 of the transfer does not match its header');
    return this.target;
  }
}
