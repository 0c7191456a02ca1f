import { describe, expect, it } from 'vitest';
import { instantiateKernel, kernelModule, kernelModuleBytes, sharedMemory, wasmSimdAvailable } from '../../services/coordinator/aggregation/wasm-kernel';

/** Deterministic pseudo-random floats in [-scale, scale). */
function random(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

const LENGTHS = [0, 1, 2, 3, 4, 5, 15, 16, 17, 31, 33, 64, 100, 1001, 4099];

describe('aggregation wasm kernel', () => {
  const module = kernelModule()!;
  const memory = sharedMemory(64); // 4 MiB
  const k = instantiateKernel(module, memory);
  const f32 = new Float32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  // Regions (byte offsets): A f32 at 0, X f32 at 1 MiB, D f64 at 2 MiB.
  const A = 0;
  const X = 1 << 20;
  const D = 2 << 20;

  it('aggregation wasm kernel - is valid wasm with SIMD and exports the functions', () => {
    expect(wasmSimdAvailable()).toBe(true);
    const api = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(api.validate(kernelModuleBytes())).toBe(true);
    expect(Object.keys(k).sort()).toEqual(['axpy', 'axpy_f64', 'copy', 'copy_f64', 'memory', 'nonfinite', 'scale', 'scale_f64']);
  });

  it('aggregation wasm kernel - axpy matches the scalar reference for every length, leaving the rest untouched', () => {
    for (const n of LENGTHS) {
      const acc = random(n + 8, n + 1);
      const x = random(n + 8, n + 1000);
      const w = 0.37 + n;
      f32.set(acc, A / 4);
      f32.set(x, X / 4);
      k.axpy(A, X, n, w);
      const want = Float32Array.from(acc, (a, i) => (i < n ? Math.fround(a + Math.fround(Math.fround(w) * x[i])) : a));
      expect(Array.from(f32.subarray(A / 4, A / 4 + n + 8)), `n=${n}`).toEqual(Array.from(want));
    }
  });

  it('aggregation wasm kernel - axpy_f64, copy_f64 and scale_f64 match float64 references', () => {
    for (const n of LENGTHS) {
      const x = random(n + 4, n + 7);
      const start = Float64Array.from(random(n + 4, n + 9), (v) => v * 1e3);
      f32.set(x, X / 4);
      f64.set(start, D / 8);
      k.axpy_f64(D, X, n, 1.5e-3);
      const want = Float64Array.from(start, (a, i) => (i < n ? a + 1.5e-3 * x[i] : a));
      expect(Array.from(f64.subarray(D / 8, D / 8 + n + 4)), `axpy_f64 n=${n}`).toEqual(Array.from(want));
      k.copy_f64(D, X, n);
      expect(Array.from(f64.subarray(D / 8, D / 8 + n)), `copy_f64 n=${n}`).toEqual(Array.from(x.subarray(0, n)));
      f64.set(want, D / 8);
      f32.fill(7, A / 4, A / 4 + n + 4);
      k.scale_f64(A, D, n, 1 / 3);
      const scaled = Float32Array.from({ length: n + 4 }, (_, i) => (i < n ? want[i] * (1 / 3) : 7));
      expect(Array.from(f32.subarray(A / 4, A / 4 + n + 4)), `scale_f64 n=${n}`).toEqual(Array.from(scaled));
    }
  });

  it('aggregation wasm kernel - copy and scale match for every length', () => {
    for (const n of LENGTHS) {
      const x = random(n + 4, n + 3);
      f32.set(x, X / 4);
      f32.fill(9, A / 4, A / 4 + n + 4);
      k.copy(A, X, n);
      expect(Array.from(f32.subarray(A / 4, A / 4 + n + 4))).toEqual(Array.from(x.subarray(0, n)).concat([9, 9, 9, 9]));
      k.scale(A, X, n, 0.125);
      expect(Array.from(f32.subarray(A / 4, A / 4 + n))).toEqual(Array.from(x.subarray(0, n), (v) => v * 0.125));
    }
  });

  it('aggregation wasm kernel - nonfinite flags NaN and ±Inf anywhere, and nothing else', () => {
    for (const n of LENGTHS.filter((l) => l > 0)) {
      const x = random(n, n, 3e38);
      x[0] = -0;
      if (n > 1) x[n - 1] = 1e-45; // subnormal
      f32.set(x, X / 4);
      expect(k.nonfinite(X, n), `clean n=${n}`).toBe(0);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of new Set([0, n >> 1, n - 1])) {
          f32[X / 4 + at] = bad;
          expect(k.nonfinite(X, n), `n=${n} ${bad} at ${at}`).toBe(1);
          expect(k.nonfinite(X, at), `before n=${n} at ${at}`).toBe(0);
          f32[X / 4 + at] = x[at];
        }
      }
    }
    expect(k.nonfinite(X, 0)).toBe(0);
  });
});
