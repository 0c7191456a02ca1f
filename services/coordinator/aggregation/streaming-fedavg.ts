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
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { FoldTarget } from '../../../common/codecs';
import { defaultKernel } from './kernel-choice';
import { createStreamingSum, type StreamingKernel, type StreamingSum } from './streaming-sum';

/** Options of {@link StreamingFedAvg}. */
export interface StreamingFedAvgOptions {
  /** @default the process default from chooseKernel ('tfjs' there means wasm-simd here, see streaming-sum.ts) */
  kernel?: StreamingKernel;
}

/** The streaming weighted sum of one round; see the file comment. */
export class StreamingFedAvg {
  readonly kernel: StreamingKernel;
  private readonly sum: StreamingSum;
  private unit = 0;
  private committed = 0;
  private totalWeight = 0;
  private deltaWeight = 0;
  private result?: Float32Array;

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
    return this.totalWeight;
  }

  /** Bytes held for the sum, scratch and output. */
  get memoryBytes(): number {
    return this.sum.memoryBytes;
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

  /** Counts a complete, verified upload of `numExamples` whose chunks are already folded. */
  commit(numExamples: number, isDelta: boolean): void {
    const w = this.foldWeight(numExamples);
    this.committed++;
    this.totalWeight += numExamples;
    if (isDelta) this.deltaWeight += w;
  }

  /**
   * The weighted average of the committed updates; `global` is the model the
   * deltas were trained from (required when any delta was committed). Throws
   * InvalidArgumentError when nothing was committed or the sum overflowed.
   */
  average(global?: Float32Array): Float32Array {
    if (this.committed === 0) throw new InvalidArgumentError('no updates to average');
    if (this.deltaWeight !== 0 && !global) throw new InvalidArgumentError('delta updates need the global model they were trained from');
    const base = this.deltaWeight !== 0 ? { values: global!, weight: this.deltaWeight } : undefined;
    this.reserveResult();
    const out = this.result!;
    this.sum.average(out, this.totalWeight / this.unit, base);
    // The caller owns it (it becomes the next global model): a second call writes a new one.
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
