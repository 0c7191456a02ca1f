/**
 * The wasm SIMD kernel a round's streaming sum folds with (streaming-sum.ts):
 * a small WebAssembly module, assembled here byte by byte (no toolchain
 * needed). It exports:
 *
 *   axpy(acc, x, n, w: f32)        acc[i] += w·x[i]
 *   scale(out, src, n, s: f32)     out[i] = s·src[i]
 *   nonfinite(p, n) -> i32         1 if any of p[0..n) is NaN/±Inf
 *
 * and imports its memory. That memory is shared: a round folds on one thread,
 * but the aggregation bench's staged baseline (test/bench/helpers/aggregation/)
 * runs this same module on worker threads over one memory.
 *
 * Pointers are byte offsets into the memory, n is a count of elements. Each
 * loop does 16 floats per iteration as four f32x4 lanes groups, then a scalar
 * tail, so any n (including 0 and 1) is fine. In WAT, `axpy` reads:
 *
 *   (func $axpy (param $acc i32) (param $x i32) (param $n i32) (param $w f32)
 *     (local $end i32) (local $wv v128)
 *     (local.set $wv (f32x4.splat (local.get $w)))
 *     (local.set $end (i32.add (local.get $acc) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
 *     (block $done (loop $vec
 *       (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
 *       ;; ×4, at offsets 0, 16, 32, 48:
 *       (v128.store offset=0 (local.get $acc)
 *         (f32x4.add (v128.load offset=0 (local.get $acc))
 *                    (f32x4.mul (v128.load offset=0 (local.get $x)) (local.get $wv))))
 *       (local.set $acc (i32.add (local.get $acc) (i32.const 64)))
 *       (local.set $x (i32.add (local.get $x) (i32.const 64)))
 *       (br $vec)))
 *     (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 15)) (i32.const 2))))
 *     (block $tdone (loop $tail
 *       (br_if $tdone (i32.ge_u (local.get $acc) (local.get $end)))
 *       (f32.store (local.get $acc) (f32.add (f32.load (local.get $acc)) (f32.mul (f32.load (local.get $x)) (local.get $w))))
 *       (local.set $acc (i32.add (local.get $acc) (i32.const 4)))
 *       (local.set $x (i32.add (local.get $x) (i32.const 4)))
 *       (br $tail))))
 *
 * The others follow the same shape.
 */

import { bump, F32, func, get, I32, i32c, mem, name, section, set, simd, uleb, V128, vec, whileBelow } from '../../../common/wasm/assembler';
import { Wasm, type WasmMemory, type WasmModule } from '../../../common/wasm/api';

export type { WasmMemory, WasmModule } from '../../../common/wasm/api';

// Instructions.
const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_SHL = 0x74;
const I32_EQ = 0x46;
const i32Load = (o = 0) => mem(0x28, 2, o);
const f32Load = (o = 0) => mem(0x2a, 2, o);
const f32Store = (o = 0) => mem(0x38, 2, o);
const F32_ADD = 0x92;
const F32_MUL = 0x94;
const v128Load = (o = 0) => simd(0x00, ...uleb(4), ...uleb(o));
const v128Store = (o = 0) => simd(0x0b, ...uleb(4), ...uleb(o));
const I32X4_SPLAT = simd(0x11);
const F32X4_SPLAT = simd(0x13);
const I32X4_EQ = simd(0x37);
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
const V128_ANY_TRUE = simd(0x53);
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);

/** end = base + ((n & mask) << shift) */
const endOf = (end: number, base: number, n: number, mask: number, shift: number) => [
  ...get(base), ...get(n), ...i32c(mask), I32_AND, ...i32c(shift), I32_SHL, I32_ADD, ...set(end),
];

const UNROLL = [0, 16, 32, 48];

/**
 * A streaming two-pointer loop over float32: 16 elements (64 bytes) per vector
 * iteration, then a scalar tail. `dst`/`src` are locals 0/1, n local 2;
 * `vecBody`/`tailBody` are the per-step instructions.
 */
function twoPointerLoop(end: number, vecBody: number[], tailBody: number[]): number[] {
  return [
    ...endOf(end, 0, 2, -16, 2),
    ...whileBelow(0, end, [...vecBody, ...bump(0, 64), ...bump(1, 64)]),
    ...endOf(end, end, 2, 15, 2),
    ...whileBelow(0, end, [...tailBody, ...bump(0, 4), ...bump(1, 4)]),
  ];
}

// Function bodies. Params: 0 dst/acc, 1 src/x, 2 n, 3 w/s; locals from 4.
const axpy = func([[1, I32], [1, V128]], [
  ...get(3), ...F32X4_SPLAT, ...set(5),
  ...twoPointerLoop(4,
    UNROLL.flatMap((o) => [...get(0), ...get(0), ...v128Load(o), ...get(1), ...v128Load(o), ...get(5), ...F32X4_MUL, ...F32X4_ADD, ...v128Store(o)]),
    [...get(0), ...get(0), ...f32Load(), ...get(1), ...f32Load(), ...get(3), F32_MUL, F32_ADD, ...f32Store()]),
]);

const scale = func([[1, I32], [1, V128]], [
  ...get(3), ...F32X4_SPLAT, ...set(5),
  ...twoPointerLoop(4,
    UNROLL.flatMap((o) => [...get(0), ...get(1), ...v128Load(o), ...get(5), ...F32X4_MUL, ...v128Store(o)]),
    [...get(0), ...get(1), ...f32Load(), ...get(3), F32_MUL, ...f32Store()]),
]);

/** Lanes of the v128 at p+o whose exponent bits are all ones (NaN/±Inf), as all-ones lanes. Mask in local 3. */
const isNonFinite = (o: number) => [...get(0), ...v128Load(o), ...get(3), ...V128_AND, ...get(3), ...I32X4_EQ];

// nonfinite(p, n): params 0 p, 1 n; locals 2 end, 3 mask v128, 4 hits v128, 5 scalar hit i32.
const EXP = 0x7f800000;
const nonfinite = func([[1, I32], [2, V128], [1, I32]], [
  ...i32c(EXP), ...I32X4_SPLAT, ...set(3),
  ...get(0), ...get(1), ...i32c(-16), I32_AND, ...i32c(2), I32_SHL, I32_ADD, ...set(2),
  ...whileBelow(0, 2, [
    // hits |= (e0 | e1) | (e2 | e3): one dependent op per 16 floats.
    ...get(4),
    ...isNonFinite(0), ...isNonFinite(16), ...V128_OR,
    ...isNonFinite(32), ...isNonFinite(48), ...V128_OR,
    ...V128_OR, ...V128_OR, ...set(4),
    ...bump(0, 64),
  ]),
  ...get(2), ...get(1), ...i32c(15), I32_AND, ...i32c(2), I32_SHL, I32_ADD, ...set(2),
  ...whileBelow(0, 2, [
    ...get(5), ...get(0), ...i32Load(), ...i32c(EXP), I32_AND, ...i32c(EXP), I32_EQ, I32_OR, ...set(5),
    ...bump(0, 4),
  ]),
  ...get(4), ...V128_ANY_TRUE, ...get(5), I32_OR,
]);

/** Export names, in function index order. */
export const KERNEL_FUNCTIONS = ['axpy', 'scale', 'nonfinite'] as const;

/** The kernel's exports once instantiated. */
export interface KernelExports {
  memory: WasmMemory;
  axpy(acc: number, x: number, n: number, w: number): void;
  scale(out: number, src: number, n: number, s: number): void;
  nonfinite(p: number, n: number): number;
}

/** Memory limits (64 KiB pages) the module's import declares; a memory passed in must be shared and fit them. */
export const MAX_PAGES = 65536;

/** The module's bytes: imports `env.memory` (shared, up to 4 GiB), re-exports it with the functions above. */
export function kernelModuleBytes(): Uint8Array {
  const tAxpy = [0x60, ...vec([[I32], [I32], [I32], [F32]]), ...vec([])];
  const tCheck = [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])];
  const types = section(1, vec([tAxpy, tCheck]));
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(MAX_PAGES)]]));
  const fnTypes = [0, 0, 1];
  const functions = section(3, vec(fnTypes.map((t) => [t])));
  const exports = section(7, vec([
    [...name('memory'), 0x02, 0],
    ...KERNEL_FUNCTIONS.map((f, i) => [...name(f), 0x00, i]),
  ]));
  const code = section(10, vec([axpy, scale, nonfinite]));
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...functions, ...exports, ...code]);
}

let compiled: WasmModule | null | undefined;

/**
 * The compiled kernel, or null when this runtime has no WebAssembly SIMD or no
 * shared wasm memory (then callers fall back to the scalar loop).
 */
export function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      const bytes = kernelModuleBytes();
      compiled = Wasm && Wasm.validate(bytes) ? new Wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Whether the wasm SIMD kernel can run here. */
export function wasmSimdAvailable(): boolean {
  return kernelModule() !== null;
}

/** A shared memory of `pages` 64 KiB pages (all reserved up front; the OS commits pages only as they are touched). */
export function sharedMemory(pages: number): WasmMemory {
  return new Wasm!.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Instantiates the kernel over `memory`. */
export function instantiateKernel(module: WasmModule, memory: WasmMemory): KernelExports {
  const instance = new Wasm!.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
