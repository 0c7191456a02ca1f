/**
 * The aggregation bench's staged baseline on the wasm SIMD kernel (rounds fold
 * chunk by chunk instead: services/coordinator/aggregation/streaming-sum.ts).
 * Everything lives in one shared WebAssembly memory:
 *
 *   [ running sum (f32) | staging slot 0 | … | staging slot k-1 | output ]
 *
 * The receiver decodes/validates chunk bytes straight into a staging slot
 * (`stage()` is a Float32Array view of it), and `foldStaged()` folds that slot
 * into the sum in one pass: each update byte is copied once (gRPC buffer →
 * staging, cache-hot finite check) and read once more by the fold. Large
 * models fold on every core (worker_threads over disjoint pieces of the same
 * memory, see FoldPool).
 *
 * Scaling: the first update is written in scaled by 1 (an exact copy, no
 * read of the sum) and later ones are folded with weight wᵢ/w₀, so the sum
 * stays at the updates' magnitude whatever the example counts and a single
 * update averages back to itself exactly.
 *
 * Precision: each fold rounds once to float32, so the average carries a
 * relative error of about N·2⁻²⁴ for N updates (1e-5 at N = 100; numpy's
 * float32 in-place sum is the same).
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '../../../../common/errors';
import type { WeightedSum } from './accumulator';
import { FoldPool, stopPool } from './fold-pool';
import { firstNonFinite } from '../../../../common/weights-codec';
import { instantiateKernel, kernelModule, MAX_PAGES, sharedMemory, type KernelExports, type WasmMemory } from '../../../../services/coordinator/aggregation/wasm-kernel';

/** Options of {@link FusedAccumulator}. */
export interface FusedAccumulatorOptions {
  /** Threads folding (the caller's included); workers = threads − 1. @default min(2, cores) */
  threads?: number;
  /** Elements per piece of a parallel fold. @default 262144 */
  pieceElements?: number;
  /** Models with at least this many parameters fold on all threads. @default 1 << 20 */
  parallelThreshold?: number;
  /**
   * Staging slots, one per upload in flight. With 2 or more, a fold runs on
   * the worker in the background while the next update is staged in another
   * slot. @default 2 for models that fold in parallel, else 1
   */
  stagingSlots?: number;
  /**
   * Reuse the wasm memory of the last disposed accumulator of a similar size
   * (rounds follow each other with the same model), instead of paying the
   * page faults of fresh memory every round. @default true
   */
  recycle?: boolean;
}

const PAGE = 65536;
const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

// The memory of the last disposed accumulator, for the next one of a similar size.
let spare: { memory: WasmMemory; pages: number } | undefined;

// Stops the workers of accumulators that were dropped without dispose().
const finalizer = new FinalizationRegistry<SharedArrayBuffer>((ctrl) => stopPool(ctrl));

/** Weighted running sum on the wasm SIMD kernel; see the file comment. */
export class FusedAccumulator implements WeightedSum {
  private readonly memory: WasmMemory;
  private readonly kernel: KernelExports;
  private readonly pool: FoldPool;
  private readonly sumPtr: number;
  private readonly stagePtrs: number[];
  private readonly outPtr: number;
  private readonly parallelThreshold: number;
  private readonly recycle: boolean;
  private firstWeight = 0;
  private totalWeight = 0;
  private updates = 0;
  private disposed = false;
  /** Staging slot a background fold is still reading, or -1. */
  private foldingSlot = -1;
  /** Slot the next add() copies into (rotates, so add() overlaps with the previous fold). */
  private addSlot = 0;

  /** Throws RangeError when the model does not fit a 4 GiB wasm memory, Error when wasm SIMD is unavailable. */
  constructor(
    readonly size: number,
    options: FusedAccumulatorOptions = {},
  ) {
    const module = kernelModule();
    if (!module) throw new Error('WebAssembly SIMD is not available');
    if (!Number.isInteger(size) || size < 0) throw new InvalidArgumentError(`model size must be a non-negative integer, got ${size}`);
    const threads = Math.max(1, Math.floor(options.threads ?? Math.min(2, availableParallelism())));
    this.parallelThreshold = options.parallelThreshold ?? 1 << 20;
    const parallel = threads > 1 && size >= this.parallelThreshold;
    const slots = Math.max(1, options.stagingSlots ?? (parallel ? 2 : 1));
    const region = align(size * 4);
    this.sumPtr = 0;
    this.stagePtrs = Array.from({ length: slots }, (_, i) => (1 + i) * region);
    this.outPtr = (1 + slots) * region;
    const pages = Math.max(1, Math.ceil((this.outPtr + region) / PAGE));
    if (pages > MAX_PAGES) throw new RangeError(`a model of ${size} parameters does not fit the 4 GiB wasm memory`);
    if (options.recycle !== false && spare && spare.pages >= pages && spare.pages <= 2 * pages) {
      this.memory = spare.memory; // every region is fully written before it is read: no need to zero
      spare = undefined;
    } else {
      this.memory = sharedMemory(pages);
    }
    this.recycle = options.recycle !== false;
    this.kernel = instantiateKernel(module, this.memory);
    this.pool = new FoldPool(module, this.memory, this.kernel, threads - 1, options.pieceElements);
    finalizer.register(this, this.pool.control, this);
  }

  /** Number of updates folded so far. */
  get count(): number {
    return this.updates;
  }

  /** Sum of the weights folded so far. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Number of staging slots. */
  get stagingSlots(): number {
    return this.stagePtrs.length;
  }

  /** Bytes of wasm memory this accumulator uses (sum, staging slots, output). */
  get memoryBytes(): number {
    return this.outPtr + align(this.size * 4);
  }

  /** Worker threads started so far (0 until a large model is first staged or folded). */
  get workers(): number {
    return this.pool.startedWorkers;
  }

  /** Worker threads up and able to take pieces. */
  get readyWorkers(): number {
    return this.pool.readyWorkers;
  }

  /** Pieces of folds done by worker threads so far (the caller does the rest). */
  get workerPieces(): number {
    return this.pool.workerPieces;
  }

  /** Whether folds of this model use the worker threads. */
  get parallel(): boolean {
    return this.pool.workerCount > 0 && this.size >= this.parallelThreshold;
  }

  /**
   * A Float32Array view of staging slot `slot` in wasm memory, for the receiver
   * to decode an update into; fold it with {@link foldStaged}. Starts the
   * workers (in the background) when the model is large enough to use them.
   */
  stage(slot = 0): Float32Array {
    this.live();
    const ptr = this.stagePtrs[slot];
    if (ptr === undefined) throw new RangeError(`no staging slot ${slot} (have ${this.stagePtrs.length})`);
    if (this.parallel) this.pool.start();
    if (slot === this.foldingSlot) this.settle();
    return new Float32Array(this.memory.buffer, ptr, this.size);
  }

  /** Index of the first NaN/±Inf among staged values [from, from+n) of `slot`, or -1 (SIMD scan; located in JS only on a hit). */
  firstNonFinite(slot: number, from: number, n: number): number {
    const ptr = this.stagePtrs[slot];
    if (ptr === undefined) throw new RangeError(`no staging slot ${slot} (have ${this.stagePtrs.length})`);
    if (from < 0 || n < 0 || from + n > this.size) throw new RangeError(`range [${from}, ${from + n}) is outside the model`);
    if (this.kernel.nonfinite(ptr + from * 4, n) === 0) return -1;
    return firstNonFinite(new Float32Array(this.memory.buffer, ptr, this.size), from, n);
  }

  /**
   * Folds staging slot `slot`, weighted by `weight`, into the sum. On a
   * parallel model the fold may finish in the background (the caller stages
   * the next update meanwhile); `stage(slot)` and `average()` wait for it.
   */
  foldStaged(weight: number, slot = 0): void {
    this.live();
    checkWeight(weight);
    if (this.stagePtrs[slot] === undefined) throw new RangeError(`no staging slot ${slot} (have ${this.stagePtrs.length})`);
    this.foldAt(slot, weight);
  }

  /** Copies `values` into staging slot 0 and folds it (for callers holding a decoded update). */
  add(values: Float32Array, weight: number): void {
    this.live();
    if (values.length !== this.size) throw new InvalidArgumentError(`update has ${values.length} parameters, model has ${this.size}`);
    checkWeight(weight);
    const slot = this.addSlot;
    this.addSlot = (slot + 1) % this.stagePtrs.length;
    this.stage(slot).set(values);
    this.foldAt(slot, weight);
  }

  /** The weighted average of everything folded, as a new Float32Array; throws if nothing was. */
  average(): Float32Array {
    const view = this.averageView();
    const out = new Float32Array(this.size); // new + set measured faster than slice() here
    out.set(view);
    return out;
  }

  /**
   * The weighted average as a view into kernel memory: no copy-out (≈ a quarter
   * of a 10-update round's time at 10M parameters, mostly page faults of the
   * new array). Valid only until the next fold, average or dispose().
   */
  averageView(): Float32Array {
    this.live();
    if (this.updates === 0) throw new InvalidArgumentError('no updates to average');
    const s = this.firstWeight / this.totalWeight;
    this.settle();
    this.run('scale', this.outPtr, this.sumPtr, s);
    return new Float32Array(this.memory.buffer, this.outPtr, this.size);
  }

  /** Stops the worker threads and hands the memory on for reuse; resolves when the workers have exited. */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.settle();
      this.disposed = true;
      finalizer.unregister(this);
      // run() is synchronous, so no worker is touching the memory now: it can be
      // handed on (views from stage() must not be used after dispose).
      if (this.recycle) spare = { memory: this.memory, pages: this.memory.buffer.byteLength / PAGE };
    }
    return this.pool.dispose();
  }

  private foldAt(slot: number, weight: number): void {
    const ptr = this.stagePtrs[slot];
    const first = this.updates === 0;
    const op = first ? 'scale' : 'axpy';
    const w = first ? 1 : weight / this.firstWeight;
    if (first) this.firstWeight = weight;
    if (this.parallel && this.stagePtrs.length > 1) {
      this.pool.start();
      this.pool.post(op, this.sumPtr, ptr, this.size, w); // finishes the previous fold first
      this.foldingSlot = this.pool.busy ? slot : -1;
    } else {
      this.run(op, this.sumPtr, ptr, w);
    }
    this.totalWeight += weight;
    this.updates++;
  }

  /** Waits for (and helps) the background fold, if one is running. */
  private settle(): void {
    this.pool.finish();
    this.foldingSlot = -1;
  }

  private run(op: 'axpy' | 'scale', dst: number, src: number, w: number): void {
    if (this.parallel) {
      this.pool.start();
      this.pool.run(op, dst, src, this.size, w);
    } else {
      (this.kernel[op] as (a: number, b: number, n: number, w: number) => void)(dst, src, this.size, w);
    }
  }

  private live(): void {
    if (this.disposed) throw new Error('accumulator was disposed');
  }
}

function checkWeight(weight: number): void {
  if (!(weight > 0) || !Number.isFinite(weight)) throw new InvalidArgumentError(`update weight must be positive, got ${weight}`);
}
