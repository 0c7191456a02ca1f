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
 * fedlink's aggregation (what a round runs, services/coordinator/aggregation/
 * streaming-*.ts): at round open, while the clients train, the streaming sum
 * is set up and the result array reserved (timed and shown on its own); then
 * every float32 chunk as it arrives is copied into wasm scratch, checked for
 * NaN/Inf (SIMD) and folded by the f32x4 multiply-add into the one sum, and
 * the average is written into the reserved array. The same for int8 and
 * top-k 1 % + int8 deltas, decoded straight into the sum.
 *
 * The round path is what a coordinator does with float32 uploads today, on
 * one core: every chunk through the round's sink as it arrives (for a client
 * with chunk digests, XXH64 and the value bound in one wasm pass; for an older
 * client, the bound check and the sha256 of the whole), journaled where this
 * host's default journal memory policy puts it (rounds/journal-memory.ts; a
 * spooled journal is checked again as it is read back), and folded at close.
 * It is printed against two numpy baselines on the same data: Flower's
 * `aggregate_inplace` formulation (target ≥ 2×) and the weighted sum with a
 * preallocated temporary (target ≥ 1×). A breakdown shows what bounds it: the
 * copy grpc-js framing makes of each chunk, the check, the fold. For
 * comparison, the whole-update staged path (FedAvgAccumulator, both cores; a
 * bench helper in helpers/aggregation/, which rounds never run).
 *
 * Default: N = 10, P = 10M (BENCH_N / BENCH_P override); BENCH_FULL=1 runs
 * N ∈ {10, 100} × P ∈ {1M, 10M}. Prints GB/s of update data and ratios, then
 * one JSON line.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../clients/trainer/backend';
import { FedAvgAccumulator } from './helpers/aggregation/fedavg-accumulator';
import { numpySeconds } from './helpers/numpy-baselines';
import { chooseKernel } from '../../services/coordinator/aggregation/kernel-choice';
import { StagedUpdate } from './helpers/aggregation/staged-update';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';
import { createJournal, JournalBudget, type JournalOptions } from '../../services/coordinator/rounds/update-journal';
import { journalMemoryPolicy } from '../../services/coordinator/rounds/journal-memory';
import { checkFloat32Chunk, chunkDigest } from '../../common/chunk-check/chunk-checker';
import { encodedSink, float32Sink } from '../../services/coordinator/rounds/update-sink';
import { chunks, Float32Assembler, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { DEFAULT_VALUE_BOUND, encodeUpdate } from '../../common/codecs';

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

/** One N × P case; returns its figures. */
async function runCase(N: number, P: number, backend: string): Promise<Record<string, unknown>> {
  const distinct = Array.from({ length: Math.min(N, DISTINCT) }, (_, k) => Float32Array.from({ length: P }, (_, i) => Math.sin(i * 0.001 + k)));
  const updates = Array.from({ length: N }, (_, k) => distinct[k % distinct.length]);
  const weights = updates.map((_, k) => 100 + k * 10);
  // Chunk bytes as gRPC hands them over: 1 MiB views of the little-endian update bytes.
  const encodedDistinct = distinct.map((u) => {
    const bytes = float32ToBytes(u);
    const parts = [...chunks(bytes)];
    return { sha: sha256Hex(bytes), parts, digests: parts.map(([offset, data]) => chunkDigest(data, offset)) };
  });
  const encoded = updates.map((_, k) => encodedDistinct[k % distinct.length]);
  const gb = (N * P * 4) / 1e9;
  const slow = N * P >= 500_000_000 ? 1 : 3; // repeats for the slow baselines on the largest case

  let memoryBytes = 0;
  let kernel = '';
  // The whole-update path (FedAvgAccumulator: staged in wasm memory, folded on both cores).
  const staged = () => {
    const acc = new FedAvgAccumulator(P);
    kernel = acc.kernel;
    encoded.forEach((e, k) => {
      const update = new StagedUpdate(acc, null, k % acc.stagingSlots);
      for (const [offset, data] of e.parts) update.write(offset, data);
      update.fold(weights[k]);
    });
    acc.average();
    memoryBytes = acc.memoryBytes;
    // Only waits for worker threads to exit; never rejects.
    void acc.dispose();
  };
  // What a round does. At round open (while the clients train) the streaming sum is set up and
  // its result array reserved; uploads are checked and journaled as they arrive and folded at
  // close, and the average is written into the reserved array.
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-spool-'));
  const open = (sparse: boolean) => {
    const acc = new StreamingFedAvg(P);
    acc.reserveResult();
    if (sparse) acc.reserveCoverage(); // a round with top-k clients does, as it opens
    return acc;
  };
  /** Best of `repeats` timings of `body` on a freshly opened round; the opening is timed on its own. */
  const timedRound = (body: (acc: StreamingFedAvg) => void, repeats: number, sparse = false) => {
    let foldS = Infinity;
    let openS = Infinity;
    let memory = 0;
    for (let i = 0; i < repeats; i++) {
      let acc!: StreamingFedAvg;
      openS = Math.min(openS, timeOnce(() => (acc = open(sparse))));
      foldS = Math.min(foldS, timeOnce(() => body(acc)));
      memory = acc.memoryBytes;
      // Only waits for worker threads to exit; never rejects.
      void acc.dispose();
    }
    return { best: foldS, open: openS, memory };
  };
  // Without the transfer: each update already journaled in memory as its 1 MiB chunks, then
  // accepted and folded at close (canonical order) into the average.
  const foldRound = (acc: StreamingFedAvg) => {
    encoded.forEach((e, k) => {
      const journal = createJournal(P * 4, `bench-${k}`, {});
      for (const [, data] of e.parts) journal.append(data);
      acc.add({ clientId: `c${String(k).padStart(4, '0')}`, numExamples: weights[k], kind: 'weights', encoding: 'float32', journal });
    });
    acc.average();
  };
  // The round path: every chunk through the round's sink as it arrives, with the client's chunk
  // digests or the sha256 of the whole, journaled as `journals` says, then folded at close.
  const uploadRound = (digests: boolean, journals: JournalOptions) => (acc: StreamingFedAvg) => {
    encoded.forEach((e, k) => {
      const journal = createJournal(P * 4, `bench-${k}`, journals);
      placement.add(journal.spooled ? 'spooled' : 'in memory');
      const sink = float32Sink(P, digests ? { journal, sha256: '', chunkDigest: 'xxh64', bound: DEFAULT_VALUE_BOUND } : { journal, sha256: e.sha, bound: DEFAULT_VALUE_BOUND });
      e.parts.forEach(([offset, data], i) => sink.write(offset, data, digests ? e.digests[i] : undefined));
      sink.finish();
      acc.add({ clientId: `c${String(k).padStart(4, '0')}`, numExamples: weights[k], kind: 'weights', encoding: 'float32', journal: sink.handOver() });
    });
    acc.average();
  };
  // What a coordinator on this host does by default (one budget, as the coordinator has; every
  // timed round closes its journals, giving their memory back).
  const policy = journalMemoryPolicy();
  const asDefault: JournalOptions = { spoolDir, budget: new JournalBudget(policy.budgetBytes), memoryMaxBytes: policy.perUpdateBytes };
  const placement = new Set<string>();
  const roundRaw = timedRound(foldRound, 5);
  const round = timedRound(uploadRound(true, asDefault), 3);
  const roundJournals = [...placement].join(' and ');
  const roundSha256 = timedRound(uploadRound(false, asDefault), 3);
  // Every journal spooled (--journal-memory 0, or a host too small for the round): the write at
  // arrival and the checked read-back at close.
  const roundSpooled = timedRound(uploadRound(true, { spoolDir, budget: new JournalBudget(0), memoryMaxBytes: 0 }), 3);
  rmSync(spoolDir, { recursive: true, force: true });
  // The steps the round path cannot avoid on its one core: the copy grpc-js framing makes of
  // every chunk (not in the timings above, which start from chunk views) and the check.
  const receiveCopy = best(() => encoded.forEach((e) => e.parts.forEach(([, d]) => Buffer.from(d))), 3).best;
  const checkOnly = best(() => encoded.forEach((e) => e.parts.forEach(([offset, d]) => checkFloat32Chunk(d, offset, DEFAULT_VALUE_BOUND))), 3).best;
  // Encoded deltas (int8 blocks, top-k 1 % with int8 values), through the round's sinks (checked
  // as they arrive, journaled in memory) and decoded straight into the sum at close; GB/s
  // counted, like numpy's, as float32 data represented.
  const encodedCase = (encoding: string) => {
    const payloads = distinct.map((u) => {
      const bytes = Buffer.from(encodeUpdate(u, encoding));
      return { sha: sha256Hex(bytes), parts: [...chunks(bytes)], length: bytes.length };
    });
    const wireBytesPerUpdate = payloads.reduce((a, p) => a + p.length, 0) / payloads.length;
    const sparse = encoding.startsWith('topk');
    const t = timedRound((acc) => {
      updates.forEach((_, k) => {
        const p = payloads[k % payloads.length];
        const sink = encodedSink(encoding, P, p.length, { journal: createJournal(p.length, `bench-${k}`, {}), sha256: p.sha, bound: DEFAULT_VALUE_BOUND, sparseAverage: sparse });
        for (const [offset, data] of p.parts) sink.write(offset, data);
        sink.finish();
        acc.add({ clientId: `c${String(k).padStart(4, '0')}`, numExamples: weights[k], kind: sink.kind, encoding, journal: sink.handOver() });
      });
      acc.average(distinct[0]);
    }, 3, sparse);
    return { ...t, wireBytesPerUpdate };
  };
  const int8 = encodedCase('int8');
  const topk = encodedCase('topk:0.01+int8');
  const oursNoHash = best(staged, 5);
  // The kernel alone: the update already in wasm memory (staged once, folded N times).
  const kernelAcc = new FedAvgAccumulator(P);
  kernelAcc.stage(0).set(updates[0]);
  const kernelOnly = best(() => {
    for (let k = 0; k < N; k++) kernelAcc.foldStaged(weights[k], 0);
    kernelAcc.averageView();
  }, 3);
  await kernelAcc.dispose();
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
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(`aggregation: FedAvg of ${N} updates × ${P.toLocaleString()} float32 (${gb.toFixed(2)} GB), TFJS backend ${backend}, kernel ${kernel}`);
  const row = (name: string, s: number | undefined, note = '') =>
    console.log(`  ${name.padEnd(56)} ${s === undefined ? 'n/a (python3-numpy missing)' : `${rate(s).toFixed(2).padStart(6)} GB/s  (${(s * 1000).toFixed(1)} ms)${note}`}`);
  row('fedlink aggregation: chunk bytes → finished average', roundRaw.best);
  row('  + round open (sum set up, result reserved)', roundRaw.best + roundRaw.open, `  [open alone ${(roundRaw.open * 1000).toFixed(1)} ms, while clients train]`);
  row('  int8 deltas (decoded into the sum)', int8.best, `  [${mib(int8.wireBytesPerUpdate * N)} on the wire]`);
  row('  top-k 1 % + int8 deltas (decoded into the sum)', topk.best, `  [${mib(topk.wireBytesPerUpdate * N)} on the wire]`);
  row('fedlink round path: chunk digests (XXH64 + bound, wasm)', round.best, `  [journals ${roundJournals}: default policy, ${mib(policy.budgetBytes)} budget, ${mib(policy.perUpdateBytes)} per update]`);
  row('  older clients: sha256 of the whole + bound check', roundSha256.best);
  row('  chunk digests, every journal spooled (--journal-memory 0)', roundSpooled.best, '  [write at arrival, checked read-back at close]');
  row('  step: receive copy of every chunk (grpc-js framing)', receiveCopy);
  row('  step: XXH64 + bound check, one wasm pass', checkOnly);
  row('  step: fold + average from in-memory journals', roundRaw.best);
  row('  receive copy + check alone (what bounds one core)', receiveCopy + checkOnly);
  row('  (sha256 alone over the same chunks, one core)', hashOnly);
  row('fedlink staged whole updates (2 cores), no sha256', oursNoHash.best, `  [first run, cold memory + worker start: ${rate(oursNoHash.first).toFixed(2)} GB/s]`);
  row('  (kernel only: data already in wasm memory)', kernelOnly.best);
  row('baseline: previous fedlink (assembler + scalar f64)', previous);
  row('baseline: scale into new arrays, then sum', naive);
  row(`baseline: per-update TFJS ops (${backend})`, tfjs);
  row('baseline: numpy weighted sum in place', numpy?.inPlace);
  row('  (numpy with a preallocated temporary)', numpy?.preallocated);
  row("baseline: Flower's aggregate_inplace formulation (numpy)", numpy?.flower);
  // Extra memory of the aggregation: the streaming sum's wasm memory (sum, one chunk of scratch,
  // output) and the result array; no update is held.
  const extraMemory = roundRaw.memory + P * 4;
  console.log(`  ${numpy?.info ?? 'numpy missing'}; aggregation extra memory ${mib(extraMemory)} (sum + scratch + output + result) for ${mib(N * P * 4)} of updates`);
  const r = (x: number | undefined, y: number) => (x === undefined ? undefined : Number((x / y).toFixed(3)));
  const figures = {
    n: N,
    p: P,
    kernel,
    gbps: {
      aggregation: rate(roundRaw.best),
      aggregationWithOpen: rate(roundRaw.best + roundRaw.open),
      int8: rate(int8.best),
      topk: rate(topk.best),
      roundPath: rate(round.best),
      roundPathSha256: rate(roundSha256.best),
      roundPathSpooled: rate(roundSpooled.best),
      receiveCopy: rate(receiveCopy),
      check: rate(checkOnly),
      receiveCopyPlusCheck: rate(receiveCopy + checkOnly),
      sha256: rate(hashOnly),
      stagedNoHash: rate(oursNoHash.best),
      stagedNoHashCold: rate(oursNoHash.first),
      kernelOnly: rate(kernelOnly.best),
      previousScalar: rate(previous),
      scaleThenSum: rate(naive),
      tfjsOps: rate(tfjs),
      numpy: numpy && rate(numpy.inPlace),
      numpyPreallocated: numpy && rate(numpy.preallocated),
      flower: numpy && rate(numpy.flower),
    },
    openMs: roundRaw.open * 1000,
    wireBytesPerUpdate: { float32: P * 4, int8: int8.wireBytesPerUpdate, topk: topk.wireBytesPerUpdate },
    ratios: {
      aggregationVsNumpy: r(numpy?.inPlace, roundRaw.best),
      aggregationWithOpenVsNumpy: r(numpy?.inPlace, roundRaw.best + roundRaw.open),
      aggregationVsScaleThenSum: r(naive, roundRaw.best),
      aggregationVsNumpyPreallocated: r(numpy?.preallocated, roundRaw.best),
      int8VsNumpy: r(numpy?.inPlace, int8.best),
      topkVsNumpy: r(numpy?.inPlace, topk.best),
      roundPathVsNumpy: r(numpy?.inPlace, round.best),
      roundPathVsFlower: r(numpy?.flower, round.best),
      roundPathVsNumpyPreallocated: r(numpy?.preallocated, round.best),
      roundPathSha256VsFlower: r(numpy?.flower, roundSha256.best),
      roundPathSha256VsNumpyPreallocated: r(numpy?.preallocated, roundSha256.best),
      roundPathSpooledVsFlower: r(numpy?.flower, roundSpooled.best),
      roundPathSpooledVsNumpyPreallocated: r(numpy?.preallocated, roundSpooled.best),
      receiveCopyPlusCheckVsFlower: r(numpy?.flower, receiveCopy + checkOnly),
      receiveCopyPlusCheckVsNumpyPreallocated: r(numpy?.preallocated, receiveCopy + checkOnly),
      sha256VsNumpy: r(numpy?.inPlace, hashOnly),
      stagedNoHashVsNumpy: r(numpy?.inPlace, oursNoHash.best),
      kernelOnlyVsNumpy: r(numpy?.inPlace, kernelOnly.best),
      aggregationVsPrevious: r(previous, roundRaw.best),
      aggregationVsTfjsOps: r(tfjs, roundRaw.best),
    },
    roundJournals,
    journalPolicy: policy,
    extraMemoryBytes: extraMemory,
    stagedMemoryBytes: memoryBytes,
  };
  const f = figures.ratios;
  const met = (x: number | undefined, target: number) => (x === undefined ? 'n/a' : `${x}× (target ≥ ${target}×: ${x >= target ? 'met' : 'NOT met'})`);
  console.log(
    `  aggregation ${met(f.aggregationVsNumpy, 2)} numpy in place (${f.aggregationWithOpenVsNumpy ?? 'n/a'}× counting round open), ${f.aggregationVsScaleThenSum}× scale-then-sum`,
  );
  console.log(
    `  round path, chunk digests: ${met(f.roundPathVsFlower, 2)} Flower's formulation, ${met(f.roundPathVsNumpyPreallocated, 1)} preallocated numpy; ` +
      `older clients (sha256): ${f.roundPathSha256VsFlower ?? 'n/a'}× / ${f.roundPathSha256VsNumpyPreallocated ?? 'n/a'}×; every journal spooled: ${f.roundPathSpooledVsFlower ?? 'n/a'}× / ${f.roundPathSpooledVsNumpyPreallocated ?? 'n/a'}×`,
  );
  console.log(
    `  receive copy + check alone: ${f.receiveCopyPlusCheckVsFlower ?? 'n/a'}× Flower's formulation, ${f.receiveCopyPlusCheckVsNumpyPreallocated ?? 'n/a'}× preallocated numpy, before any fold`,
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
