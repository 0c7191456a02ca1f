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
  // Regions (byte offsets): A at 0, X at 1 MiB.
  const A = 0;
  const X = 1 << 20;

  it('aggregation wasm kernel - is valid wasm with SIMD and exports the functions', () => {
    expect(wasmSimdAvailable()).toBe(true);
    const api = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    expect(api.validate(kernelModuleBytes())).toBe(true);
    expect(Object.keys(k).sort()).toEqual(['axpy', 'memory', 'nonfinite', 'scale']);
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

  it('aggregation wasm kernel - scale matches for every length, leaving the rest untouched', () => {
    for (const n of LENGTHS) {
      const x = random(n + 4, n + 3);
      f32.set(x, X / 4);
      f32.fill(9, A / 4, A / 4 + n + 4);
      k.scale(A, X, n, 0.125);
      expect(Array.from(f32.subarray(A / 4, A / 4 + n + 4))).toEqual(Array.from(x.subarray(0, n), (v) => v * 0.125).concat([9, 9, 9, 9]));
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
