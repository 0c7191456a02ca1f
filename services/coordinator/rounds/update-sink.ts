/**
 * Where an update's bytes go as they arrive: straight into the round's
 * streaming FedAvg sum, chunk by chunk. Raw float32 weights are checked
 * (alignment, NaN/±Inf) and folded by the kernel; an encoded delta is decoded
 * by the folding decoder directly into the sum. Each folded chunk is also
 * recorded in a journal (memory or a spool file), so `undo()` can fold the
 * upload back out with the opposite weight if it never completes. `finish()`
 * checks the length and the sha256 of the whole; only then may the round
 * commit the update (and `release()` the journal).
 */
import { createHash, type Hash } from 'node:crypto';
import { createFoldingDecoder, type FoldCoverage, type FoldingDecoder, parseEncoding } from '../../../common/codecs';
import { InvalidArgumentError } from '../../../common/errors';
import type { StreamingFedAvg, UpdateKind } from '../aggregation/streaming-fedavg';
import type { UpdateJournal } from './update-journal';

/** Receives contiguous chunks (offsets already de-duplicated by the receiver). */
export interface UpdateSink {
  readonly receivedBytes: number;
  readonly expectedBytes: number;
  /** New weights (float32), or a delta from the global model covering every parameter or, for top-k, some. */
  readonly kind: UpdateKind;
  /** Validates and folds one chunk; throws InvalidArgumentError if it is bad (the sink is then dead). */
  write(offset: number, data: Uint8Array): void;
  /** Checks the update is complete and its sha256 matches; throws InvalidArgumentError if not. */
  finish(): void;
  /** Folds everything written back out of the sum (idempotent; a no-op after release). */
  undo(): void;
  /** The update counts for good: drop the journal. */
  release(): void;
}

/** What a sink folds into and remembers with. */
export interface SinkTarget {
  fedavg: StreamingFedAvg;
  journal: UpdateJournal;
  numExamples: number;
  sha256: string;
  /** A top-k update is averaged per parameter over the clients that sent it (streaming-fedavg.ts); else as a dense delta. */
  sparseAverage?: boolean;
}

/** The raw float32 path: the update is the client's new weights. */
export function float32Sink(parameters: number, t: SinkTarget): UpdateSink {
  const weight = t.fedavg.foldWeight(t.numExamples);
  return new Sink(parameters * 4, 'weights', t, {
    write(offset, data) {
      if (offset % 4 !== 0) throw new InvalidArgumentError(`chunk at offset ${offset} is not float32-aligned`);
      t.fedavg.foldBytes(offset / 4, data, weight);
      try {
        t.journal.append(data);
      } catch (err) {
        t.fedavg.foldBytes(offset / 4, data, -weight); // not recorded, so not kept
        throw err;
      }
    },
    finish() {},
    undo() {
      t.journal.replay((offset, bytes) => t.fedavg.foldBytes(offset / 4, bytes, -weight));
    },
  });
}

/** An encoded delta from the global model, decoded into the sum as it streams in. */
export function encodedSink(encoding: string, parameters: number, totalBytes: number, t: SinkTarget): UpdateSink {
  const weight = t.fedavg.foldWeight(t.numExamples);
  const sparse = parseEncoding(encoding).kind === 'topk' && t.sparseAverage === true;
  // A top-k delta also records which parameters it sent, for the per-parameter average.
  // One from a client without the matching residual rule is averaged like a dense delta
  // (zeros where it sent nothing), as before per-parameter averaging existed.
  const coverage: FoldCoverage | undefined = sparse ? t.fedavg.coverage(t.numExamples) : undefined;
  const decoder: FoldingDecoder = createFoldingDecoder(encoding, parameters, t.fedavg.target(), weight, coverage);
  return new Sink(totalBytes, sparse ? 'sparse-delta' : 'delta', t, {
    write(_offset, data) {
      // Recorded first: a chunk the decoder rejects half-way has folded its first values,
      // and replaying it with the opposite weight takes out exactly those.
      t.journal.append(data);
      decoder.push(data);
    },
    finish() {
      decoder.finish();
    },
    undo() {
      const back = createFoldingDecoder(encoding, parameters, t.fedavg.target(), -weight, coverage && { counts: coverage.counts, weight: -coverage.weight });
      try {
        t.journal.replay((_offset, bytes) => back.push(bytes));
      } catch (err) {
        // The chunk that was refused is refused again at the same value: everything before it is undone.
        if (!(err instanceof InvalidArgumentError)) throw err;
      }
    },
  });
}

interface SinkOps {
  write(offset: number, data: Uint8Array): void;
  finish(): void;
  undo(): void;
}

class Sink implements UpdateSink {
  private received = 0;
  private readonly hash: Hash = createHash('sha256');
  private dead = false;
  private done = false;

  constructor(
    readonly expectedBytes: number,
    readonly kind: UpdateKind,
    private readonly t: SinkTarget,
    private readonly ops: SinkOps,
  ) {}

  get receivedBytes(): number {
    return this.received;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.dead || this.done) throw new InvalidArgumentError('update was already refused or ended');
    if (offset !== this.received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${this.received}`);
    if (offset + data.length > this.expectedBytes) throw new InvalidArgumentError(`transfer overruns its declared size of ${this.expectedBytes} bytes`);
    try {
      this.ops.write(offset, data);
    } catch (err) {
      this.dead = true;
      throw err;
    }
    this.hash.update(data);
    this.received += data.length;
  }

  finish(): void {
    if (this.dead || this.done) throw new InvalidArgumentError('update was already refused or ended');
    if (this.received !== this.expectedBytes) throw new InvalidArgumentError(`transfer ended after ${this.received} of ${this.expectedBytes} bytes`);
    if (this.hash.digest('hex') !== this.t.sha256) {
      this.dead = true;
      throw new InvalidArgumentError('sha256 of the transfer does not match its header');
    }
    try {
      this.ops.finish();
    } catch (err) {
      this.dead = true;
      throw err;
    }
  }

  undo(): void {
    if (this.done) return;
    this.done = true;
    this.ops.undo();
    this.t.journal.close();
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.t.journal.close();
  }
}
