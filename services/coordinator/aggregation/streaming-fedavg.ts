/**
 * A round's FedAvg over exactly its accepted updates, independent of the order
 * they arrived in (docs/aggregation.md).
 *
 * An upload is verified as it arrives (values bounded, structure decoded,
 * sha256 of the whole) and journaled, never folded (update-sink.ts). Only a
 * complete, verified update is `add`ed here, with its journal; one refused,
 * broken off or cut at the deadline simply never is, so nothing has to be
 * taken back out. `average()` folds the accepted updates chunk by chunk from
 * their journals into one float32 sum, in a canonical order (by client id),
 * with weights normalised by the round's total examples. The same set of
 * accepted updates therefore gives the same bits whatever the arrival order,
 * and memory stays O(model): the sum, one chunk, and the journals (in memory
 * or in the spool directory, as the journal memory policy places them).
 *
 * A spooled journal checks every piece it reads back (file-journal.ts). One
 * that does not match takes its update out of the round (`refused`) and the
 * fold starts over without it, so the result is exactly what the round gives
 * had that update never been accepted; the round's commit rules then count it
 * as failed (run-driver.ts).
 *
 * Updates come as whole weights (float32) or as deltas from the global model
 * the client trained from (compressed encodings): a delta client's share of
 * the global model is added once, at the end, as `Σ w(deltas) · global`.
 *
 * Sparse (top-k) deltas are averaged per parameter over the updates that sent
 * it. Dividing a parameter sent by 1 client of 10 by all 10 clients' weight
 * would move the global model a tenth of the step that client meant, while the
 * client's error feedback counts the value as delivered in full. So each
 * parameter j is averaged over its own weight:
 *
 *   new_j = (S_j + (W_delta + C_j)·g_j) / (W_dense + C_j)
 *
 * where S_j is the sum of every folded w·x_j (weights, dense deltas, and the
 * top-k values that reached j), W_dense is the weight of the updates that
 * cover every parameter (float32 weights, int8/float16 deltas), W_delta the
 * part of it that is deltas, and C_j the weight of the top-k updates that sent
 * j (one Uint32 example count per parameter, filled by the folding decoder).
 * With no top-k update accepted this is the plain weighted average.
 */
import { createFoldingDecoder, type FoldCoverage } from '../../../common/codecs';
import { DataLossError, InvalidArgumentError } from '../../../common/errors';
import type { UpdateJournal } from '../rounds/update-journal';
import { defaultKernel } from './kernel-choice';
import { createStreamingSum, type StreamingKernel, type StreamingSum } from './streaming-sum';

/** Options of {@link StreamingFedAvg}. */
export interface StreamingFedAvgOptions {
  /** @default the process default from chooseKernel */
  kernel?: StreamingKernel;
}

/**
 * What an accepted update is: new weights (float32), a delta covering every
 * parameter (int8, float16), or a delta of some parameters only (top-k).
 */
export type UpdateKind = 'weights' | 'delta' | 'sparse-delta';

/** A complete, verified update, ready to be folded at round close. */
export interface VerifiedUpdate {
  /** Who sent it: the canonical fold order, and at most one update each. */
  clientId: string;
  numExamples: number;
  kind: UpdateKind;
  /** 'float32', or the encoding of a delta. */
  encoding: string;
  /** Its bytes, exactly as received and verified; owned (and closed) by the accumulator from now on. */
  journal: UpdateJournal;
}

/** An accepted update taken back out at the fold: its journal did not read back as written. */
export interface RefusedUpdate {
  clientId: string;
  /** What did not match, and where. */
  reason: string;
  /** Byte offset in the update where it was found. */
  offset?: number;
}

/** Sparse weights are Uint32 example counts (see folding-decoder.ts): a round's top-k examples must stay below this. */
const MAX_SPARSE_EXAMPLES = 2 ** 32;

/** The accepted updates of one round and their average; see the file comment. */
export class StreamingFedAvg {
  readonly kernel: StreamingKernel;
  private readonly sum: StreamingSum;
  private readonly updates = new Map<string, VerifiedUpdate>();
  private result?: Float32Array;
  /** Examples of accepted updates that cover every parameter, and the delta part of them. */
  private denseExamples = 0;
  private denseDeltaExamples = 0;
  /** Examples of accepted top-k updates. */
  private sparseExamples = 0;
  /** Per parameter, the examples of the top-k updates folded at it; created when needed. */
  private counts: Uint32Array | undefined;
  private readonly refusedUpdates: RefusedUpdate[] = [];

  constructor(
    readonly size: number,
    options: StreamingFedAvgOptions = {},
  ) {
    const wanted = options.kernel ?? (defaultKernel().kernel === 'scalar' ? 'scalar' : 'wasm-simd');
    this.sum = createStreamingSum(size, wanted);
    this.kernel = this.sum.kernel;
  }

  /** Updates accepted so far. */
  get count(): number {
    return this.updates.size;
  }

  /** Examples accepted so far. */
  get weight(): number {
    return this.denseExamples + this.sparseExamples;
  }

  /** Bytes held for the sum, scratch and output, and the per-parameter sparse weights once reserved. */
  get memoryBytes(): number {
    return this.sum.memoryBytes + (this.counts?.byteLength ?? 0);
  }

  /** Accepts a verified update (taking its journal); throws InvalidArgumentError for a bad weight or a second update of one client. */
  add(update: VerifiedUpdate): void {
    const n = update.numExamples;
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`update weight must be a positive integer example count, got ${n}`);
    if (this.updates.has(update.clientId)) throw new InvalidArgumentError(`client ${update.clientId} already has an accepted update in this round`);
    if (update.kind === 'sparse-delta') {
      if (this.sparseExamples + n >= MAX_SPARSE_EXAMPLES) throw new InvalidArgumentError(`top-k updates of ${this.sparseExamples + n} examples in one round overflow the per-parameter counts`);
      this.sparseExamples += n;
    } else {
      this.denseExamples += n;
      if (update.kind === 'delta') this.denseDeltaExamples += n;
    }
    this.updates.set(update.clientId, update);
  }

  /** Updates taken back out because their journal did not read back as written, in the order found. */
  get refused(): readonly RefusedUpdate[] {
    return this.refusedUpdates;
  }

  /**
   * Takes an accepted update back out (its journal is closed) because reading
   * it back failed with `err`; a no-op for a client without an accepted update.
   * The rules that read updates whole call it too (aggregate-round.ts).
   */
  refuse(clientId: string, err: DataLossError): void {
    const u = this.updates.get(clientId);
    if (!u) return;
    this.updates.delete(clientId);
    u.journal.close();
    if (u.kind === 'sparse-delta') this.sparseExamples -= u.numExamples;
    else {
      this.denseExamples -= u.numExamples;
      if (u.kind === 'delta') this.denseDeltaExamples -= u.numExamples;
    }
    this.refusedUpdates.push({ clientId, reason: err.message, offset: err.offset });
  }

  /** The accepted updates (their journals stay owned by this accumulator), for the rules that read them whole (aggregate-round.ts). */
  acceptedUpdates(): VerifiedUpdate[] {
    return [...this.updates.values()];
  }

  /**
   * Allocates the average's output and touches every page of it now. A fresh
   * model-sized array costs a page fault per 4 KiB on first write (on this
   * class of VM ~2.5 ms per MiB), so a round does it while its clients train
   * rather than on the aggregation path. Idempotent; average() does it itself
   * if nobody did.
   */
  reserveResult(): void {
    if (this.result) return;
    this.result = new Float32Array(this.size);
    this.result.fill(0);
  }

  /** Allocates (and faults in, as reserveResult does) the per-parameter counts, for a round that expects top-k updates. */
  reserveCoverage(): void {
    if (this.counts) return;
    this.counts = new Uint32Array(this.size);
    this.counts.fill(0);
  }

  /**
   * The weighted average of the accepted updates; `global` is the model the
   * deltas were trained from (required when any delta was accepted). An
   * update whose journal does not read back as written is refused (see
   * `refused`) and left out. Throws InvalidArgumentError when nothing was
   * accepted or the average is not finite (values within the round's bound
   * cannot get there; a global model near float32's maximum plus a delta
   * can), and DataLossError when every accepted update was refused.
   */
  average(global?: Float32Array): Float32Array {
    if (this.updates.size === 0) throw new InvalidArgumentError('no updates to average');
    for (;;) {
      if (this.updates.size === 0) throw new DataLossError(`all ${this.refusedUpdates.length} accepted update(s) failed their check at the fold`);
      if (this.denseDeltaExamples + this.sparseExamples > 0) {
        if (!global) throw new InvalidArgumentError('delta updates need the global model they were trained from');
        if (global.length !== this.size) throw new InvalidArgumentError(`global model has ${global.length} parameters, the round has ${this.size}`);
      }
      // Weights sum to 1 over everything folded (top-k ones only where they were sent), so a
      // sum of bounded values stays bounded.
      const bad = this.fold(this.denseExamples + this.sparseExamples);
      if (!bad) break;
      // The weights of every other update change without it: the fold starts over.
      this.refuse(bad.clientId, bad.err);
    }
    const dense = this.denseExamples;
    const denseDelta = this.denseDeltaExamples;
    const unit = dense + this.sparseExamples;
    const out = this.takeResult();
    if (dense > 0) this.sum.average(out, dense / unit, denseDelta > 0 ? { values: global!, weight: denseDelta / unit } : undefined);
    else out.set(global!); // only top-k updates: a parameter nobody sent keeps the global value exactly
    if (this.sparseExamples === 0) return out;
    const sum = this.sum.target();
    const counts = this.counts!;
    for (let j = 0; j < out.length; j++) {
      const c = counts[j];
      if (c === 0) continue;
      const v = (unit * sum[j] + (denseDelta + c) * global![j]) / (dense + c);
      if (v - v !== 0) throw new InvalidArgumentError(`the aggregate overflowed: parameter ${j} is not finite`);
      out[j] = v;
    }
    return out;
  }

  /**
   * Folds every accepted update from its journal, in client-id order, into an
   * emptied sum; stops at the first journal that does not read back as written
   * and returns whose it was.
   */
  private fold(unit: number): { clientId: string; err: DataLossError } | undefined {
    this.sum.reset();
    if (this.sparseExamples > 0) {
      this.reserveCoverage();
      this.counts!.fill(0);
    }
    const order = [...this.updates.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const id of order) {
      const u = this.updates.get(id)!;
      const weight = u.numExamples / unit;
      try {
        if (u.kind === 'weights') {
          u.journal.replay((offset, bytes) => this.sum.foldBytes(offset / 4, bytes, weight));
          continue;
        }
        const coverage: FoldCoverage | undefined = u.kind === 'sparse-delta' ? { counts: this.counts!, weight: u.numExamples } : undefined;
        const decoder = createFoldingDecoder(u.encoding, this.size, this.sum.target(), weight, coverage);
        u.journal.replay((_offset, bytes) => decoder.push(bytes));
        decoder.finish();
      } catch (err) {
        if (err instanceof DataLossError) return { clientId: id, err };
        throw err;
      }
    }
    return undefined;
  }

  /** The reserved result, handed to the caller (it becomes the next global model): a second average() writes a new one. */
  private takeResult(): Float32Array {
    this.reserveResult();
    const out = this.result!;
    this.result = undefined;
    return out;
  }

  /** Releases the sum's memory and the accepted updates' journals (spool files are deleted). */
  dispose(): Promise<void> {
    this.result = undefined;
    for (const u of this.updates.values()) u.journal.close();
    this.updates.clear();
    this.sum.dispose();
    return Promise.resolve();
  }
}
