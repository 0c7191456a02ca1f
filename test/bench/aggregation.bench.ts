/**
 * Aggregation benchmark: weighted FedAvg of N float32 updates of P parameters,
 * from encoded chunk bytes (as PushUpdate delivers them) to the finished
 * average, against baselines on the same data in the same run:
 *  - numpy doing the weighted sum in place (`acc += w[i] * x[i]`, how Python FL
 *    frameworks aggregate), when python3 with numpy is installed; also numpy
 *    with a preallocated temporary (no per-update allocation), for reference;
 *  - scale each update into a new array, then sum (the naive typed-array way);
 *  - per-update TFJS op chain (acc = acc + w·x) on the active backend;
 *  - the previous fedlink path: Float32Assembler + scalar float64 loop.
 * The fedlink round path (what a round runs): every chunk as it arrives →
 * float32Sink (copy into wasm scratch, SIMD finite check, f32x4 fold into the
 * one streaming sum, sha256, append to the undo journal in a spool dir) →
 * average; and the streaming fold alone. For comparison, the staged path:
 * chunk bytes → StagedUpdate (whole update in wasm memory) → fused fold on
 * both cores → average, with and without the sha256 (the transfer's
 * integrity check, ~1.7 GB/s on one core here).
 *
 * Default: N = 10, P = 10M (BENCH_N / BENCH_P override); BENCH_FULL=1 runs
 * N ∈ {10, 100} × P ∈ {1M, 10M}. Prints GB/s of update data and ratios, then
 * one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../clients/trainer/backend';
import { FedAvgAccumulator } from '../../services/coordinator/aggregation/fedavg-accumulator';
import { chooseKernel } from '../../services/coordinator/aggregation/kernel-choice';
import { StagedUpdate } from '../../services/coordinator/aggregation/staged-update';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';
import { createJournal } from '../../services/coordinator/rounds/update-journal';
import { float32Sink } from '../../services/coordinator/rounds/update-sink';
import { chunks, Float32Assembler, float32ToBytes, sha256Hex } from '../../common/weights-codec';

/** Distinct update arrays kept in memory; larger N cycles through them (the data still streams from DRAM). */
const DISTINCT = 10;

function timeOnce(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function best(fn: () => void, repeats: number): { best: number; first: number } {
  const first = timeOnce(fn);
  let min = first;
  for (let i = 1; i < repeats; i++) min = Math.min(min, timeOnce(fn));
  return { best: min, first };
}

interface NumpyResult {
  inPlace: number;
  preallocated: number;
  info: string;
}

function numpySeconds(n: number, p: number, distinct: Float32Array[], weights: number[]): NumpyResult | undefined {
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
print(best(in_place), best(preallocated), 'numpy ' + np.__version__ + ' simd ' + simd)`;
    // Elementwise ufuncs do not go through OpenBLAS; blank its overrides anyway (env README).
    const out = execFileSync('python3', ['-c', script, file], { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: '', OPENBLAS_L2_SIZE: '' } });
    const [a, b, ...info] = out.trim().split(' ');
    return { inPlace: Number(a), preallocated: Number(b), info: info.join(' ') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One N × P case; returns its figures. */
async function runCase(N: number, P: number, backend: string): Promise<Record<string, unknown>> {
  const distinct = Array.from({ length: Math.min(N, DISTINCT) }, (_, k) => Float32Array.from({ length: P }, (_, i) => Math.sin(i * 0.001 + k)));
  const updates = Array.from({ length: N }, (_, k) => distinct[k % distinct.length]);
  const weights = updates.map((_, k) => 100 + k * 10);
  // Chunk bytes as gRPC hands them over: 1 MiB views of the little-endian update bytes.
  const encodedDistinct = distinct.map((u) => {
    const bytes = float32ToBytes(u);
    return { sha: sha256Hex(bytes), parts: [...chunks(bytes)] };
  });
  const encoded = updates.map((_, k) => encodedDistinct[k % distinct.length]);
  const gb = (N * P * 4) / 1e9;
  const slow = N * P >= 500_000_000 ? 1 : 3; // repeats for the slow baselines on the largest case

  let memoryBytes = 0;
  let kernel = '';
  const fedlink = (hash: boolean, view = false) => () => {
    const acc = new FedAvgAccumulator(P);
    kernel = acc.kernel;
    encoded.forEach((e, k) => {
      const staged = new StagedUpdate(acc, hash ? e.sha : null, k % acc.stagingSlots);
      for (const [offset, data] of e.parts) staged.write(offset, data);
      staged.fold(weights[k]);
    });
    if (view) acc.averageView();
    else acc.average();
    memoryBytes = acc.memoryBytes;
    void acc.dispose();
  };
  // What a round does: every chunk folded into one streaming sum on arrival (sha256 of each
  // update, journal in a spool dir for undo), `raw` the fold alone.
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-spool-'));
  const streaming = (raw: boolean) => () => {
    const acc = new StreamingFedAvg(P);
    encoded.forEach((e, k) => {
      if (raw) {
        const w = acc.foldWeight(weights[k]);
        for (const [offset, data] of e.parts) acc.foldBytes(offset / 4, data, w);
      } else {
        const sink = float32Sink(P, { fedavg: acc, journal: createJournal(P * 4, `bench-${k}`, { spoolDir }), numExamples: weights[k], sha256: e.sha });
        for (const [offset, data] of e.parts) sink.write(offset, data);
        sink.finish();
        sink.release();
      }
      acc.commit(weights[k], 'weights');
    });
    acc.average();
    streamingMemory = acc.memoryBytes;
    void acc.dispose();
  };
  let streamingMemory = 0;
  const round = best(streaming(false), 3);
  const roundRaw = best(streaming(true), 3);
  rmSync(spoolDir, { recursive: true, force: true });
  const ours = best(fedlink(true), 3);
  const oursNoHash = best(fedlink(false), 5);
  const oursNoHashView = best(fedlink(false, true), 5);
  // The kernel alone: the update already in wasm memory (staged once, folded N times).
  const kernelAcc = new FedAvgAccumulator(P);
  kernelAcc.stage(0).set(updates[0]);
  const kernelOnly = best(() => {
    for (let k = 0; k < N; k++) kernelAcc.foldStaged(weights[k], 0);
    kernelAcc.averageView();
  }, 3);
  await kernelAcc.dispose();
  const foldOnly = best(() => {
    const acc = new FedAvgAccumulator(P);
    updates.forEach((u, k) => acc.add(u, weights[k]));
    acc.average();
    void acc.dispose();
  }, 3);
  // Chunk by chunk, as the receivers hash (no concatenation copy).
  const hashOnly = best(() => encoded.forEach((e) => {
    const h = createHash('sha256');
    for (const [, d] of e.parts) h.update(d);
    h.digest();
  }), 2).best;
  const previous = best(() => {
    const acc = new FedAvgAccumulator(P, { kernel: 'scalar' });
    const staging = new Float32Array(P);
    encoded.forEach((e, k) => {
      const asm = new Float32Assembler(staging, e.sha);
      for (const [offset, data] of e.parts) asm.write(offset, data);
      acc.add(asm.finish(), weights[k]);
    });
    acc.average();
  }, slow).best;
  const total = weights.reduce((a, b) => a + b, 0);
  const naive = best(() => {
    const out = new Float32Array(P);
    updates.forEach((u, k) => {
      const s = u.map((v) => (v * weights[k]) / total);
      for (let i = 0; i < P; i++) out[i] += s[i];
    });
  }, slow).best;
  const tfjs = best(() => {
    let acc = tf.zeros([P]);
    updates.forEach((u, k) => {
      const next = tf.tidy(() => acc.add(tf.tensor1d(u).mul(weights[k] / total)));
      acc.dispose();
      acc = next;
    });
    acc.dataSync();
    acc.dispose();
  }, slow === 1 ? 1 : 2).best;
  const numpy = numpySeconds(N, P, distinct, weights);

  const rate = (s: number) => gb / s;
  console.log(`aggregation: FedAvg of ${N} updates × ${P.toLocaleString()} float32 (${gb.toFixed(2)} GB), TFJS backend ${backend}, kernel ${kernel}`);
  const row = (name: string, s: number | undefined, note = '') =>
    console.log(`  ${name.padEnd(52)} ${s === undefined ? 'n/a (python3-numpy missing)' : `${rate(s).toFixed(2).padStart(6)} GB/s  (${(s * 1000).toFixed(1)} ms)${note}`}`);
  row('fedlink round path: streaming fold + sha256 + journal', round.best);
  row('  streaming fold alone (chunk bytes → average)', roundRaw.best);
  row('fedlink staged (whole update, 2 cores), sha256 checked', ours.best);
  row('fedlink, chunk bytes → average, no sha256', oursNoHash.best, `  [first run, cold memory + worker start: ${rate(oursNoHash.first).toFixed(2)} GB/s]`);
  row('  same, averageView() (no copy-out of the result)', oursNoHashView.best);
  row('fedlink fold only (decoded arrays via add())', foldOnly.best);
  row('  (kernel only: data already in wasm memory)', kernelOnly.best);
  row('  (sha256 alone over the same chunks, one core)', hashOnly);
  row('baseline: previous fedlink (assembler + scalar f64)', previous);
  row('baseline: scale into new arrays, then sum', naive);
  row(`baseline: per-update TFJS ops (${backend})`, tfjs);
  row('baseline: numpy weighted sum in place', numpy?.inPlace);
  row('  (numpy with a preallocated temporary)', numpy?.preallocated);
  if (numpy) console.log(`  ${numpy.info}; fedlink kernel memory ${(memoryBytes / 2 ** 20).toFixed(0)} MiB (sum + staging + output)`);
  const r = (x: number | undefined, y: number) => (x === undefined ? undefined : Number((x / y).toFixed(3)));
  const figures = {
    n: N,
    p: P,
    kernel,
    gbps: {
      roundPath: rate(round.best),
      streamingFold: rate(roundRaw.best),
      fedlink: rate(ours.best),
      fedlinkNoHash: rate(oursNoHash.best),
      fedlinkNoHashCold: rate(oursNoHash.first),
      fedlinkNoHashView: rate(oursNoHashView.best),
      fedlinkFoldOnly: rate(foldOnly.best),
      kernelOnly: rate(kernelOnly.best),
      sha256: rate(hashOnly),
      previousScalar: rate(previous),
      scaleThenSum: rate(naive),
      tfjsOps: rate(tfjs),
      numpy: numpy && rate(numpy.inPlace),
      numpyPreallocated: numpy && rate(numpy.preallocated),
    },
    ratios: {
      roundPathVsNumpy: r(numpy?.inPlace, round.best),
      streamingFoldVsNumpy: r(numpy?.inPlace, roundRaw.best),
      roundPathVsScaleThenSum: r(naive, round.best),
      vsNumpy: r(numpy?.inPlace, ours.best),
      noHashVsNumpy: r(numpy?.inPlace, oursNoHash.best),
      noHashViewVsNumpy: r(numpy?.inPlace, oursNoHashView.best),
      noHashVsNumpyPreallocated: r(numpy?.preallocated, oursNoHash.best),
      foldOnlyVsNumpy: r(numpy?.inPlace, foldOnly.best),
      kernelOnlyVsNumpy: r(numpy?.inPlace, kernelOnly.best),
      vsScaleThenSum: r(naive, ours.best),
      noHashVsScaleThenSum: r(naive, oursNoHash.best),
      noHashVsPrevious: r(previous, oursNoHash.best),
      vsTfjsOps: r(tfjs, ours.best),
    },
    kernelMemoryBytes: memoryBytes,
    streamingMemoryBytes: streamingMemory,
  };
  const f = figures.ratios;
  console.log(
    `  round path: ${f.roundPathVsNumpy ?? 'n/a'}× numpy (fold alone ${f.streamingFoldVsNumpy ?? 'n/a'}×), ${f.roundPathVsScaleThenSum}× scale-then-sum; ` +
      `staged ratios (no sha256 / with sha256): ${f.noHashVsNumpy ?? 'n/a'}× / ${f.vsNumpy ?? 'n/a'}× numpy, ` +
      `${f.noHashVsScaleThenSum}× / ${f.vsScaleThenSum}× scale-then-sum, ${f.noHashVsPrevious}× previous fedlink`,
  );
  return figures;
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const backend = await initBackend({});
  const choice = chooseKernel({ backend });
  console.log(choice.description);
  const full = process.env.BENCH_FULL === '1';
  const cases: Array<[number, number]> = full
    ? [[10, 1_000_000], [100, 1_000_000], [10, 10_000_000], [100, 10_000_000]]
    : [[Number(process.env.BENCH_N ?? 10), Number(process.env.BENCH_P ?? 10_000_000)]];
  const results = [];
  for (const [n, p] of cases) results.push(await runCase(n, p, backend));
  console.log(JSON.stringify({ bench: 'aggregation', backend, kernel: choice.kernel, calibration: choice.calibration, cases: results }));
}
