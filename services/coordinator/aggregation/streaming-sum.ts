/**
 * The float32 sum Σ wᵢ·xᵢ a round folds its verified updates into at close,
 * chunk by chunk from their journals (streaming-fedavg.ts): no update is ever
 * held whole in memory. Two kernels behind one interface, giving the same bits:
 *  - `wasm-simd`: the sum lives in WebAssembly memory; a float32 chunk is
 *    copied once into a chunk-sized scratch area, scanned for NaN/±Inf there
 *    while cache-hot (SIMD), and folded by the f32x4 multiply-add;
 *  - `scalar`: a Float32Array and plain loops that round exactly as the wasm
 *    kernel does (for runtimes without WebAssembly SIMD).
 * Encoded chunks (float16, int8, top-k) are decoded by the codecs' folding
 * decoder straight into `target()`, so they never exist as dense floats.
 *
 * The TFJS kernel is not offered here: folding a chunk into a tensor is a
 * whole-model op per chunk.
 */
import { InvalidArgumentError } from '../../../common/errors';
import { firstNonFinite } from '../../../common/weights-codec';
import { instantiateKernel, kernelModule, MAX_PAGES, sharedMemory, type KernelExports, type WasmMemory } from './wasm-kernel';

/** Kernels a streaming sum can run on. */
export type StreamingKernel = 'wasm-simd' | 'scalar';

/** A running weighted sum folded chunk by chunk. */
export interface StreamingSum {
  readonly kernel: StreamingKernel;
  readonly size: number;
  /** Bytes held for the sum, scratch and output. */
  readonly memoryBytes: number;
  /**
   * Folds float32 little-endian `bytes` as parameters [from, from + bytes/4),
   * weighted by `weight`. Every value is checked first: on a NaN/±Inf it throws
   * InvalidArgumentError naming the parameter and folds nothing of the chunk.
   */
  foldBytes(from: number, bytes: Uint8Array, weight: number): void;
  /** The sum itself (zeroed where nothing was folded yet), for a folding decoder to add encoded values into. */
  target(): Float32Array;
  /** Empties the sum (nothing is folded any more). */
  reset(): void;
  /**
   * (sum + base.weight·base.values) / total: the average of everything folded,
   * with `base` standing for the global model under updates that were deltas.
   * Written into `out` (size values). Throws InvalidArgumentError if any
   * averaged value is not finite (an overflow); `out` is then unspecified.
   */
  average(out: Float32Array, total: number, base?: { values: Float32Array; weight: number }): void;
  dispose(): void;
}

/** Creates a zeroed streaming sum of `size` parameters on `kernel`. */
export function createStreamingSum(size: number, kernel: StreamingKernel): StreamingSum {
  if (!Number.isInteger(size) || size < 0) throw new InvalidArgumentError(`model size must be a non-negative integer, got ${size}`);
  if (kernel === 'wasm-simd') {
    const module = kernelModule();
    // Larger than a 4 GiB wasm memory, or no SIMD: the scalar loop still works.
    if (module && size * 8 + SCRATCH * 4 + 256 < MAX_PAGES * PAGE) return new WasmStreamingSum(size, instantiate(module, size));
  }
  return new ScalarStreamingSum(size);
}

const PAGE = 65536;
/** Floats of wasm scratch: chunks larger than this are folded in pieces. */
const SCRATCH = 1 << 18;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const align = (bytes: number) => Math.ceil(bytes / 64) * 64;

function instantiate(module: NonNullable<ReturnType<typeof kernelModule>>, size: number): { memory: WasmMemory; kernel: KernelExports } {
  // [ sum f32 | scratch | output f32 ]
  const bytes = Math.max(PAGE, Math.ceil((align(size * 4) + SCRATCH * 4 + align(size * 4)) / PAGE) * PAGE);
  if (spare && spare.bytes >= bytes && spare.bytes <= 2 * bytes) {
    const reuse = spare;
    spare = undefined;
    return reuse;
  }
  const memory = sharedMemory(bytes / PAGE);
  return { memory, kernel: instantiateKernel(module, memory) };
}

function checkRange(size: number, from: number, bytes: Uint8Array): number {
  if (bytes.length % 4 !== 0) throw new InvalidArgumentError(`chunk of ${bytes.length} bytes is not a whole number of float32 values`);
  const n = bytes.length / 4;
  if (!Number.isInteger(from) || from < 0 || from + n > size) throw new InvalidArgumentError(`values [${from}, ${from + n}) are outside the model's ${size} parameters`);
  return n;
}

function checkWeight(weight: number): void {
  if (!Number.isFinite(weight) || weight === 0) throw new InvalidArgumentError(`fold weight must be finite and non-zero, got ${weight}`);
}

function checkOut(out: Float32Array, size: number): void {
  if (!(out instanceof Float32Array) || out.length !== size) throw new InvalidArgumentError(`average output must be a Float32Array of ${size} values`);
}

function nonFiniteError(at: number, value: number): InvalidArgumentError {
  return new InvalidArgumentError(`non-finite value ${value} at parameter ${at}`);
}

// The memory of the last disposed sum, for the next round's (same model, same size): fresh
// memory costs a page fault per 4 KiB on first touch, every round.
let spare: { memory: WasmMemory; kernel: KernelExports; bytes: number } | undefined;

class WasmStreamingSum implements StreamingSum {
  readonly kernel = 'wasm-simd' as const;
  private readonly memory: WasmMemory;
  private readonly k: KernelExports;
  private readonly sumPtr = 0;
  private readonly scratchPtr: number;
  private readonly outPtr: number;
  /**
   * Parameters [0, frontier) of the sum hold folded values; beyond it the memory
   * is stale (recycled). Uploads arrive in order from offset 0, so a chunk past
   * the frontier is written as w·x (no read of the sum, no zeroing pass) and
   * moves it. An undo leaves exact zeros (w·x − w·x), so nothing breaks.
   */
  private frontier = 0;
  private disposed = false;

  constructor(
    readonly size: number,
    { memory, kernel }: { memory: WasmMemory; kernel: KernelExports },
  ) {
    this.memory = memory;
    this.k = kernel;
    this.scratchPtr = align(size * 4);
    this.outPtr = this.scratchPtr + SCRATCH * 4;
  }

  get memoryBytes(): number {
    return this.outPtr + align(this.size * 4);
  }

  foldBytes(from: number, bytes: Uint8Array, weight: number): void {
    this.live();
    checkWeight(weight);
    const n = checkRange(this.size, from, bytes);
    const heap = new Uint8Array(this.memory.buffer);
    // Check every piece before folding any, so a bad chunk changes nothing. A chunk
    // larger than the scratch is copied twice; the daemon's chunks (1 MiB) fit.
    if (n > SCRATCH) this.check(from, bytes, heap);
    for (let done = 0; done < n; done += SCRATCH) {
      const m = Math.min(SCRATCH, n - done);
      this.stage(heap, bytes.subarray(done * 4, (done + m) * 4));
      if (n <= SCRATCH && this.k.nonfinite(this.scratchPtr, m) !== 0) this.reject(from + done, m);
      this.fold(from + done, m, weight);
    }
  }

  target(): Float32Array {
    this.live();
    // A decoder may add anywhere (top-k indices): the whole sum must be real values.
    if (this.frontier < this.size) new Float32Array(this.memory.buffer, this.sumPtr, this.size).fill(0, this.frontier);
    this.frontier = this.size;
    return new Float32Array(this.memory.buffer, this.sumPtr, this.size);
  }

  average(out: Float32Array, total: number, base?: { values: Float32Array; weight: number }): void {
    this.live();
    checkWeight(total);
    checkOut(out, this.size);
    if (this.frontier < this.size) new Float32Array(this.memory.buffer, this.sumPtr, this.size).fill(0, this.frontier);
    this.frontier = this.size;
    this.k.scale(this.outPtr, this.sumPtr, this.size, 1 / total);
    if (base && base.weight !== 0) {
      if (base.values.length !== this.size) throw new InvalidArgumentError(`base has ${base.values.length} parameters, model has ${this.size}`);
      const scratch = new Float32Array(this.memory.buffer, this.scratchPtr, SCRATCH);
      for (let done = 0; done < this.size; done += SCRATCH) {
        const m = Math.min(SCRATCH, this.size - done);
        scratch.set(base.values.subarray(done, done + m));
        this.k.axpy(this.outPtr + done * 4, this.scratchPtr, m, base.weight / total);
      }
    }
    if (this.k.nonfinite(this.outPtr, this.size) !== 0) {
      const view = new Float32Array(this.memory.buffer, this.outPtr, this.size);
      throw new InvalidArgumentError(`the aggregate overflowed: parameter ${firstNonFinite(view, 0, this.size)} is not finite`);
    }
    out.set(new Float32Array(this.memory.buffer, this.outPtr, this.size));
  }

  reset(): void {
    this.live();
    this.frontier = 0;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    spare = { memory: this.memory, kernel: this.k, bytes: this.memory.buffer.byteLength };
  }

  /** sum[at, at+m) += w·scratch, or = w·scratch past the frontier. */
  private fold(at: number, m: number, w: number): void {
    // Uploads start at 0 and go in order, so a chunk never starts past the frontier; if one
    // ever did, the gap is zeroed rather than left stale.
    if (at > this.frontier) new Float32Array(this.memory.buffer, this.sumPtr, this.size).fill(0, this.frontier, at);
    const dst = this.sumPtr + at * 4;
    const inside = Math.max(0, Math.min(m, this.frontier - at));
    if (inside > 0) this.k.axpy(dst, this.scratchPtr, inside, w);
    if (inside < m) {
      this.k.scale(dst + inside * 4, this.scratchPtr + inside * 4, m - inside, w);
      this.frontier = at + m;
    }
  }

  private stage(heap: Uint8Array, piece: Uint8Array): void {
    if (LITTLE_ENDIAN) {
      heap.set(piece, this.scratchPtr);
      return;
    }
    const dv = new DataView(piece.buffer, piece.byteOffset, piece.length);
    const scratch = new Float32Array(this.memory.buffer, this.scratchPtr, piece.length / 4);
    for (let i = 0; i < scratch.length; i++) scratch[i] = dv.getFloat32(i * 4, true);
  }

  /** Scans a chunk larger than the scratch piece by piece before any of it is folded. */
  private check(from: number, bytes: Uint8Array, heap: Uint8Array): void {
    const n = bytes.length / 4;
    for (let done = 0; done < n; done += SCRATCH) {
      const m = Math.min(SCRATCH, n - done);
      this.stage(heap, bytes.subarray(done * 4, (done + m) * 4));
      if (this.k.nonfinite(this.scratchPtr, m) !== 0) this.reject(from + done, m);
    }
  }

  private reject(from: number, m: number): never {
    const scratch = new Float32Array(this.memory.buffer, this.scratchPtr, m);
    const at = firstNonFinite(scratch, 0, m);
    throw nonFiniteError(from + at, scratch[at]);
  }

  private live(): void {
    if (this.disposed) throw new Error('streaming sum was disposed');
  }
}

class ScalarStreamingSum implements StreamingSum {
  readonly kernel = 'scalar' as const;
  // float32 with the wasm kernel's exact steps (round w·x to float32, then the sum): both
  // kernels give the same bits, so the committed model does not depend on which one a
  // coordinator's calibration picked. Math.fround after a double multiply-add is the float32
  // result: a product of two float32 is exact in a double, and a double-rounded float32 sum
  // equals the float32 sum (53 ≥ 2·24 + 2).
  private readonly sum: Float32Array;
  /** As in WasmStreamingSum: past it, a fold assigns w·x (so -0 stays -0, as the wasm kernel's does). */
  private frontier = 0;

  constructor(readonly size: number) {
    this.sum = new Float32Array(size);
  }

  get memoryBytes(): number {
    return this.sum.byteLength;
  }

  reset(): void {
    this.frontier = 0;
  }

  foldBytes(from: number, bytes: Uint8Array, weight: number): void {
    checkWeight(weight);
    const n = checkRange(this.size, from, bytes);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < n; i++) {
      const v = dv.getFloat32(i * 4, true);
      if (v - v !== 0) throw nonFiniteError(from + i, v);
    }
    const sum = this.sum;
    const w = Math.fround(weight);
    if (from > this.frontier) sum.fill(0, this.frontier, from);
    const inside = Math.max(0, Math.min(n, this.frontier - from));
    for (let i = 0; i < inside; i++) sum[from + i] += Math.fround(w * dv.getFloat32(i * 4, true));
    for (let i = inside; i < n; i++) sum[from + i] = w * dv.getFloat32(i * 4, true);
    this.frontier = Math.max(this.frontier, from + n);
  }

  target(): Float32Array {
    this.sum.fill(0, this.frontier);
    this.frontier = this.size;
    return this.sum;
  }

  average(out: Float32Array, total: number, base?: { values: Float32Array; weight: number }): void {
    checkWeight(total);
    checkOut(out, this.size);
    if (base && base.values.length !== this.size) throw new InvalidArgumentError(`base has ${base.values.length} parameters, model has ${this.size}`);
    const sum = this.target();
    const s = Math.fround(1 / total);
    const bw = Math.fround((base?.weight ?? 0) / total);
    for (let i = 0; i < out.length; i++) {
      let v = Math.fround(sum[i] * s);
      if (base && bw !== 0) v = Math.fround(v + Math.fround(base.values[i] * bw));
      if (v - v !== 0) throw new InvalidArgumentError(`the aggregate overflowed: parameter ${i} is not finite`);
      out[i] = v;
    }
  }

  dispose(): void {}
}
