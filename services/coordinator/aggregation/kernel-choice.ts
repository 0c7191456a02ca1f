/**
 * Picks the accumulate kernel at start-up: TFJS ops when TFJS runs natively
 * (`tensorflow` backend, tfjs-node), else whichever of the scalar loop and the
 * fused wasm SIMD kernel a quick calibration (a few ms) measures faster. The
 * choice becomes the process default for FedAvgAccumulator; the caller logs
 * its description.
 */
import type { KernelName } from './accumulator';
import { FusedAccumulator } from './fused-accumulator';
import { ScalarAccumulator } from './scalar-accumulator';
import { wasmSimdAvailable } from './wasm-kernel';

/** Options of {@link chooseKernel}. */
export interface ChooseKernelOptions {
  /** The active TFJS backend (`tensorflow`, `wasm`, `cpu`, …). */
  backend?: string;
  /** false simulates a runtime without WebAssembly SIMD. @default detected */
  simd?: boolean;
  /** Parameters per calibration update. @default 65536 */
  calibrationSize?: number;
}

/** The kernel picked and why. */
export interface KernelChoice {
  kernel: KernelName;
  /** One line for the log: the kernel, the reason, and the calibration figures. */
  description: string;
  /** Calibration throughput in GB/s of update data, when calibrated. */
  calibration?: { scalar: number; wasm: number };
}

let processDefault: KernelChoice | undefined;

/** Chooses the kernel (see the file comment) and makes it the process default. */
export function chooseKernel(options: ChooseKernelOptions = {}): KernelChoice {
  processDefault = decide(options);
  return processDefault;
}

/** The process default kernel: the last chooseKernel result, else one calibrated now without a backend. */
export function defaultKernel(): KernelChoice {
  return (processDefault ??= decide({}));
}

function decide(options: ChooseKernelOptions): KernelChoice {
  if (options.backend === 'tensorflow') {
    return { kernel: 'tfjs', description: 'aggregation kernel: tfjs (TFJS backend is native tensorflow; ops run in libtensorflow)' };
  }
  const on = options.backend ? ` (TFJS backend ${options.backend})` : '';
  if (options.simd === false || !wasmSimdAvailable()) {
    return { kernel: 'scalar', description: `aggregation kernel: scalar loop${on}: WebAssembly SIMD unavailable` };
  }
  const size = options.calibrationSize ?? 65536;
  const calibration = { scalar: rate(() => new ScalarAccumulator(size), size), wasm: rate(() => new FusedAccumulator(size, { threads: 1 }), size) };
  const kernel = calibration.wasm >= calibration.scalar ? 'wasm-simd' : 'scalar';
  const figures = `calibrated wasm-simd ${calibration.wasm.toFixed(1)} GB/s vs scalar ${calibration.scalar.toFixed(1)} GB/s on ${size} params`;
  return {
    kernel,
    calibration,
    description: `aggregation kernel: ${kernel === 'wasm-simd' ? 'fused wasm SIMD (f32x4)' : 'scalar loop'}${on}; ${figures}`,
  };
}

/** Best-of GB/s of folding 4 updates of `size` floats (a few ms in all). */
function rate(make: () => { stage(): Float32Array; foldStaged(w: number): void; average(): Float32Array; dispose(): Promise<void> }, size: number): number {
  let best = Infinity;
  for (let rep = 0; rep < 4; rep++) {
    const acc = make();
    const x = acc.stage();
    for (let i = 0; i < size; i++) x[i] = (i % 17) * 0.25;
    const t = process.hrtime.bigint();
    for (let k = 0; k < 4; k++) acc.foldStaged(1 + k);
    best = Math.min(best, Number(process.hrtime.bigint() - t));
    // Only waits for worker threads to exit; never rejects.
    void acc.dispose();
  }
  return (4 * size * 4) / Math.max(best, 1);
}
