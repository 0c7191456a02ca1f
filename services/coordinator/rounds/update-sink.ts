/**
 * Where an update's bytes go as they arrive: checked, hashed and journaled,
 * never folded. Raw float32 weights are checked for alignment and every value
 * within the round's bound (NaN/±Inf included); an encoded delta is run
 * through a checking decoder (structure, values, bound) as it streams.
 * `finish()` checks the length and the sha256 of the whole; only then may the
 * round accept the update, taking its journal (`handOver()`) to fold it at
 * close (streaming-fedavg.ts). A refused or abandoned upload is `discard`ed:
 * its journal is dropped and it never touched the sum.
 */
import { createHash, type Hash } from 'node:crypto';
import { createCheckingDecoder, type FoldingDecoder, firstOutOfBound, outOfBoundError, parseEncoding } from '../../../common/codecs';
import { InvalidArgumentError } from '../../../common/errors';
import type { UpdateKind } from '../aggregation/streaming-fedavg';
import type { UpdateJournal } from './update-journal';

/** Receives contiguous chunks (offsets already de-duplicated by the receiver). */
export interface UpdateSink {
  readonly receivedBytes: number;
  readonly expectedBytes: number;
  /** New weights (float32), or a delta from the global model covering every parameter or, for top-k, some. */
  readonly kind: UpdateKind;
  /** Validates and journals one chunk; throws InvalidArgumentError if it is bad (the sink is then dead). */
  write(offset: number, data: Uint8Array): void;
  /** Checks the update is complete and its sha256 matches; throws InvalidArgumentError if not. */
  finish(): void;
  /** The verified update's bytes, for the round to fold at close; the sink no longer owns them. */
  handOver(): UpdateJournal;
  /** Drops everything written (idempotent; a no-op after handOver). */
  discard(): void;
}

/** What a sink checks against and keeps its bytes in. */
export interface SinkTarget {
  journal: UpdateJournal;
  sha256: string;
  /** Every value must be within ±bound (see common/codecs/value-bound.ts). */
  bound: number;
  /** A top-k update is averaged per parameter over the clients that sent it (streaming-fedavg.ts); else as a dense delta. */
  sparseAverage?: boolean;
}

/** Values checked per aligned piece: a chunk whose bytes are not 4-aligned is copied through this much scratch. */
const PIECE = 16384;

/** The raw float32 path: the update is the client's new weights. */
export function float32Sink(parameters: number, t: SinkTarget): UpdateSink {
  let scratch: Float32Array | undefined;
  return new Sink(parameters * 4, 'weights', t, {
    write(offset, data) {
      if (offset % 4 !== 0 || data.length % 4 !== 0) throw new InvalidArgumentError(`chunk of ${data.length} bytes at offset ${offset} is not whole float32 values`);
      const from = offset / 4;
      const n = data.length / 4;
      if (data.byteOffset % 4 === 0) {
        const values = new Float32Array(data.buffer, data.byteOffset, n);
        const at = firstOutOfBound(values, 0, n, t.bound);
        if (at >= 0) throw outOfBoundError(values[at], `parameter ${from + at}`, t.bound);
        return;
      }
      scratch ??= new Float32Array(PIECE);
      const bytes = new Uint8Array(scratch.buffer);
      for (let done = 0; done < n; done += PIECE) {
        const m = Math.min(PIECE, n - done);
        bytes.set(data.subarray(done * 4, (done + m) * 4));
        const at = firstOutOfBound(scratch, 0, m, t.bound);
        if (at >= 0) throw outOfBoundError(scratch[at], `parameter ${from + done + at}`, t.bound);
      }
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
    write(_offset, data) {
      decoder.push(data);
    },
    finish() {
      decoder.finish();
    },
  });
}

interface SinkChecks {
  write(offset: number, data: Uint8Array): void;
  finish(): void;
}

class Sink implements UpdateSink {
  private received = 0;
  private readonly hash: Hash = createHash('sha256');
  private dead = false;
  private verified = false;
  private done = false;

  constructor(
    readonly expectedBytes: number,
    readonly kind: UpdateKind,
    private readonly t: SinkTarget,
    private readonly checks: SinkChecks,
  ) {}

  get receivedBytes(): number {
    return this.received;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.dead || this.done) throw new InvalidArgumentError('update was already refused or ended');
    if (offset !== this.received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${this.received}`);
    if (offset + data.length > this.expectedBytes) throw new InvalidArgumentError(`transfer overruns its declared size of ${this.expectedBytes} bytes`);
    try {
      this.checks.write(offset, data);
      this.t.journal.append(data);
    } catch (err) {
      this.dead = true;
      throw err;
    }
    this.hash.update(data);
    this.received += data.length;
  }

  finish(): void {
    if (this.dead || this.done || this.verified) throw new InvalidArgumentError('update was already refused or ended');
    if (this.received !== this.expectedBytes) throw new InvalidArgumentError(`transfer ended after ${this.received} of ${this.expectedBytes} bytes`);
    if (this.hash.digest('hex') !== this.t.sha256) {
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
