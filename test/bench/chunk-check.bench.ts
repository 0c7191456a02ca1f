/**
 * The per-chunk check of an upload (docs/aggregation.md, "The per-chunk check").
 *
 * 1. Candidates, one core, on 1 MiB chunks of float32 values: node:crypto's
 *    sha256, sha1 and md5; CRC-32 (node:zlib's native one; Node has no CRC32C
 *    and wasm no crc32 instruction, so CRC32C is measured as the table-driven
 *    slicing-by-8 in JS and in wasm); XXH64 in wasm (the chunk copied into wasm
 *    memory first, as the coordinator does) and XXH64 fused with the update
 *    value bound check; the bound check alone, in JS (firstOutOfBound) and in
 *    wasm SIMD.
 * 2. The round path as `npm run bench -- aggregation` measures it (N updates ×
 *    P float32 as 1 MiB chunks → finished average, journals spooled to a
 *    file), broken down step by step, then whole: with the sha256 of the whole
 *    (what a client without chunk digests sends) and with XXH64 chunk digests.
 *    The client's side too: sha256 of the whole against a digest per chunk.
 * 3. The gRPC upload path on loopback: the daemon's `pushUpdate` into the real
 *    PushUpdate handler, receiver and sink (journal spooled, no fold), plaintext
 *    and mutual TLS, with the sha256 of the whole and with chunk digests, the four
 *    alternated, BENCH_UPLOAD_REPEATS (3) times, a BENCH_UPLOAD_MB (100) MB update:
 *    what share of an upload's CPU the check is. BENCH_UPLOAD=0 skips it.
 *
 * The round path's targets are set against numpy on the same data in the same
 * run (when python3 with numpy is installed): Flower's `aggregate_inplace`
 * formulation (≥ 2×) and the weighted sum with a preallocated temporary (≥ 1×),
 * as in the aggregation bench.
 *
 * N = 10, P = 10M by default (BENCH_N, BENCH_P). Ratios are against the
 * sha256 round path and numpy measured in the same run. Ends with one JSON line.
 */
import { numpySeconds } from './helpers/numpy-baselines';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { checkFloat32Chunk, chunkDigest, digestFromBytes, float32OutOfBound, xxh64 } from '../../common/chunk-check/chunk-checker';
import { DEFAULT_VALUE_BOUND, firstOutOfBound } from '../../common/codecs';
import { Wasm } from '../../common/wasm/api';
import { func, funcType, get, I32, i32c, mem, moduleBytes, name, section, set, uleb, vec, whileBelow, bump } from '../../common/wasm/assembler';
import { chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import * as grpc from '@grpc/grpc-js';
import { systemClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import type { TlsMaterial } from '../../common/pki/files';
import { pushUpdate } from '../../clients/daemon/push-update';
import { loadFedlinkProto } from '../../proto/loader';
import { createAuthHook, noAuth } from '../../services/coordinator/auth/auth-hook';
import { UpdateReceiver } from '../../services/coordinator/rounds/update-receiver';
import { createFleetService } from '../../services/coordinator/rpc/fleet-service';
import { DEFAULT_RECEIVE_WINDOW_BYTES, raiseReceiveWindows } from '../../services/coordinator/rpc/receive-window';
import { serverCredentials } from '../../services/coordinator/rpc/server-credentials';
import type { RunManager } from '../../services/coordinator/run-manager';
import { createTestPki } from '../helpers/pki';
import { CLIENT_ID, makeClient } from './helpers/fedlink-transfers';
import { benchRegistry, cpuSeconds, median } from './helpers/transfer-rig';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';
import { createStreamingSum } from '../../services/coordinator/aggregation/streaming-sum';
import { createJournal, JournalBudget, type UpdateJournal } from '../../services/coordinator/rounds/update-journal';
import { float32Sink } from '../../services/coordinator/rounds/update-sink';

const MiB = 1 << 20;

function timeOnce(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function best(fn: () => void, repeats = 3): number {
  let min = Infinity;
  for (let i = 0; i < repeats; i++) min = Math.min(min, timeOnce(fn));
  return min;
}

// ---- CRC32C (Castagnoli), slicing-by-8: eight 256-entry tables ----

function crc32cTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let i = 0; i < 256; i++) for (let s = 1; s < 8; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i] >>> 8) ^ t[t[(s - 1) * 256 + i] & 255];
  return t;
}
const T = crc32cTables();

function crc32cJs(buf: Uint8Array): number {
  let c = ~0;
  const words = buf.length >> 3;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  for (let w = 0; w < words; w++) {
    const a = c ^ dv.getInt32(w * 8, true);
    const b = dv.getInt32(w * 8 + 4, true);
    c = T[1792 + (a & 255)] ^ T[1536 + ((a >>> 8) & 255)] ^ T[1280 + ((a >>> 16) & 255)] ^ T[1024 + (a >>> 24)] ^
      T[768 + (b & 255)] ^ T[512 + ((b >>> 8) & 255)] ^ T[256 + ((b >>> 16) & 255)] ^ T[b >>> 24];
  }
  for (let i = words * 8; i < buf.length; i++) c = T[(c ^ buf[i]) & 255] ^ (c >>> 8);
  return ~c >>> 0;
}

/** crc32c(p, n) -> i32 over wasm memory; tables at 0..8 KiB, data after. Same slicing-by-8 as crc32cJs. */
function crc32cWasm(): { run(data: Uint8Array): number } | undefined {
  if (!Wasm) return undefined;
  const [p, n, c, end, a, b] = [0, 1, 2, 3, 4, 5];
  // T_k[(x >>> shift) & 255], table k at 1024·k.
  const lookup = (k: number, x: number, shift: number) => [
    ...get(x), ...(shift ? [...i32c(shift), 0x76 /* i32.shr_u */] : []), ...(shift < 24 ? [...i32c(255), 0x71 /* i32.and */] : []),
    ...i32c(2), 0x74 /* i32.shl */, ...mem(0x28, 2, 1024 * k),
  ];
  const XOR = 0x73;
  const body = [
    ...i32c(-1), ...set(c),
    ...get(p), ...get(n), ...i32c(-8), 0x71, 0x6a, ...set(end),
    ...whileBelow(p, end, [
      ...get(c), ...get(p), ...mem(0x28, 2, 0), XOR, ...set(a),
      ...get(p), ...mem(0x28, 2, 4), ...set(b),
      ...lookup(7, a, 0), ...lookup(6, a, 8), XOR, ...lookup(5, a, 16), XOR, ...lookup(4, a, 24), XOR,
      ...lookup(3, b, 0), XOR, ...lookup(2, b, 8), XOR, ...lookup(1, b, 16), XOR, ...lookup(0, b, 24), XOR, ...set(c),
      ...bump(p, 8),
    ]),
    ...get(c), ...i32c(-1), XOR,
  ];
  const bytes = moduleBytes(
    section(1, vec([funcType([I32, I32], [I32])])),
    section(3, vec([[0]])),
    section(5, vec([[0x00, ...uleb(32)]])),
    section(7, vec([[...name('memory'), 0x02, 0], [...name('crc32c'), 0x00, 0]])),
    section(10, vec([func([[4, I32]], body)])),
  );
  const x = new Wasm.Instance(new Wasm.Module(bytes), {}).exports as { memory: { buffer: ArrayBuffer }; crc32c(p: number, n: number): number };
  const heap = new Uint8Array(x.memory.buffer);
  new Uint32Array(x.memory.buffer, 0, T.length).set(T);
  const DATA = 8192;
  return {
    run(data) {
      heap.set(data, DATA);
      // Tail bytes (none for the bench's 1 MiB chunks) would go through T0 one by one, as in JS.
      return x.crc32c(DATA, data.length & ~7) >>> 0;
    },
  };
}

/** GB/s of `fn` over `total` bytes of 1 MiB chunks. */
function candidates(): Record<string, number> {
  const parts = Array.from({ length: 16 }, (_, k) => float32ToBytes(Float32Array.from({ length: MiB / 4 }, (_, i) => Math.sin(i * 0.001 + k))));
  const total = 256 * MiB;
  const rate = (fn: (c: Uint8Array) => void, repeats = 3) => total / 1e9 / best(() => {
    for (let i = 0; i < total / MiB; i++) fn(parts[i % parts.length]);
  }, repeats);
  const wasmCrc = crc32cWasm();
  // The checks must agree before their speeds mean anything.
  if (wasmCrc && wasmCrc.run(parts[3]) !== crc32cJs(parts[3])) throw new Error('wasm and JS CRC32C disagree');
  const rows: Array<[string, (c: Uint8Array) => void]> = [
    ['sha256 (node:crypto)', (c) => createHash('sha256').update(c).digest()],
    ['sha1 (node:crypto)', (c) => createHash('sha1').update(c).digest()],
    ['md5 (node:crypto)', (c) => createHash('md5').update(c).digest()],
    ['CRC-32 (node:zlib, native)', (c) => zlib.crc32(c)],
    ['CRC32C slicing-by-8, JS', (c) => crc32cJs(c)],
    ...(wasmCrc ? ([['CRC32C slicing-by-8, wasm (copy in)', (c) => wasmCrc.run(c)]] as Array<[string, (c: Uint8Array) => void]>) : []),
    ['XXH64, wasm (copy in)', (c) => xxh64(c, 0n)],
    ['XXH64 + bound check fused, wasm (copy in)', (c) => checkFloat32Chunk(c, 0, DEFAULT_VALUE_BOUND)],
    ['bound check alone, JS (firstOutOfBound)', (c) => firstOutOfBound(new Float32Array(c.buffer, c.byteOffset, c.length / 4), 0, c.length / 4, DEFAULT_VALUE_BOUND)],
    ['bound check alone, wasm SIMD (copy in)', (c) => float32OutOfBound(c, DEFAULT_VALUE_BOUND)],
    ['copy alone (1 MiB into a new Buffer)', (c) => Buffer.from(c)],
  ];
  const out: Record<string, number> = {};
  console.log('per-chunk check candidates, one core, 1 MiB chunks of float32 (GB/s):');
  for (const [label, fn] of rows) {
    out[label] = rate(fn);
    console.log(`  ${label.padEnd(48)} ${out[label].toFixed(2).padStart(6)}`);
  }
  return out;
}


/** The round path, step by step and whole, for N updates of P float32. */
function roundPath(N: number, P: number): Record<string, unknown> {
  const distinct = Array.from({ length: Math.min(N, 10) }, (_, k) => Float32Array.from({ length: P }, (_, i) => Math.sin(i * 0.001 + k)));
  const encoded = distinct.map((u) => {
    const bytes = float32ToBytes(u);
    const parts = [...chunks(bytes)];
    return { bytes, sha: sha256Hex(bytes), parts, digests: parts.map(([offset, data]) => chunkDigest(data, offset)) };
  });
  const updates = Array.from({ length: N }, (_, k) => encoded[k % encoded.length]);
  const weights = updates.map((_, k) => 100 + k * 10);
  const gb = (N * P * 4) / 1e9;
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-spool-'));
  // Every journal in the spool, whatever this host's journal memory policy would allow.
  const spooled = { spoolDir, budget: new JournalBudget(0), memoryMaxBytes: 0 };
  const each = (fn: (data: Uint8Array, offset: number, k: number, i: number) => void) => () =>
    updates.forEach((e, k) => e.parts.forEach(([offset, data], i) => fn(data, offset, k, i)));
  const steps: Record<string, number> = {};
  const step = (label: string, seconds: number) => {
    steps[label] = seconds * 1000;
    console.log(`  ${label.padEnd(56)} ${(seconds * 1000).toFixed(1).padStart(8)} ms  ${(gb / seconds).toFixed(2).padStart(6)} GB/s`);
  };
  console.log(`round path, ${N} updates × ${P.toLocaleString()} float32 (${gb.toFixed(2)} GB) in 1 MiB chunks, one core, step by step:`);
  step('receive: one copy of every chunk (grpc-js framing)', best(each((d) => Buffer.from(d))));
  step('bound check, JS (firstOutOfBound; before this change)', best(each((d) => firstOutOfBound(new Float32Array(d.buffer, d.byteOffset, d.length / 4), 0, d.length / 4, DEFAULT_VALUE_BOUND))));
  step('bound check, wasm SIMD (copy in)', best(each((d) => float32OutOfBound(d, DEFAULT_VALUE_BOUND))));
  step('sha256 of each whole update', best(() => updates.forEach((e) => {
    const h = createHash('sha256');
    for (const [, d] of e.parts) h.update(d);
    h.digest();
  })));
  step('XXH64 chunk digest + bound check, one wasm pass', best(each((d, offset) => checkFloat32Chunk(d, offset, DEFAULT_VALUE_BOUND))));
  let journals: UpdateJournal[] = [];
  const closeAll = () => journals.forEach((j) => j.close());
  step('journal: append to a spool file, with each chunk\'s digest', best(() => {
    closeAll();
    journals = updates.map((e, k) => {
      const j = createJournal(P * 4, `bench-${k}`, spooled);
      e.parts.forEach(([, d], i) => j.append(d, digestFromBytes(e.digests[i])));
      return j;
    });
  }));
  step('journal: read back at close, checked against the digests', best(() => journals.forEach((j) => j.replay(() => {}))));
  const sum = createStreamingSum(P, 'wasm-simd');
  step('fold (copy to scratch, NaN scan, f32x4 multiply-add)', best(() => {
    sum.reset();
    updates.forEach((e, k) => e.parts.forEach(([offset, d]) => sum.foldBytes(offset / 4, d, weights[k] / 1000)));
  }));
  const out = new Float32Array(P);
  out.fill(0);
  step('average (scale, overflow scan, copy out)', best(() => sum.average(out, 1)));
  closeAll();
  sum.dispose();

  // Whole, as the aggregation bench's round path: sinks as the chunks arrive, fold at close. The
  // round's opening (sum set up, result reserved) happens while clients train: not timed, as there.
  const round = (digests: boolean, spool: boolean) => {
    let seconds = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const acc = new StreamingFedAvg(P);
      acc.reserveResult();
      seconds = Math.min(seconds, timeOnce(() => {
        updates.forEach((e, k) => {
          const journal = createJournal(P * 4, `bench-${k}`, spool ? spooled : {});
          const sink = float32Sink(P, digests ? { journal, sha256: '', chunkDigest: 'xxh64', bound: DEFAULT_VALUE_BOUND } : { journal, sha256: e.sha, bound: DEFAULT_VALUE_BOUND });
          e.parts.forEach(([offset, data], i) => sink.write(offset, data, digests ? e.digests[i] : undefined));
          sink.finish();
          acc.add({ clientId: `c${String(k).padStart(4, '0')}`, numExamples: weights[k], kind: 'weights', encoding: 'float32', journal: sink.handOver() });
        });
        acc.average();
      }));
      // Only waits for worker threads to exit; never rejects.
      void acc.dispose();
    }
    return seconds;
  };
  const whole: Record<string, number> = {};
  console.log('round path, whole (chunk bytes → finished average):');
  for (const [label, digests, spool] of [
    ['sha256 of the whole, spooled journals', false, true],
    ['XXH64 chunk digests, spooled journals', true, true],
    ['sha256 of the whole, journals in memory', false, false],
    ['XXH64 chunk digests, journals in memory', true, false],
  ] as Array<[string, boolean, boolean]>) {
    const s = round(digests, spool);
    whole[label] = gb / s;
    console.log(`  ${label.padEnd(56)} ${(s * 1000).toFixed(1).padStart(8)} ms  ${(gb / s).toFixed(2).padStart(6)} GB/s`);
  }
  rmSync(spoolDir, { recursive: true, force: true });
  const numpy = numpySeconds(N, distinct[0].length, distinct, weights);
  const baselines = numpy && { flower: gb / numpy.flower, numpyPreallocated: gb / numpy.preallocated };
  console.log(baselines
    ? `  ${"baseline: Flower's aggregate_inplace formulation (numpy)".padEnd(56)} ${(numpy.flower * 1000).toFixed(1).padStart(8)} ms  ${baselines.flower.toFixed(2).padStart(6)} GB/s\n` +
      `  ${'baseline: numpy with a preallocated temporary'.padEnd(56)} ${(numpy.preallocated * 1000).toFixed(1).padStart(8)} ms  ${baselines.numpyPreallocated.toFixed(2).padStart(6)} GB/s`
    : '  baselines: n/a (python3-numpy missing)');

  // The client's side of the same upload: what it computes before and while sending.
  const client: Record<string, number> = {};
  console.log('client, per update (GB/s):');
  client.sha256Whole = gb / best(() => updates.forEach((e) => sha256Hex(e.bytes)));
  client.xxh64PerChunk = gb / best(each((d, offset) => chunkDigest(d, offset)));
  console.log(`  ${'sha256 of the whole'.padEnd(56)} ${client.sha256Whole.toFixed(2).padStart(6)}\n  ${'XXH64 digest of every chunk'.padEnd(56)} ${client.xxh64PerChunk.toFixed(2).padStart(6)}`);

  const r = (a: string, b: string) => Number((whole[a] / whole[b]).toFixed(3));
  const vs = (a: string, base: number | undefined) => (base === undefined ? undefined : Number((whole[a] / base).toFixed(3)));
  const digested = 'XXH64 chunk digests, spooled journals';
  const ratios = {
    digestsVsSha256Spooled: r(digested, 'sha256 of the whole, spooled journals'),
    digestsVsSha256InMemory: r('XXH64 chunk digests, journals in memory', 'sha256 of the whole, journals in memory'),
    digestsVsFlower: vs(digested, baselines?.flower),
    digestsVsNumpyPreallocated: vs(digested, baselines?.numpyPreallocated),
    sha256VsFlower: vs('sha256 of the whole, spooled journals', baselines?.flower),
  };
  const met = (x: number | undefined, target: number) => (x === undefined ? 'n/a' : x >= target ? 'met' : 'NOT met');
  console.log(
    `  round path with chunk digests: ${ratios.digestsVsSha256Spooled}× the sha256 path (spooled), ${ratios.digestsVsSha256InMemory}× (in memory); ` +
      `${ratios.digestsVsFlower ?? 'n/a'}× Flower's formulation (target ≥ 2×: ${met(ratios.digestsVsFlower, 2)}), ` +
      `${ratios.digestsVsNumpyPreallocated ?? 'n/a'}× preallocated numpy (target ≥ 1×: ${met(ratios.digestsVsNumpyPreallocated, 1)}); the sha256 path ${ratios.sha256VsFlower ?? 'n/a'}× Flower's`,
  );
  return { n: N, p: P, stepsMs: steps, roundPathGbps: whole, baselinesGbps: baselines, clientGbps: client, ratios };
}

/** A Fleet server whose PushUpdate feeds the real receiver and sink (journal spooled, dropped once verified). */
async function uploadServer(parameters: number, spoolDir: string, secure?: TlsMaterial): Promise<{ port: number; completed: () => Promise<void>; stop: () => Promise<void> }> {
  let done: { resolve: () => void; reject: (e: Error) => void } | undefined;
  const manager = {
    beginUpdate(clientId: string, _run: string, _round: number, h: { transferId: string; encoding: string; sha256: string; chunkDigest?: string; numExamples: number; totalBytes: number }) {
      const journal = createJournal(h.totalBytes, `bench-${clientId}`, { spoolDir, memoryMaxBytes: 0 });
      const sink = float32Sink(parameters, { journal, sha256: h.sha256, chunkDigest: h.chunkDigest ? 'xxh64' : undefined, bound: DEFAULT_VALUE_BOUND });
      return Promise.resolve(
        new UpdateReceiver(clientId, h.transferId, h.numExamples, h.encoding, sink, h.sha256, (r) => {
          r.handOver().close();
          done?.resolve();
        }, (_r, reason) => done?.reject(new Error(`upload aborted: ${reason}`)), h.chunkDigest ?? ''),
      );
    },
  } as unknown as RunManager;
  const server = new grpc.Server({ 'grpc.keepalive_permit_without_calls': 1, 'grpc.http2.min_ping_interval_without_data_ms': 5000 });
  server.addService(loadFedlinkProto().proto.fedlink.v1.Fleet.service, createFleetService({
    manager,
    registry: benchRegistry(),
    auth: secure ? createAuthHook({ tls: true }) : noAuth,
    logger: silentLogger(),
    heartbeatIntervalMs: 2000,
    unavailable: () => undefined,
    version: 'bench',
    links: { report() {}, observe() {}, presence() {} },
    enroll: () => Promise.reject(new Error('no enrollment here')),
    clock: systemClock,
  }));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials(secure), (err, p) => {
      if (err) return reject(err);
      // As the coordinator does.
      raiseReceiveWindows(server, DEFAULT_RECEIVE_WINDOW_BYTES);
      resolve(p);
    }),
  );
  return {
    port,
    completed: () => new Promise<void>((resolve, reject) => (done = { resolve, reject })),
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** Loopback uploads, plaintext and TLS, sha256 against chunk digests: MB/s and CPU ms per MB (both ends, one process). */
async function uploads(): Promise<Record<string, { mbps: number; cpuMsPerMb: number }>> {
  const parameters = Math.round((Number(process.env.BENCH_UPLOAD_MB ?? 100) * 1e6) / 4);
  const repeats = Math.max(1, Number(process.env.BENCH_UPLOAD_REPEATS ?? 3));
  const weights = Float32Array.from({ length: parameters }, (_, i) => Math.sin(i * 0.001));
  const mb = (parameters * 4) / 1e6;
  const pki = await createTestPki();
  const tls = { server: pki.coordinator, client: await pki.client(CLIENT_ID) };
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-spool-'));
  const once = async (digests: boolean, secure: boolean) => {
    const server = await uploadServer(parameters, spoolDir, secure ? tls.server : undefined);
    const client = makeClient(server.port, {}, secure ? tls.client : undefined);
    try {
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
      const completed = server.completed();
      const md = new grpc.Metadata();
      md.set('fedlink-client-id', CLIENT_ID);
      const cpu0 = cpuSeconds();
      const t = process.hrtime.bigint();
      await pushUpdate(client, { taskId: 'bench', runId: 'bench', round: 1, numExamples: 1, tensors: [{ name: 'w', shape: [parameters] }], weights, maxChunkBytes: MiB, chunkDigests: digests }, { metadata: md, signal: AbortSignal.timeout(300_000) });
      await completed;
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      return { mbps: mb / seconds, cpuMsPerMb: ((cpuSeconds() - cpu0) * 1000) / mb };
    } finally {
      client.close();
      await server.stop();
    }
  };
  const kinds: Array<[string, boolean, boolean]> = [
    ['plaintext, sha256 of the whole', false, false],
    ['plaintext, XXH64 chunk digests', true, false],
    ['mutual TLS, sha256 of the whole', false, true],
    ['mutual TLS, XXH64 chunk digests', true, true],
  ];
  try {
    // Untimed warm-up of each path (JIT, TLS session setup code).
    for (const [, digests, secure] of kinds) await once(digests, secure);
    const samples = new Map<string, Array<{ mbps: number; cpuMsPerMb: number }>>();
    for (let r = 0; r < repeats; r++) for (const [label, digests, secure] of kinds) samples.set(label, [...(samples.get(label) ?? []), await once(digests, secure)]);
    console.log(`upload on loopback, ${mb} MB, pushUpdate → PushUpdate handler and sink, both ends in this process, medians of ${repeats}:`);
    const out: Record<string, { mbps: number; cpuMsPerMb: number }> = {};
    for (const [label] of kinds) {
      const xs = samples.get(label)!;
      out[label] = { mbps: median(xs.map((x) => x.mbps)), cpuMsPerMb: median(xs.map((x) => x.cpuMsPerMb)) };
      console.log(`  ${label.padEnd(40)} ${out[label].mbps.toFixed(1).padStart(7)} MB/s  ${out[label].cpuMsPerMb.toFixed(2).padStart(6)} CPU ms/MB`);
    }
    const ratio = out['mutual TLS, XXH64 chunk digests'].mbps / out['mutual TLS, sha256 of the whole'].mbps;
    const saved = out['mutual TLS, sha256 of the whole'].cpuMsPerMb - out['mutual TLS, XXH64 chunk digests'].cpuMsPerMb;
    console.log(`  over TLS, chunk digests: ${ratio.toFixed(3)}× the sha256 upload's throughput, ${saved.toFixed(2)} CPU ms per MB less`);
    return out;
  } finally {
    rmSync(spoolDir, { recursive: true, force: true });
    pki.remove();
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const found = candidates();
  const round = roundPath(Number(process.env.BENCH_N ?? 10), Number(process.env.BENCH_P ?? 10_000_000));
  const upload = process.env.BENCH_UPLOAD === '0' ? undefined : await uploads();
  console.log(JSON.stringify({ bench: 'chunk-check', candidatesGbps: found, roundPath: round, upload }));
}
