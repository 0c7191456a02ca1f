/**
 * The aggregation bench's staged baseline: FedAvg over whole updates, each
 * staged in full and then folded into Σ nᵢ·xᵢ (rounds instead fold chunk by
 * chunk from journals at close: services/coordinator/aggregation/
 * streaming-fedavg.ts). The fold runs on one of two kernels behind one
 * interface (WeightedSum):
 *  - `wasm-simd`: the wasm SIMD kernel over shared wasm memory, on both cores
 *    for large models (FusedAccumulator);
 *  - `scalar`: a plain JS loop over a float64 sum (ScalarAccumulator; the
 *    bench's "previous fedlink" baseline).
 * `kernel: 'auto'` (the default) takes the coordinator's process default from
 * chooseKernel.
 *
 * For the fewest passes over each byte, a receiver decodes chunks straight
 * into `stage()` (wasm memory for the fused kernel), checks them with
 * `firstNonFinite()`, and folds with `foldStaged()`; `add()` is for callers
 * that already hold a decoded Float32Array (it copies into staging first).
 */
import type { KernelName, WeightedSum } from './accumulator';
import { defaultKernel } from '../../../../services/coordinator/aggregation/kernel-choice';
import { FusedAccumulator, type FusedAccumulatorOptions } from './fused-accumulator';
import { ScalarAccumulator } from './scalar-accumulator';
import { wasmSimdAvailable } from '../../../../services/coordinator/aggregation/wasm-kernel';

/** Options of {@link FedAvgAccumulator}. */
export interface FedAvgAccumulatorOptions extends FusedAccumulatorOptions {
  /** Which kernel folds. @default 'auto' (the process default from chooseKernel) */
  kernel?: 'auto' | KernelName;
  /** false simulates a runtime without WebAssembly SIMD: `wasm-simd` falls back to `scalar`. */
  simd?: boolean;
}

/** Weighted running sum of client updates for one round. */
export class FedAvgAccumulator {
  /** The kernel actually folding (after any fallback). */
  readonly kernel: KernelName;
  private readonly impl: WeightedSum;

  constructor(
    readonly size: number,
    options: FedAvgAccumulatorOptions = {},
  ) {
    let kernel = !options.kernel || options.kernel === 'auto' ? defaultKernel().kernel : options.kernel;
    if (kernel === 'wasm-simd' && (options.simd === false || !wasmSimdAvailable())) kernel = 'scalar';
    let impl: WeightedSum | undefined;
    if (kernel === 'wasm-simd') {
      try {
        impl = new FusedAccumulator(size, options);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        kernel = 'scalar'; // larger than a 4 GiB wasm memory
      }
    }
    impl ??= new ScalarAccumulator(size, options);
    this.kernel = kernel;
    this.impl = impl;
  }

  /** Number of updates folded so far. */
  get count(): number {
    return this.impl.count;
  }

  /** Sum of the weights (examples) folded so far. */
  get weight(): number {
    return this.impl.weight;
  }

  /** Number of staging slots; stage uploads round-robin over them so a fold can overlap the next upload. */
  get stagingSlots(): number {
    return this.impl.stagingSlots;
  }

  /** Bytes the kernel holds for the sum, staging and output. */
  get memoryBytes(): number {
    return this.impl.memoryBytes;
  }

  /** Folds `values` weighted by `weight` (the client's example count) into the sum. */
  add(values: Float32Array, weight: number): void {
    this.impl.add(values, weight);
  }

  /** A writable view of staging slot `slot` to decode an update into (see the file comment). */
  stage(slot = 0): Float32Array {
    return this.impl.stage(slot);
  }

  /** Index of the first NaN/±Inf among staged values [from, from+n) of `slot`, or -1. */
  firstNonFinite(slot: number, from: number, n: number): number {
    return this.impl.firstNonFinite(slot, from, n);
  }

  /** Folds staging slot `slot`, weighted by `weight` (the client's example count). */
  foldStaged(weight: number, slot = 0): void {
    this.impl.foldStaged(weight, slot);
  }

  /** The weighted average of everything folded; throws if nothing was. */
  average(): Float32Array {
    return this.impl.average();
  }

  /**
   * The weighted average without copying it out of kernel memory (fused
   * kernel); valid only until the next fold, average or dispose(). For a
   * caller that loads it into the model at once, then disposes.
   */
  averageView(): Float32Array {
    return this.impl.averageView();
  }

  /** Releases worker threads and kernel memory; resolves when any workers have exited. */
  dispose(): Promise<void> {
    return this.impl.dispose();
  }
}
