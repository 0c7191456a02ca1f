/**
 * Picks the kernel a round's streaming sum folds on (streaming-sum.ts), once
 * per process: the scalar loop where WebAssembly SIMD is unavailable, else
 * whichever of the scalar loop and the wasm SIMD kernel a quick calibration of
 * the streaming sum itself (a few ms) measures faster. Both kernels give the
 * same bits, so the choice changes speed only. The coordinator calls
 * chooseKernel when it creates its first run and logs the description;
 * StreamingFedAvg takes defaultKernel().
 */
import { float32ToBytes } from '../../../common/weights-codec';
import { createStreamingSum, type StreamingKernel } from './streaming-sum';
import { wasmSimdAvailable } from './wasm-kernel';

/** Options of {@link chooseKernel}. */
export interface ChooseKernelOptions {
  /** The active TFJS backend, named in the log line only: the streaming sum never runs on TFJS. */
  backend?: string;
  /** false simulates a runtime without WebAssembly SIMD. @default detected */
  simd?: boolean;
  /** Parameters per calibration update. @default 65536 */
  calibrationSize?: number;
}

/** The kernel picked and why. */
export interface KernelChoice {
  kernel: StreamingKernel;
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

/** The process default kernel: the last chooseKernel result, else one calibrated now. */
export function defaultKernel(): KernelChoice {
  return (processDefault ??= decide({}));
}

function decide(options: ChooseKernelOptions): KernelChoice {
  const on = options.backend ? `, whatever the TFJS backend (${options.backend})` : '';
  if (options.simd === false || !wasmSimdAvailable()) {
    return { kernel: 'scalar', description: `aggregation kernel: scalar loop${on}: WebAssembly SIMD unavailable` };
  }
  const size = options.calibrationSize ?? 65536;
  const bytes = float32ToBytes(Float32Array.from({ length: size }, (_, i) => (i % 17) * 0.25));
  const calibration = { scalar: rate('scalar', bytes), wasm: rate('wasm-simd', bytes) };
  const kernel = calibration.wasm >= calibration.scalar ? 'wasm-simd' : 'scalar';
  const figures = `calibrated wasm-simd ${calibration.wasm.toFixed(1)} GB/s vs scalar ${calibration.scalar.toFixed(1)} GB/s on ${size} params`;
  return {
    kernel,
    calibration,
    description: `aggregation kernel: ${kernel === 'wasm-simd' ? 'wasm SIMD (f32x4)' : 'scalar loop'}${on}; ${figures}`,
  };
}

/** Best-of GB/s of folding 4 chunks of `bytes` into a streaming sum on `kernel` (a few ms in all). */
function rate(kernel: StreamingKernel, bytes: Uint8Array): number {
  const size = bytes.length / 4;
  let best = Infinity;
  for (let rep = 0; rep < 4; rep++) {
    const sum = createStreamingSum(size, kernel);
    const t = process.hrtime.bigint();
    for (let k = 0; k < 4; k++) sum.foldBytes(0, bytes, 1 + k);
    best = Math.min(best, Number(process.hrtime.bigint() - t));
    sum.dispose();
  }
  return (4 * bytes.length) / Math.max(best, 1);
}
