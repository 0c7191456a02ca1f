/**
 * A round's FedAvg, folded as the uploads stream in. Every upload folds its
 * chunks into one shared running sum the moment they arrive (memory O(model)
 * however many clients upload at once); an upload only *counts* once it is
 * complete and verified (`commit`), and one that breaks off for good or is
 * refused is folded back out by its sink (`update-sink.ts`). So the average is
 * always over exactly the committed updates.
 *
 * Updates come as whole weights (float32) or as deltas from the global model
 * the client trained from (compressed encodings): a delta client's share of
 * the global model is added once, at the end, as `Σ w(deltas) · global`.
 *
 * Weights are example counts, scaled by the first upload's count so the sum
 * stays at the magnitude of the updates however large the counts are.
 *
 * Sparse (top-k) deltas are averaged per parameter over the updates that sent
 * it. Dividing a parameter sent by 1 client of 10 by all 10 clients' weight
 * would move the global model a tenth of the step that client meant, while the
 * client's error feedback counts the value as delivered in full. So each
 * parameter j is averaged over its own weight:
 *
 *   new_j = (S_j + (W_delta + C_j)·g_j) / (W_dense + C_j)
 *
 * where S_j is the running sum, which already holds every folded w·x_j
 * (weights, dense deltas, and the top-k values that reached j), W_dense is the weight of the updates that
 * cover every parameter (float32 weights, int8/float16 deltas), W_delta the
 * part of it that is deltas, and C_j the weight of the top-k updates that sent
 * j; with no weight at all (W_dense + C_j = 0) the parameter keeps g_j. C
 * exists only once a top-k update arrives: one Uint32 example count per
 * parameter, filled by the folding decoder (folding-decoder.ts). With no top-k
 * update committed this is the plain weighted average.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { FoldCoverage, FoldTarget } from '../../../common/codecs';
import { defaultKernel } from './kernel-choice';
import { createStreamingSum, type StreamingKernel, type StreamingSum } from './streaming-sum';

/** Options of {@link StreamingFedAvg}. */
export interface StreamingFedAvgOptions {
  /** @default the process default from chooseKernel ('tfjs' there means wasm-simd here, see streaming-sum.ts) */
  kernel?: StreamingKernel;
}

/**
 * What a committed update is: new weights (float32), a delta covering every
 * parameter (int8, float16), or a delta of some parameters only (top-k).
 */
export type UpdateKind = 'weights' | 'delta' | 'sparse-delta';

/** Sparse weights are Uint32 example counts (see folding-decoder.ts): a round's top-k examples must stay below this. */
const MAX_SPARSE_EXAMPLES = 2 ** 32;

/** The streaming weighted sum of one round; see the file comment. */
export class StreamingFedAvg {
  readonly kernel: StreamingKernel;
  private readonly sum: StreamingSum;
  private unit = 0;
  private committed = 0;
  private result?: Float32Array;
  /** Examples of committed updates that cover every parameter, and the delta part of them. */
  private denseExamples = 0;
  private denseDeltaExamples = 0;
  /** Examples of committed top-k updates. */
  private sparseExamples = 0;
  /** Per parameter, the examples of the top-k updates folded at it; created by the first top-k upload. */
  private counts: Uint32Array | undefined;

  constructor(
    readonly size: number,
    options: StreamingFedAvgOptions = {},
  ) {
    const wanted = options.kernel ?? (defaultKernel().kernel === 'scalar' ? 'scalar' : 'wasm-simd');
    this.sum = createStreamingSum(size, wanted);
    this.kernel = this.sum.kernel;
  }

  /** Updates committed so far. */
  get count(): number {
    return this.committed;
  }

  /** Examples committed so far. */
  get weight(): number {
    return this.denseExamples + this.sparseExamples;
  }

  /** Bytes held for the sum, scratch and output, and the per-parameter sparse weights once a top-k upload came. */
  get memoryBytes(): number {
    return this.sum.memoryBytes + (this.counts?.byteLength ?? 0);
  }

  /** The fold weight for an upload of `numExamples` examples (negate it to fold the upload back out). */
  foldWeight(numExamples: number): number {
    if (!(numExamples > 0) || !Number.isFinite(numExamples)) throw new InvalidArgumentError(`update weight must be positive, got ${numExamples}`);
    if (this.unit === 0) this.unit = numExamples;
    return numExamples / this.unit;
  }

  /** Folds float32 chunk bytes at parameter `from`; see StreamingSum.foldBytes. */
  foldBytes(from: number, bytes: Uint8Array, weight: number): void {
    this.sum.foldBytes(from, bytes, weight);
  }

  /** The running sum, for a folding decoder. */
  target(): FoldTarget {
    return this.sum.target();
  }

  /**
   * Allocates the average's output and touches every page of it now. A fresh
   * model-sized array costs a page fault per 4 KiB on first write (on this
   * class of VM ~2.5 ms per MiB: as long as folding ten updates), so a round
   * does it while its clients train rather than on the aggregation path.
   * Idempotent; average() does it itself if nobody did.
   */
  reserveResult(): void {
    if (this.result) return;
    this.result = new Float32Array(this.size);
    this.result.fill(0);
  }

  /**
   * What a top-k decoder adds per parameter it folds, for an upload of
   * `numExamples` (negate `weight` to fold it back out). Allocates the
   * counts (4 bytes a parameter) on first use.
   */
  coverage(numExamples: number): FoldCoverage {
    if (!Number.isSafeInteger(numExamples) || numExamples < 1) throw new InvalidArgumentError(`a top-k update's weight must be a positive integer example count, got ${numExamples}`);
    this.reserveCoverage();
    return { counts: this.counts!, weight: numExamples };
  }

  /** Allocates (and faults in, as reserveResult does) the per-parameter counts, for a round that expects top-k updates. */
  reserveCoverage(): void {
    if (this.counts) return;
    this.counts = new Uint32Array(this.size);
    this.counts.fill(0);
  }

  /** Counts a complete, verified upload of `numExamples` whose chunks are already folded. */
  commit(numExamples: number, kind: UpdateKind): void {
    this.foldWeight(numExamples); // validates, and sets the unit on a first commit
    if (kind === 'sparse-delta') {
      if (!this.counts) throw new InvalidArgumentError('a top-k update must be folded with coverage() before it is committed');
      if (this.sparseExamples + numExamples >= MAX_SPARSE_EXAMPLES) throw new InvalidArgumentError(`top-k updates of ${this.sparseExamples + numExamples} examples in one round overflow the per-parameter counts`);
      this.sparseExamples += numExamples;
    } else {
      this.denseExamples += numExamples;
      if (kind === 'delta') this.denseDeltaExamples += numExamples;
    }
    this.committed++;
  }

  /**
   * The weighted average of the committed updates; `global` is the model the
   * deltas were trained from (required when any delta was committed). Throws
   * InvalidArgumentError when nothing was committed or the sum overflowed.
   *
   * In example counts, per parameter (the file comment):
   * (unit·sum_j + (E_delta + C_j)·g_j) / (E_dense + C_j). Where no top-k update
   * sent j (C_j = 0, and everywhere in a round without top-k) that is the dense
   * updates' plain average, which the kernel computes for every parameter; only
   * the parameters top-k updates sent are then redone.
   */
  average(global?: Float32Array): Float32Array {
    if (this.committed === 0) throw new InvalidArgumentError('no updates to average');
    const unit = this.unit;
    const dense = this.denseExamples;
    const denseDelta = this.denseDeltaExamples;
    if (denseDelta + this.sparseExamples > 0) {
      if (!global) throw new InvalidArgumentError('delta updates need the global model they were trained from');
      if (global.length !== this.size) throw new InvalidArgumentError(`global model has ${global.length} parameters, the round has ${this.size}`);
    }
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

  /** The reserved result, handed to the caller (it becomes the next global model): a second average() writes a new one. */
  private takeResult(): Float32Array {
    this.reserveResult();
    const out = this.result!;
    this.result = undefined;
    return out;
  }

  /** Releases the sum's memory. */
  dispose(): Promise<void> {
    this.result = undefined;
    this.sum.dispose();
    return Promise.resolve();
  }
}
