/**
 * Streaming receiver for encoded updates (formats in `encode-update.ts` and
 * `header.ts`): chunks arrive in order with arbitrary boundaries and every
 * decoded value is folded straight into a caller's accumulator,
 * `target[i] += weight * value`, exactly once. Nothing dense is materialised:
 * the decoder holds a 16-byte carry for values split across chunks, k indices
 * for top-k, and (only for float16 or unaligned float32 chunks) one 64 KiB
 * scratch buffer.
 *
 * Validation, all InvalidArgumentError: header (magic, version, format,
 * parameter count, block size, count ≤ n), truncation (at `finish`), trailing
 * bytes (as soon as the total length is known: after the header for dense
 * formats, after the indices for top-k), varints that are overlong,
 * non-canonical or over 32 bits, indices out of range or not strictly
 * increasing, NaN/Inf values or scales, negative scales, int8 -128.
 *
 * What an error leaves behind: a payload rejected at its header or its top-k
 * indices has changed nothing; a later error (bad value, trailing bytes) leaves
 * the values before it folded and none after it. A decoder that threw stays
 * failed.
 *
 * Coverage (optional, top-k formats only): the aggregate of sparse deltas
 * needs to know, per parameter, how much weight actually sent it (see
 * streaming-fedavg.ts), so the decoder adds `coverage.weight` to
 * `coverage.counts[i]` for every index i whose value it folds, in the same
 * step as the value. A replay with the opposite weight stops at the same
 * value, so it takes out exactly the counts the first pass put in. Counts are
 * integers in a Uint32Array (example counts): the arithmetic is modulo 2^32,
 * so adding −w after +w is exact whatever came in between. Dense formats
 * cover every parameter and leave the counts alone (the caller counts them).
 */
import { InvalidArgumentError } from '../errors';
import { type Encoding, toEncoding } from './encoding';
import { HALF_REBIAS } from './float16';
import { outOfBoundError } from './value-bound';
import { Format, type FormatTag, formatTag, HEADER_BYTES, readHeader, valueBytes, type UpdateHeader } from './header';

/** Receives one encoded update chunk by chunk and folds it into a target. */
export interface FoldingDecoder {
  /** Decodes and folds the next chunk; throws InvalidArgumentError on any inconsistency. */
  push(chunk: Uint8Array): void;
  /** Checks the payload was complete; throws InvalidArgumentError if it was truncated. */
  finish(): void;
  /** Bytes accepted so far. */
  readonly receivedBytes: number;
  /** Total payload length, once known (after the header, or after the top-k indices); otherwise undefined. */
  readonly expectedBytes: number | undefined;
}

/** The accumulator a decoder folds into. */
export type FoldTarget = Float32Array | Float64Array;

/** Per-parameter weight of the top-k updates that sent each parameter (see the file comment). */
export interface FoldCoverage {
  /** One count per parameter. */
  counts: Uint32Array;
  /** Added at each index folded: an integer, negative to take a payload back out. */
  weight: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const SCRATCH_VALUES = 16384;

const enum Stage {
  Header,
  Indices,
  Values,
  Done,
  Finished,
  Failed,
}

/** A decoder folding `weight ×` the update encoded as `encoding` into `target` (length = parameterCount). */
export function createFoldingDecoder(encoding: Encoding | string, parameterCount: number, target: FoldTarget, weight: number, coverage?: FoldCoverage): FoldingDecoder {
  const format = checkFormat(encoding, parameterCount);
  if (!(target instanceof Float32Array || target instanceof Float64Array) || target.length !== parameterCount) {
    throw new InvalidArgumentError(`fold target must be a Float32Array or Float64Array of ${parameterCount} values`);
  }
  if (!Number.isFinite(weight)) throw new InvalidArgumentError(`fold weight must be finite, got ${weight}`);
  if (coverage) {
    if (!(coverage.counts instanceof Uint32Array) || coverage.counts.length !== parameterCount) {
      throw new InvalidArgumentError(`coverage counts must be a Uint32Array of ${parameterCount} values`);
    }
    if (!Number.isSafeInteger(coverage.weight) || Math.abs(coverage.weight) >= 2 ** 32) {
      throw new InvalidArgumentError(`coverage weight must be an integer in (-2^32, 2^32), got ${coverage.weight}`);
    }
  }
  return new Decoder(format, parameterCount, target, weight, coverage, Infinity);
}

/**
 * A decoder that only validates: every check of a folding decoder, plus every
 * decoded value within ±`bound` (an int8 block: its scale × 127), and folds
 * nothing. The round runs it as an upload arrives, so an update is known good
 * before any of it is folded (update-sink.ts).
 */
export function createCheckingDecoder(encoding: Encoding | string, parameterCount: number, bound: number): FoldingDecoder {
  const format = checkFormat(encoding, parameterCount);
  if (!(bound > 0)) throw new InvalidArgumentError(`value bound must be positive, got ${bound}`);
  return new Decoder(format, parameterCount, null, 1, undefined, bound);
}

function checkFormat(encoding: Encoding | string, parameterCount: number): FormatTag {
  if (!LITTLE_ENDIAN) throw new InvalidArgumentError('update codecs need a little-endian host');
  const format = formatTag(toEncoding(encoding));
  if (!Number.isInteger(parameterCount) || parameterCount < 0 || parameterCount > 0xffffffff) {
    throw new InvalidArgumentError(`parameter count must be an integer in [0, 2^32), got ${parameterCount}`);
  }
  return format;
}

class Decoder implements FoldingDecoder {
  private stage = Stage.Header;
  private received = 0;
  private expectedTotal = -1;
  private readonly carry = new Uint8Array(HEADER_BYTES);
  private readonly carryView = new DataView(this.carry.buffer);
  private carryLen = 0;
  private header!: UpdateHeader;
  private sparse = false;
  private itemBytes = 0;
  // top-k indices and the varint being read
  private indices = new Uint32Array(0);
  private indexCount = 0;
  private prevIndex = 0;
  private varint = 0;
  private varintMul = 1;
  private varintLen = 0;
  // values folded so far, and the int8 block in progress
  private pos = 0;
  private blockLeft = 0;
  private blockWeight = 0;
  private scratch: ArrayBuffer | undefined;

  constructor(
    private readonly format: FormatTag,
    private readonly n: number,
    /** null: validate only (createCheckingDecoder). */
    private readonly target: FoldTarget | null,
    private readonly weight: number,
    private readonly coverage: FoldCoverage | undefined,
    /** |value| must be ≤ this (Infinity: finite is enough). */
    private readonly bound: number,
  ) {}

  get receivedBytes(): number {
    return this.received;
  }

  get expectedBytes(): number | undefined {
    return this.expectedTotal < 0 ? undefined : this.expectedTotal;
  }

  push(chunk: Uint8Array): void {
    if (this.stage === Stage.Failed) throw new InvalidArgumentError('update decoder already rejected this payload');
    if (this.stage === Stage.Finished) throw new InvalidArgumentError('update decoder already finished');
    try {
      this.consume(chunk);
    } catch (err) {
      this.stage = Stage.Failed;
      throw err;
    }
  }

  finish(): void {
    if (this.stage === Stage.Finished) return;
    if (this.stage === Stage.Failed) throw new InvalidArgumentError('update decoder already rejected this payload');
    if (this.stage !== Stage.Done) {
      this.stage = Stage.Failed;
      const expected = this.expectedTotal < 0 ? 'more' : String(this.expectedTotal);
      throw new InvalidArgumentError(`update payload truncated: ended after ${this.received} bytes, expected ${expected}`);
    }
    this.stage = Stage.Finished;
  }

  private consume(chunk: Uint8Array): void {
    const end = this.received + chunk.length;
    if (this.expectedTotal >= 0 && end > this.expectedTotal) throw this.trailing(end);
    let p = 0;
    while (p < chunk.length) {
      switch (this.stage) {
        case Stage.Header:
          p = this.readHeaderBytes(chunk, p);
          break;
        case Stage.Indices:
          p = this.readIndices(chunk, p);
          break;
        case Stage.Values:
          p = this.format === Format.int8 || this.format === Format.topkInt8 ? this.readInt8(chunk, p) : this.readFloats(chunk, p);
          break;
        default:
          throw this.trailing(end);
      }
      if (this.stage === Stage.Values && this.expectedTotal < 0) this.startValues(this.received + p, end);
    }
    this.received = end;
  }

  private trailing(end: number): InvalidArgumentError {
    return new InvalidArgumentError(`update payload has trailing bytes: ${end} bytes received, the payload is ${this.expectedTotal}`);
  }

  /** The values section starts at byte `at`: fix the total length, reject a chunk that overruns it. */
  private startValues(at: number, chunkEnd: number): void {
    this.expectedTotal = at + valueBytes(this.header);
    if (chunkEnd > this.expectedTotal) throw this.trailing(chunkEnd);
    if (this.header.count === 0) this.stage = Stage.Done;
  }

  private readHeaderBytes(chunk: Uint8Array, p: number): number {
    const take = Math.min(HEADER_BYTES - this.carryLen, chunk.length - p);
    this.carry.set(chunk.subarray(p, p + take), this.carryLen);
    this.carryLen += take;
    if (this.carryLen < HEADER_BYTES) return p + take;
    this.carryLen = 0;
    const h = readHeader(this.carry, this.format, this.n);
    this.header = h;
    this.sparse = h.format === Format.topkFloat32 || h.format === Format.topkInt8;
    this.itemBytes = h.format === Format.float16 ? 2 : 4;
    if (this.sparse) {
      this.indices = new Uint32Array(h.count);
      this.stage = h.count === 0 ? Stage.Values : Stage.Indices;
    } else {
      this.stage = Stage.Values;
    }
    return p + take;
  }

  private readIndices(chunk: Uint8Array, p: number): number {
    const idx = this.indices;
    const count = idx.length;
    const n = this.n;
    let j = this.indexCount;
    let prev = this.prevIndex;
    let acc = this.varint;
    let mul = this.varintMul;
    let len = this.varintLen;
    while (p < chunk.length && j < count) {
      const b = chunk[p++];
      if (len === 4 && b > 0x0f) throw new InvalidArgumentError(`top-k index ${j}: varint longer than 5 bytes or over 32 bits`);
      acc += (b & 0x7f) * mul;
      if (b & 0x80) {
        mul *= 128;
        len++;
        continue;
      }
      if (b === 0 && len > 0) throw new InvalidArgumentError(`top-k index ${j}: non-canonical varint`);
      let i: number;
      if (j === 0) i = acc;
      else {
        if (acc === 0) throw new InvalidArgumentError(`top-k index ${j} repeats index ${prev} (indices must strictly increase)`);
        i = prev + acc;
      }
      if (i >= n) throw new InvalidArgumentError(`top-k index ${j} is ${i}, out of range for ${n} parameters`);
      idx[j++] = i;
      prev = i;
      acc = 0;
      mul = 1;
      len = 0;
    }
    this.indexCount = j;
    this.prevIndex = prev;
    this.varint = acc;
    this.varintMul = mul;
    this.varintLen = len;
    if (j === count) this.stage = Stage.Values;
    return p;
  }

  /** float32 or float16 values, dense or sparse. */
  private readFloats(chunk: Uint8Array, p: number): number {
    const size = this.itemBytes;
    if (this.carryLen > 0) {
      const take = Math.min(size - this.carryLen, chunk.length - p);
      this.carry.set(chunk.subarray(p, p + take), this.carryLen);
      this.carryLen += take;
      p += take;
      if (this.carryLen < size) return p;
      this.carryLen = 0;
      if (size === 4) this.foldF32(new Float32Array(this.carry.buffer, 0, 1), 1);
      else this.foldF16(new Uint16Array(this.carry.buffer, 0, 1), 1);
      if (this.pos === this.header.count) this.stage = Stage.Done;
    }
    const whole = Math.min(Math.floor((chunk.length - p) / size), this.header.count - this.pos);
    let done = 0;
    while (done < whole) {
      const m = Math.min(whole - done, SCRATCH_VALUES);
      const at = chunk.byteOffset + p + done * size;
      let src: Float32Array | Uint16Array;
      if (at % size === 0) src = size === 4 ? new Float32Array(chunk.buffer, at, m) : new Uint16Array(chunk.buffer, at, m);
      else {
        const scratch = this.scratchBytes();
        scratch.set(chunk.subarray(p + done * size, p + (done + m) * size));
        src = size === 4 ? new Float32Array(scratch.buffer, 0, m) : new Uint16Array(scratch.buffer, 0, m);
      }
      if (size === 4) this.foldF32(src as Float32Array, m);
      else this.foldF16(src as Uint16Array, m);
      done += m;
    }
    p += whole * size;
    if (this.pos === this.header.count) this.stage = Stage.Done;
    else if (p < chunk.length) {
      // A value split across chunks: keep its first bytes.
      this.carry.set(chunk.subarray(p), 0);
      this.carryLen = chunk.length - p;
      p = chunk.length;
    }
    return p;
  }

  private foldF32(src: Float32Array, m: number): void {
    const t = this.target;
    const base = this.pos;
    const bound = this.bound;
    if (t === null) {
      for (let j = 0; j < m; j++) {
        const v = src[j];
        if (!(Math.abs(v) <= bound)) this.badValue(base + j, v);
      }
      this.pos = base + m;
      return;
    }
    const w = this.weight;
    if (this.sparse && this.coverage) {
      const idx = this.indices;
      const counts = this.coverage.counts;
      const cw = this.coverage.weight;
      for (let j = 0; j < m; j++) {
        const v = src[j];
        if (v - v !== 0) this.badValue(base + j, v);
        const i = idx[base + j];
        t[i] += w * v;
        counts[i] += cw;
      }
    } else if (this.sparse) {
      const idx = this.indices;
      for (let j = 0; j < m; j++) {
        const v = src[j];
        if (v - v !== 0) this.badValue(base + j, v);
        t[idx[base + j]] += w * v;
      }
    } else {
      for (let j = 0; j < m; j++) {
        const v = src[j];
        if (v - v !== 0) this.badValue(base + j, v);
        t[base + j] += w * v;
      }
    }
    this.pos = base + m;
  }

  /** Half bits → shifted float32 bits in scratch, then one fused multiply-add pass (see float16.ts). */
  private foldF16(src: Uint16Array, m: number): void {
    const scratch = this.scratchBytes();
    const bits = new Uint32Array(scratch.buffer, SCRATCH_VALUES * 4, m);
    const vals = new Float32Array(scratch.buffer, SCRATCH_VALUES * 4, m);
    let bad = -1;
    for (let j = 0; j < m; j++) {
      const h = src[j];
      if ((h & 0x7c00) === 0x7c00) {
        bad = j;
        break;
      }
      bits[j] = ((h & 0x8000) << 16) | ((h & 0x7fff) << 13);
    }
    const upto = bad < 0 ? m : bad;
    const t = this.target;
    const base = this.pos;
    if (t === null) {
      // float16 is at most 65504: only a tighter bound needs a look at each value.
      const limit = this.bound / HALF_REBIAS;
      if (limit < 65504) {
        for (let j = 0; j < upto; j++) {
          if (!(Math.abs(vals[j]) <= limit)) {
            this.pos = base + j;
            throw outOfBoundError(vals[j] * HALF_REBIAS, this.where(base + j), this.bound);
          }
        }
      }
    } else {
      const w = this.weight * HALF_REBIAS;
      for (let j = 0; j < upto; j++) t[base + j] += w * vals[j];
    }
    this.pos = base + upto;
    if (bad >= 0) this.badValue(base + bad, (src[bad] & 0x3ff) === 0 ? Infinity : NaN);
  }

  private readInt8(chunk: Uint8Array, p: number): number {
    const count = this.header.count;
    while (p < chunk.length && this.pos < count) {
      if (this.blockLeft === 0) {
        const take = Math.min(4 - this.carryLen, chunk.length - p);
        this.carry.set(chunk.subarray(p, p + take), this.carryLen);
        this.carryLen += take;
        p += take;
        if (this.carryLen < 4) return p;
        this.carryLen = 0;
        const scale = this.carryView.getFloat32(0, true);
        if (scale - scale !== 0 || scale < 0) {
          throw new InvalidArgumentError(`int8 block starting at value ${this.pos} has invalid scale ${scale}`);
        }
        if (scale * 127 > this.bound) throw outOfBoundError(scale * 127, `the int8 block starting at ${this.where(this.pos)} (scale ${scale})`, this.bound);
        this.blockLeft = Math.min(this.header.blockSize, count - this.pos);
        this.blockWeight = this.weight * scale;
        continue;
      }
      const m = Math.min(this.blockLeft, chunk.length - p);
      const q = new Int8Array(chunk.buffer, chunk.byteOffset + p, m);
      const t = this.target;
      const w = this.blockWeight;
      const base = this.pos;
      if (t === null) {
        for (let j = 0; j < m; j++) if (q[j] === -128) this.badInt8(base + j);
      } else if (this.sparse && this.coverage) {
        const idx = this.indices;
        const counts = this.coverage.counts;
        const cw = this.coverage.weight;
        for (let j = 0; j < m; j++) {
          const v = q[j];
          if (v === -128) this.badInt8(base + j);
          const i = idx[base + j];
          t[i] += w * v;
          counts[i] += cw;
        }
      } else if (this.sparse) {
        const idx = this.indices;
        for (let j = 0; j < m; j++) {
          const v = q[j];
          if (v === -128) this.badInt8(base + j);
          t[idx[base + j]] += w * v;
        }
      } else {
        for (let j = 0; j < m; j++) {
          const v = q[j];
          if (v === -128) this.badInt8(base + j);
          t[base + j] += w * v;
        }
      }
      this.pos = base + m;
      this.blockLeft -= m;
      p += m;
    }
    if (this.pos === count) this.stage = Stage.Done;
    return p;
  }

  private badValue(j: number, v: number): never {
    this.pos = j;
    throw outOfBoundError(v, this.where(j), this.bound);
  }

  private badInt8(j: number): never {
    this.pos = j;
    throw new InvalidArgumentError(`int8 value -128 (outside the symmetric range) at ${this.where(j)}`);
  }

  private where(j: number): string {
    return this.sparse ? `top-k value ${j} (parameter ${this.indices[j]})` : `parameter ${j}`;
  }

  private scratchBytes(): Uint8Array {
    // Low half: aligned copies of unaligned chunks; high half: float16 bit staging.
    this.scratch ??= new ArrayBuffer(SCRATCH_VALUES * 8);
    return new Uint8Array(this.scratch, 0, SCRATCH_VALUES * 4);
  }
}
