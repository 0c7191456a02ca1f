/**
 * For the aggregation bench's staged baseline (FusedAccumulator); rounds fold
 * on one thread (services/coordinator/aggregation/streaming-sum.ts).
 *
 * Runs the wasm kernel over a shared memory on several threads: the caller's
 * thread plus worker_threads, each with its own instance of the same module
 * over the same `WasmMemory`. A job (one kernel call over n elements)
 * is cut into cache-sized pieces that every thread grabs from one atomic
 * counter, so the caller never waits for a worker that is slow to start or
 * busy: whatever pieces are left, it does itself. `run()` is synchronous (the
 * caller blocks with Atomics.wait only for pieces a worker has already begun);
 * `post()` starts a job and returns, so the caller can copy the next update's
 * chunks while a worker folds the last one, and `finish()` completes it.
 *
 * Workers are started on first use and stopped by `dispose()`; they are
 * unref'd, and also stop by themselves (within ~0.5 s) once the stop flag is
 * set, so a pool that is never disposed cannot keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { KernelExports, WasmMemory, WasmModule } from '../../../../services/coordinator/aggregation/wasm-kernel';

/** Kernel ops a pool runs (over float32: 4 bytes per element). */
export const OPS = {
  axpy: { id: 0 },
  scale: { id: 1 },
} as const;
/** A kernel op name. */
export type Op = keyof typeof OPS;
const OP_NAMES = Object.keys(OPS) as Op[];

// Control block layout (Int32 indexes), then a Uint32 parameter block and a float64 weight.
const SEQ = 0; // bumped per job; workers sleep on it
const NEXT = 1; // pieces left to grab (counts down; ≤ 0: none)
const DONE = 2; // pieces finished
const STOP = 3;
const READY = 4; // workers instantiated
const PIECES = 5;
const OP = 6;
const WORKER_PIECES = 7; // pieces done by workers, ever (for tests and stats)
const U_DST = 8; // Uint32 view indexes
const U_SRC = 9;
const U_N = 10;
const U_PIECE = 11;
const W_BYTE = 64;
const CTRL_BYTES = 72;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = [k.axpy, k.scale];
const c = new Int32Array(ctrl, 0, 16), u = new Uint32Array(ctrl, 0, 16), f = new Float64Array(ctrl, ${W_BYTE}, 1);
Atomics.add(c, ${READY}, 1);
let seen = Atomics.load(c, ${SEQ});
for (;;) {
  for (;;) {
    const left = Atomics.sub(c, ${NEXT}, 1);
    if (left <= 0) break;
    const pieces = c[${PIECES}], op = c[${OP}], len = u[${U_PIECE}], n = u[${U_N}];
    const i = pieces - left, start = i * len, count = Math.min(len, n - start);
    fns[op](u[${U_DST}] + start * 4, u[${U_SRC}] + start * 4, count, f[0]);
    Atomics.add(c, ${WORKER_PIECES}, 1);
    if (Atomics.add(c, ${DONE}, 1) + 1 === pieces) Atomics.notify(c, ${DONE});
  }
  if (Atomics.load(c, ${STOP})) break;
  Atomics.wait(c, ${SEQ}, seen, 500);
  seen = Atomics.load(c, ${SEQ});
  if (Atomics.load(c, ${STOP})) break;
}
`;

/** Live pool workers in this process (for leak checks). */
let liveWorkers = 0;
/** Number of fold-pool worker threads currently running in this process. */
export function liveFoldWorkers(): number {
  return liveWorkers;
}

/** Threads (caller + workers) over one shared kernel memory. */
export class FoldPool {
  private readonly ctrl = new SharedArrayBuffer(CTRL_BYTES);
  private readonly c = new Int32Array(this.ctrl, 0, 16);
  private readonly u = new Uint32Array(this.ctrl, 0, 16);
  private readonly w = new Float64Array(this.ctrl, W_BYTE, 1);
  private workers: Worker[] = [];
  private exits: Array<Promise<void>> = [];
  private disposed = false;
  private inFlight = false;

  /**
   * @param workerCount worker threads besides the caller (0: everything runs on the caller).
   * @param pieceElements elements per piece (rounded to a multiple of 16).
   */
  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly kernel: KernelExports,
    readonly workerCount: number,
    private readonly pieceElements = 1 << 18,
  ) {}

  /** Workers that have started and instantiated the kernel. */
  get readyWorkers(): number {
    return Atomics.load(this.c, READY);
  }

  /** Pieces the workers (not the caller) have folded so far. */
  get workerPieces(): number {
    return Atomics.load(this.c, WORKER_PIECES);
  }

  /** Workers started (ready or not). */
  get startedWorkers(): number {
    return this.workers.length;
  }

  /** Starts the workers if not yet started (non-blocking: until they are up, the caller does all pieces). */
  start(): void {
    if (this.disposed || this.workers.length > 0) return;
    for (let i = 0; i < this.workerCount; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: this.module, memory: this.memory, ctrl: this.ctrl } });
      worker.unref();
      liveWorkers++;
      this.exits.push(
        new Promise<void>((resolve) => {
          worker.once('exit', () => {
            liveWorkers--;
            resolve();
          });
          worker.once('error', () => undefined);
        }),
      );
      this.workers.push(worker);
    }
  }

  /** Runs `op` over n elements at byte pointers dst/src with scalar w, on all threads; returns when done. */
  run(op: Op, dst: number, src: number, n: number, w: number): void {
    this.post(op, dst, src, n, w);
    this.finish();
  }

  /** Whether a posted job may still be running. */
  get busy(): boolean {
    return this.inFlight;
  }

  /**
   * Starts `op` on the workers and returns at once (finishing any job still in
   * flight first); `finish()` (or the next post/run) completes it, the caller
   * taking whatever pieces the workers have not. Without workers it runs now.
   */
  post(op: Op, dst: number, src: number, n: number, w: number): void {
    this.finish();
    if (this.workers.length === 0 || n <= this.pieceElements) {
      (this.kernel[op] as (a: number, b: number, n: number, w: number) => void)(dst, src, n, w);
      return;
    }
    const len = Math.max(16, Math.ceil(this.pieceElements / 16) * 16);
    const { c, u } = this;
    u[U_DST] = dst;
    u[U_SRC] = src;
    u[U_N] = n;
    u[U_PIECE] = len;
    this.w[0] = w;
    c[OP] = OPS[op].id;
    c[PIECES] = Math.ceil(n / len);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, NEXT, c[PIECES]);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    this.inFlight = true;
  }

  /** Completes the job in flight, if any: takes the pieces left, then waits for those a worker has begun. */
  finish(): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    const { c, u } = this;
    const pieces = c[PIECES];
    const op = OP_NAMES[c[OP]];
    const fn = this.kernel[op] as (a: number, b: number, n: number, w: number) => void;
    const [dst, src, n, len, w] = [u[U_DST], u[U_SRC], u[U_N], u[U_PIECE], this.w[0]];
    for (;;) {
      const left = Atomics.sub(c, NEXT, 1);
      if (left <= 0) break;
      const start = (pieces - left) * len;
      fn(dst + start * 4, src + start * 4, Math.min(len, n - start), w);
      Atomics.add(c, DONE, 1);
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done === pieces) return;
      if (Date.now() > deadline) throw new Error(`fold worker stalled (${done}/${pieces} pieces done)`);
      Atomics.wait(c, DONE, done, 20);
    }
  }

  /** Stops the workers; resolves when every one has exited. Idempotent. */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.finish();
      this.disposed = true;
      stopPool(this.ctrl);
      // terminate() resolves with the exit code and never rejects; the exits are awaited below.
      for (const worker of this.workers) void worker.terminate();
      this.workers = [];
    }
    return Promise.all(this.exits).then(() => undefined);
  }

  /** The control block, for a finalizer that must stop the workers without holding the pool. */
  get control(): SharedArrayBuffer {
    return this.ctrl;
  }
}

/** Sets the stop flag of a pool's control block and wakes its workers (they exit on their own). */
export function stopPool(ctrl: SharedArrayBuffer): void {
  const c = new Int32Array(ctrl, 0, 16);
  Atomics.store(c, STOP, 1);
  Atomics.add(c, SEQ, 1);
  Atomics.notify(c, SEQ);
}

export { OP_NAMES };
