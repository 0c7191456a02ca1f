/**
 * The interface the aggregation bench's staged kernels implement (fused wasm
 * SIMD, scalar loop), so its FedAvgAccumulator can pick one.
 */

/** Names of the accumulate kernels. */
export type KernelName = 'wasm-simd' | 'scalar';

/** A weighted running sum Σ wᵢ·xᵢ with staging slots updates are decoded into. */
export interface WeightedSum {
  readonly size: number;
  /** Updates folded so far. */
  readonly count: number;
  /** Sum of the weights folded so far. */
  readonly weight: number;
  /** Number of staging slots (uploads that can be staged at once). */
  readonly stagingSlots: number;
  /** Bytes the kernel holds for the sum, staging and output (peak extra memory of a round). */
  readonly memoryBytes: number;
  /** A writable view of staging slot `slot` (wasm memory for the fused kernel). */
  stage(slot?: number): Float32Array;
  /** Index (from the slot's start) of the first NaN/±Inf among staged values [from, from+n), or -1. */
  firstNonFinite(slot: number, from: number, n: number): number;
  /** Folds staging slot `slot`, weighted by `weight`. */
  foldStaged(weight: number, slot?: number): void;
  /** Folds a decoded update (copied into staging first where the kernel needs it). */
  add(values: Float32Array, weight: number): void;
  /** Σ wᵢ·xᵢ / Σ wᵢ as a new array; throws InvalidArgumentError when nothing was folded. */
  average(): Float32Array;
  /** The average without a copy where the kernel can (a view valid until the next fold, average or dispose). */
  averageView(): Float32Array;
  /** Releases threads and memory; resolves when worker threads have exited. */
  dispose(): Promise<void>;
}
