/**
 * Where an update's bytes go as they arrive: checked, hashed and journaled,
 * never folded. Raw float32 weights are checked for alignment and every value
 * within the round's bound (NaN/±Inf included); an encoded delta is run
 * through a checking decoder (structure, values, bound) as it streams.
 * Integrity is proven one of two ways (docs/aggregation.md, "The per-chunk
 * check"): by the sha256 of the whole, checked by `finish()`, or, for a client
 * that sends them, by an XXH64 digest on every chunk, checked before the
 * chunk is journaled (for float32, in the same wasm pass as the bound check).
 * A chunk going to a spool file is journaled with its XXH64 (the client's,
 * or for a float32 chunk one computed in the same wasm pass as the bound
 * check), so the fold can check it on its way back (file-journal.ts).
 * Only a finished update may be accepted by the round, which takes its
 * journal (`handOver()`) to fold it at close (streaming-fedavg.ts). A refused
 * or abandoned upload is `discard`ed: its journal is dropped and it never
 * touched the sum.
 */
import { createHash, type Hash } from 'node:crypto';
import { checkFloat32Chunk, chunkCheckAvailable, digestFromBytes, float32OutOfBound, XXH64_CHUNK_DIGEST, xxh64 } from '../../../common/chunk-check/chunk-checker';
import { createCheckingDecoder, type FoldingDecoder, outOfBoundError, parseEncoding } from '../../../common/codecs';
import { InvalidArgumentError } from '../../../common/errors';
import type { UpdateKind } from '../aggregation/streaming-fedavg';
import type { UpdateJournal } from './update-journal';

/** Receives the chunks of one upload in order. */
export interface UpdateSink {
  readonly receivedBytes: number;
  readonly expectedBytes: number;
  /** New weights (float32), or a delta from the global model covering every parameter or, for top-k, some. */
  readonly kind: UpdateKind;
  /**
   * Validates and journals one chunk as sent, with its digest when the upload
   * sends them; throws InvalidArgumentError if it is bad (the sink is then
   * dead). Bytes before `receivedBytes` (a resumed call re-sending them) are
   * checked with their chunk, then skipped: never written twice.
   */
  write(offset: number, data: Uint8Array, digest?: Uint8Array): void;
  /** Checks the update is complete (and, without chunk digests, its sha256 matches); throws InvalidArgumentError if not. */
  finish(): void;
  /** The verified update's bytes, for the round to fold at close; the sink no longer owns them. */
  handOver(): UpdateJournal;
  /** Drops everything written (idempotent; a no-op after handOver). */
  discard(): void;
}

/** What a sink checks against and keeps its bytes in. */
export interface SinkTarget {
  journal: UpdateJournal;
  /** Lowercase hex sha256 of the whole update; ignored with `chunkDigest`. */
  sha256: string;
  /** 'xxh64': every chunk carries XXH64(data, seed = offset) instead (common/chunk-check). */
  chunkDigest?: typeof XXH64_CHUNK_DIGEST;
  /** Every value must be within ±bound (see common/codecs/value-bound.ts). */
  bound: number;
  /** A top-k update is averaged per parameter over the clients that sent it (streaming-fedavg.ts); else as a dense delta. */
  sparseAverage?: boolean;
}

/** What a kind of update checks in a chunk; `digest` is set when the chunk's XXH64 must be computed (seeded with `offset`). */
interface SinkChecks {
  /**
   * Checks the whole chunk as sent and returns its XXH64 when `withDigest`;
   * `fresh` is the part not yet received (the end of `data`), the only part a
   * stateful check (a decoder) may take in.
   */
  write(offset: number, data: Uint8Array, fresh: Uint8Array, withDigest: boolean): bigint | undefined;
  finish(): void;
}

/** The raw float32 path: the update is the client's new weights. */
export function float32Sink(parameters: number, t: SinkTarget): UpdateSink {
  return new Sink(parameters * 4, 'weights', t, {
    write(offset, data, _fresh, withDigest) {
      if (offset % 4 !== 0 || data.length % 4 !== 0) throw new InvalidArgumentError(`chunk of ${data.length} bytes at offset ${offset} is not whole float32 values`);
      // One pass over the chunk in wasm: the digest and the bound check together.
      const checked = withDigest ? checkFloat32Chunk(data, offset, t.bound) : { digest: undefined, outOfBound: float32OutOfBound(data, t.bound) };
      const bad = checked.outOfBound;
      if (bad) throw outOfBoundError(bad.value, `parameter ${offset / 4 + bad.at}`, t.bound);
      return checked.digest;
    },
    finish() {},
  });
}

/** An encoded delta from the global model, checked by a decoder as it streams in. */
export function encodedSink(encoding: string, parameters: number, totalBytes: number, t: SinkTarget): UpdateSink {
  const sparse = parseEncoding(encoding).kind === 'topk' && t.sparseAverage === true;
  // A top-k delta from a client without the matching residual rule is averaged like a dense
  // delta (zeros where it sent nothing), as before per-parameter averaging existed.
  const decoder: FoldingDecoder = createCheckingDecoder(encoding, parameters, t.bound);
  return new Sink(totalBytes, sparse ? 'sparse-delta' : 'delta', t, {
    write(offset, data, fresh, withDigest) {
      const digest = withDigest ? xxh64(data, BigInt(offset)) : undefined;
      // Only bytes not decoded yet: a resumed call may re-send some the decoder already took.
      if (fresh.length > 0) decoder.push(fresh);
      return digest;
    },
    finish() {
      decoder.finish();
    },
  });
}

class Sink implements UpdateSink {
  private received = 0;
  /** The sha256 of the whole, when the upload is proven that way. */
  private readonly hash?: Hash;
  private dead = false;
  private verified = false;
  private done = false;
  /** Whether to compute every chunk's digest even without the client's: the journal is a spool file and keeps them. */
  private readonly digestForJournal: boolean;

  constructor(
    readonly expectedBytes: number,
    readonly kind: UpdateKind,
    private readonly t: SinkTarget,
    private readonly checks: SinkChecks,
  ) {
    if (t.chunkDigest === undefined) this.hash = createHash('sha256');
    this.digestForJournal = t.journal.spooled && chunkCheckAvailable();
  }

  get receivedBytes(): number {
    return this.received;
  }

  write(offset: number, data: Uint8Array, digest?: Uint8Array): void {
    if (this.dead || this.done) throw new InvalidArgumentError('update was already refused or ended');
    if (offset > this.received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${this.received}`);
    if (offset + data.length > this.expectedBytes) throw new InvalidArgumentError(`transfer overruns its declared size of ${this.expectedBytes} bytes`);
    const skip = this.received - offset;
    const fresh = skip > 0 ? data.subarray(Math.min(skip, data.length)) : data;
    try {
      const checked = this.t.chunkDigest !== undefined;
      const expected = checked ? digestFromBytes(digest) : undefined;
      if (checked && expected === undefined) throw new InvalidArgumentError(`chunk at offset ${offset} carries no ${this.t.chunkDigest} digest (8 bytes)`);
      const actual = this.checks.write(offset, data, fresh, checked || this.digestForJournal);
      if (checked && actual !== expected) throw new InvalidArgumentError(`chunk at offset ${offset} (${data.length} bytes) does not match its ${this.t.chunkDigest} digest`);
      // The digest covers the whole chunk: for a resumed chunk partly kept already, the journal computes its own.
      if (fresh.length > 0) this.t.journal.append(fresh, fresh.length === data.length ? actual : undefined);
    } catch (err) {
      this.dead = true;
      throw err;
    }
    this.hash?.update(fresh);
    this.received += fresh.length;
  }

  finish(): void {
    if (this.dead || this.done || this.verified) throw new InvalidArgumentError('update was already refused or ended');
    if (this.received !== this.expectedBytes) throw new InvalidArgumentError(`transfer ended after ${this.received} of ${this.expectedBytes} bytes`);
    if (this.hash && this.hash.digest('hex') !== this.t.sha256) {
      this.dead = true;
      throw new InvalidArgumentError('sha256 of the transfer does not match its header');
    }
    try {
      this.checks.finish();
    } catch (err) {
      this.dead = true;
      throw err;
    }
    this.verified = true;
  }

  handOver(): UpdateJournal {
    if (!this.verified || this.done) throw new InvalidArgumentError('only a verified update can be handed over, once');
    this.done = true;
    return this.t.journal;
  }

  discard(): void {
    if (this.done) return;
    this.done = true;
    this.t.journal.close();
  }
}
