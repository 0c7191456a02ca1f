/**
 * The fused FedAvg kernel: a small WebAssembly SIMD module, assembled here
 * byte by byte (no toolchain needed). It imports one shared memory (so worker
 * threads can run the same code over disjoint slices of it) and exports:
 *
 *   axpy(acc, x, n, w: f32)        acc[i] += w·x[i]            f32 accumulator
 *   axpy_f64(acc, x, n, w: f64)    acc[i] += w·f64(x[i])       f64 accumulator
 *   copy(dst, src, n)              dst[i] = src[i]             (f32)
 *   copy_f64(dst, src, n)          dst[i] = f64(src[i])
 *   scale(out, src, n, s: f32)     out[i] = s·src[i]
 *   scale_f64(out, src, n, s: f64) out[i] = f32(s·src[i])      src is f64
 *   nonfinite(p, n) -> i32         1 if any of p[0..n) is NaN/±Inf
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

import { bump, F32, F64, func, get, I32, i32c, mem, name, section, set, simd, uleb, V128, vec, whileBelow } from '../../../common/wasm/assembler';
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
const f64Load = (o = 0) => mem(0x2b, 3, o);
const f32Store = (o = 0) => mem(0x38, 2, o);
const f64Store = (o = 0) => mem(0x39, 3, o);
const F32_ADD = 0x92;
const F32_MUL = 0x94;
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;
const F32_DEMOTE = 0xb6;
const F64_PROMOTE = 0xbb;
const v128Load = (o = 0) => simd(0x00, ...uleb(4), ...uleb(o));
const v128Store = (o = 0) => simd(0x0b, ...uleb(4), ...uleb(o));
const shuffle = (lanes: number[]) => simd(0x0d, ...lanes);
const I32X4_SPLAT = simd(0x11);
const F32X4_SPLAT = simd(0x13);
const F64X2_SPLAT = simd(0x14);
const I32X4_EQ = simd(0x37);
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
const V128_ANY_TRUE = simd(0x53);
const F32X4_DEMOTE_ZERO = simd(0x5e);
const F64X2_PROMOTE_LOW = simd(0x5f);
const F32X4_ADD = simd(0xe4);
const F32X4_MUL = simd(0xe6);
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** end = base + ((n & mask) << shift) */
const endOf = (end: number, base: number, n: number, mask: number, shift: number) => [
  ...get(base), ...get(n), ...i32c(mask), I32_AND, ...i32c(shift), I32_SHL, I32_ADD, ...set(end),
];

const UNROLL = [0, 16, 32, 48];

/**
 * A streaming two-pointer loop: 16 elements per vector iteration, then a scalar
 * tail. `dst`/`src` are locals 0/1, n local 2; `vecBody`/`tailBody` are the
 * per-step instructions; strides are in bytes per 16 (vector) / 1 (tail) elements.
 */
function twoPointerLoop(end: number, dstStride: number, srcStride: number, vecBody: number[], tailBody: number[]): number[] {
  const dstShift = Math.log2(dstStride / 16);
  return [
    ...endOf(end, 0, 2, -16, dstShift),
    ...whileBelow(0, end, [...vecBody, ...bump(0, dstStride), ...bump(1, srcStride)]),
    ...endOf(end, end, 2, 15, dstShift),
    ...whileBelow(0, end, [...tailBody, ...bump(0, dstStride / 16), ...bump(1, srcStride / 16)]),
  ];
}

// Function bodies. Params: 0 dst/acc, 1 src/x, 2 n, 3 w/s; locals from 4.
const axpy = func([[1, I32], [1, V128]], [
  ...get(3), ...F32X4_SPLAT, ...set(5),
  ...twoPointerLoop(4, 64, 64,
    UNROLL.flatMap((o) => [...get(0), ...get(0), ...v128Load(o), ...get(1), ...v128Load(o), ...get(5), ...F32X4_MUL, ...F32X4_ADD, ...v128Store(o)]),
    [...get(0), ...get(0), ...f32Load(), ...get(1), ...f32Load(), ...get(3), F32_MUL, F32_ADD, ...f32Store()]),
]);

// acc is f64 (8 bytes per element), x is f32: 16 elements = 128 bytes of acc, 64 of x.
const axpyF64 = func([[1, I32], [2, V128]], [
  ...get(3), ...F64X2_SPLAT, ...set(5),
  ...twoPointerLoop(4, 128, 64,
    UNROLL.flatMap((o) => [
      ...get(1), ...v128Load(o), ...set(6),
      ...get(0), ...get(0), ...v128Load(2 * o), ...get(6), ...F64X2_PROMOTE_LOW, ...get(5), ...F64X2_MUL, ...F64X2_ADD, ...v128Store(2 * o),
      ...get(0), ...get(0), ...v128Load(2 * o + 16), ...get(6), ...get(6), ...shuffle(HIGH_HALF), ...F64X2_PROMOTE_LOW, ...get(5), ...F64X2_MUL, ...F64X2_ADD, ...v128Store(2 * o + 16),
    ]),
    [...get(0), ...get(0), ...f64Load(), ...get(1), ...f32Load(), F64_PROMOTE, ...get(3), F64_MUL, F64_ADD, ...f64Store()]),
]);

const copy = func([[1, I32]], [
  ...twoPointerLoop(3, 64, 64,
    UNROLL.flatMap((o) => [...get(0), ...get(1), ...v128Load(o), ...v128Store(o)]),
    [...get(0), ...get(1), ...f32Load(), ...f32Store()]),
]);

const copyF64 = func([[1, I32], [1, V128]], [
  ...twoPointerLoop(3, 128, 64,
    UNROLL.flatMap((o) => [
      ...get(1), ...v128Load(o), ...set(4),
      ...get(0), ...get(4), ...F64X2_PROMOTE_LOW, ...v128Store(2 * o),
      ...get(0), ...get(4), ...get(4), ...shuffle(HIGH_HALF), ...F64X2_PROMOTE_LOW, ...v128Store(2 * o + 16),
    ]),
    [...get(0), ...get(1), ...f32Load(), F64_PROMOTE, ...f64Store()]),
]);

const scale = func([[1, I32], [1, V128]], [
  ...get(3), ...F32X4_SPLAT, ...set(5),
  ...twoPointerLoop(4, 64, 64,
    UNROLL.flatMap((o) => [...get(0), ...get(1), ...v128Load(o), ...get(5), ...F32X4_MUL, ...v128Store(o)]),
    [...get(0), ...get(1), ...f32Load(), ...get(3), F32_MUL, ...f32Store()]),
]);

// out is f32 (64 bytes per 16), src is f64 (128 bytes per 16).
const scaleF64 = func([[1, I32], [1, V128]], [
  ...get(3), ...F64X2_SPLAT, ...set(5),
  ...twoPointerLoop(4, 64, 128,
    UNROLL.flatMap((o) => [
      ...get(0),
      ...get(1), ...v128Load(2 * o), ...get(5), ...F64X2_MUL, ...F32X4_DEMOTE_ZERO,
      ...get(1), ...v128Load(2 * o + 16), ...get(5), ...F64X2_MUL, ...F32X4_DEMOTE_ZERO,
      ...shuffle(LOW_HALVES), ...v128Store(o),
    ]),
    [...get(0), ...get(1), ...f64Load(), ...get(3), F64_MUL, F32_DEMOTE, ...f32Store()]),
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
export const KERNEL_FUNCTIONS = ['axpy', 'axpy_f64', 'copy', 'copy_f64', 'scale', 'scale_f64', 'nonfinite'] as const;

/** The kernel's exports once instantiated. */
export interface KernelExports {
  memory: WasmMemory;
  axpy(acc: number, x: number, n: number, w: number): void;
  axpy_f64(acc: number, x: number, n: number, w: number): void;
  copy(dst: number, src: number, n: number): void;
  copy_f64(dst: number, src: number, n: number): void;
  scale(out: number, src: number, n: number, s: number): void;
  scale_f64(out: number, src: number, n: number, s: number): void;
  nonfinite(p: number, n: number): number;
}

/** Memory limits (64 KiB pages) the module's import declares; a memory passed in must be shared and fit them. */
export const MAX_PAGES = 65536;

/** The module's bytes: imports `env.memory` (shared, up to 4 GiB), re-exports it with the functions above. */
export function kernelModuleBytes(): Uint8Array {
  const tAxpy = [0x60, ...vec([[I32], [I32], [I32], [F32]]), ...vec([])];
  const tAxpy64 = [0x60, ...vec([[I32], [I32], [I32], [F64]]), ...vec([])];
  const tCopy = [0x60, ...vec([[I32], [I32], [I32]]), ...vec([])];
  const tCheck = [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])];
  const types = section(1, vec([tAxpy, tAxpy64, tCopy, tCheck]));
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(MAX_PAGES)]]));
  const fnTypes = [0, 1, 2, 2, 0, 1, 3];
  const functions = section(3, vec(fnTypes.map((t) => [t])));
  const exports = section(7, vec([
    [...name('memory'), 0x02, 0],
    ...KERNEL_FUNCTIONS.map((f, i) => [...name(f), 0x00, i]),
  ]));
  const code = section(10, vec([axpy, axpyF64, copy, copyF64, scale, scaleF64, nonfinite]));
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

/** Whether the fused wasm SIMD kernel can run here. */
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
