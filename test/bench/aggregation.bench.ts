/**
 * Aggregation benchmark: weighted FedAvg of N float32 updates of P parameters,
 * from encoded chunk bytes (as PushUpdate delivers them) to the finished
 * average, against baselines on the same data in the same run:
 *  - scale each update into a new array, then sum (the naive typed-array way);
 *  - per-update TFJS op chain (acc = acc + w·x) on the active backend;
 *  - numpy doing the weighted sum in place (how Python FL frameworks aggregate),
 *    when python3 with numpy is installed.
 * Prints GB/s of update data and ratios, then one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../clients/trainer/backend';
import { FedAvgAccumulator } from '../../services/coordinator/aggregation/fedavg-accumulator';
import { chunks, Float32Assembler, float32ToBytes, sha256Hex } from '../../common/weights-codec';

const N = Number(process.env.BENCH_N ?? 10);
const P = Number(process.env.BENCH_P ?? 1_000_000);

function best(fn: () => void, repeats = 3): number {
  let min = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return min;
}

function numpySeconds(updates: Float32Array[], weights: number[]): number | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-'));
  try {
    const file = path.join(dir, 'updates.f32');
    writeFileSync(file, Buffer.concat(updates.map((u) => float32ToBytes(u))));
    const script = `
import sys, time, numpy as np
n, p = ${N}, ${P}
w = np.array([${weights.join(',')}], dtype=np.float32); w /= w.sum()
data = np.fromfile(sys.argv[1], dtype='<f4').reshape(n, p)
best = 1e9
for _ in range(3):
    t = time.perf_counter()
    acc = np.zeros(p, dtype=np.float32)
    for i in range(n):
        acc += w[i] * data[i]
    best = min(best, time.perf_counter() - t)
print(best)`;
    const out = execFileSync('python3', ['-c', script, file], { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: '', OPENBLAS_L2_SIZE: '' } });
    return Number(out.trim());
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const backend = await initBackend({});
  const updates = Array.from({ length: N }, (_, k) => Float32Array.from({ length: P }, (_, i) => Math.sin(i * 0.001 + k)));
  const weights = updates.map((_, k) => 100 + k * 10);
  const encoded = updates.map((u) => {
    const bytes = float32ToBytes(u);
    return { sha: sha256Hex(bytes), parts: [...chunks(bytes)].map(([offset, data]) => [offset, Buffer.from(data)] as const) };
  });
  const gb = (N * P * 4) / 1e9;

  // fedlink: decode + validate chunks into a staging buffer (sha256 included), fold, average.
  const staging = new Float32Array(P);
  const ours = best(() => {
    const acc = new FedAvgAccumulator(P);
    encoded.forEach((e, k) => {
      const asm = new Float32Assembler(staging, e.sha);
      for (const [offset, data] of e.parts) asm.write(offset, data);
      acc.add(asm.finish(), weights[k]);
    });
    acc.average();
  });
  // Same path without the sha256, to show what the integrity check costs.
  const oursNoHash = best(() => {
    const acc = new FedAvgAccumulator(P);
    updates.forEach((u, k) => acc.add(u, weights[k]));
    acc.average();
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const naive = best(() => {
    const scaled = updates.map((u, k) => u.map((v) => (v * weights[k]) / total));
    const out = new Float32Array(P);
    for (const s of scaled) for (let i = 0; i < P; i++) out[i] += s[i];
  });
  const tfjs = best(() => {
    let acc = tf.zeros([P]);
    updates.forEach((u, k) => {
      const next = tf.tidy(() => acc.add(tf.tensor1d(u).mul(weights[k] / total)));
      acc.dispose();
      acc = next;
    });
    acc.dataSync();
    acc.dispose();
  }, 2);
  const numpy = numpySeconds(updates, weights);

  const rate = (s: number) => gb / s;
  console.log(`aggregation: FedAvg of ${N} updates × ${P.toLocaleString()} float32 (${gb.toFixed(2)} GB), TFJS backend ${backend}`);
  const row = (name: string, s: number | undefined) =>
    console.log(`  ${name.padEnd(46)} ${s === undefined ? 'n/a (python3-numpy missing)' : `${rate(s).toFixed(2)} GB/s  (${(s * 1000).toFixed(0)} ms)`}`);
  row('fedlink, from encoded chunks (sha256 checked)', ours);
  row('fedlink fold only (decoded arrays, no sha256)', oursNoHash);
  row('baseline: scale into new arrays, then sum', naive);
  row(`baseline: per-update TFJS ops (${backend})`, tfjs);
  row('baseline: numpy weighted sum in place', numpy);
  const figures = {
    bench: 'aggregation', n: N, p: P, backend,
    gbps: { fedlink: rate(ours), fedlinkFoldOnly: rate(oursNoHash), scaleThenSum: rate(naive), tfjsOps: rate(tfjs), numpy: numpy && rate(numpy) },
    ratios: { vsScaleThenSum: naive / ours, vsTfjsOps: tfjs / ours, foldOnlyVsTfjsOps: tfjs / oursNoHash, vsNumpy: numpy && numpy / ours, foldOnlyVsNumpy: numpy && numpy / oursNoHash },
  };
  console.log(`  ratios: ${figures.ratios.vsScaleThenSum.toFixed(2)}× scale-then-sum, ${figures.ratios.vsTfjsOps.toFixed(1)}× TFJS ops${numpy ? `, ${figures.ratios.vsNumpy!.toFixed(2)}× numpy (fold only: ${figures.ratios.foldOnlyVsNumpy!.toFixed(2)}×)` : ''}`);
  console.log(JSON.stringify(figures));
}
