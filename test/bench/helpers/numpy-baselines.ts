/**
 * numpy on the same updates, for the aggregation benches' baselines: a weighted
 * sum in place (how Python FL frameworks aggregate), the same with a
 * preallocated temporary, and Flower's aggregate_inplace formulation.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { float32ToBytes } from '../../../common/weights-codec';

/** Seconds (best of 3) of each numpy formulation, and numpy's version and SIMD features. */
export interface NumpyResult {
  inPlace: number;
  preallocated: number;
  /** Flower's aggregate_inplace formulation. */
  flower: number;
  info: string;
}

export function numpySeconds(n: number, p: number, distinct: Float32Array[], weights: number[]): NumpyResult | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-'));
  try {
    const file = path.join(dir, 'updates.f32');
    writeFileSync(file, Buffer.concat(distinct.map((u) => float32ToBytes(u))));
    const script = `
import sys, time, numpy as np
n, p, d = ${n}, ${p}, ${distinct.length}
w = np.array([${weights.join(',')}], dtype=np.float32); w /= w.sum()
data = np.fromfile(sys.argv[1], dtype='<f4').reshape(d, p)
def in_place():
    acc = np.zeros(p, dtype=np.float32)
    for i in range(n):
        acc += w[i] * data[i % d]
def flower():
    # flwr aggregate_inplace's formulation: a decoded copy per update, scaled in place, added in place.
    acc = np.zeros(p, dtype=np.float32)
    for i in range(n):
        x = np.array(data[i % d], copy=True); np.multiply(x, w[i], out=x); np.add(acc, x, out=acc)
def preallocated():
    acc = np.zeros(p, dtype=np.float32); tmp = np.empty(p, dtype=np.float32)
    for i in range(n):
        np.multiply(data[i % d], w[i], out=tmp); acc += tmp
def best(f):
    b = 1e9
    for _ in range(3):
        t = time.perf_counter(); f(); b = min(b, time.perf_counter() - t)
    return b
try:
    from numpy._core._multiarray_umath import __cpu_features__ as cf, __cpu_dispatch__ as cd
    simd = ','.join(x for x in cd if cf.get(x))
except Exception:
    simd = '?'
print(best(in_place), best(preallocated), best(flower), 'numpy ' + np.__version__ + ' simd ' + simd)`;
    // Elementwise ufuncs do not go through OpenBLAS; blank its overrides anyway (env README).
    const out = execFileSync('python3', ['-c', script, file], { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: '', OPENBLAS_L2_SIZE: '' } });
    const [a, b, c, ...info] = out.trim().split(' ');
    return { inPlace: Number(a), preallocated: Number(b), flower: Number(c), info: info.join(' ') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
