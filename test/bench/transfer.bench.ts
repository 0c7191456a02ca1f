/**
 * Transfer benchmark: a float32 model of BENCH_MB MB (default 200 MB = 50M
 * parameters) moved over loopback (127.0.0.1), against raw TCP moving the same
 * bytes in the same process and run.
 *
 *  - raw TCP: a net.Server and a client socket; the sender writes 1 MiB slices
 *    honouring backpressure, the receiver counts bytes. Timed from the first
 *    write to the receiver holding every byte. Both directions.
 *  - fedlink down: a real in-process Coordinator (MemoryStore holding a run
 *    and the model) serving Fleet.FetchModel; the daemon's `fetchModel`
 *    downloads it (header checks, offset/finite checks, copy into the model
 *    array, sha256 of the whole) into a recycled array, as the daemon does
 *    with the one its model cache evicted; once into a fresh array (a
 *    daemon's first downloads) for comparison. Timed from the call to
 *    verified weights.
 *  - fedlink up: the daemon's `pushUpdate` (sha256 of the update, chunked
 *    writes honouring backpressure) into a grpc-js server running the
 *    coordinator's real Fleet handlers (`createFleetService`) whose stub run
 *    manager opens the real UpdateReceiver + float32Sink (offset/finite checks,
 *    the fold into a streaming FedAvg sum, the undo journal, sha256). Timed
 *    from the call to the acknowledgement of the verified update. Not
 *    included: round bookkeeping and the round's average (see the
 *    aggregation bench).
 *
 * Everything runs in one process, so sender and receiver share one event-loop
 * thread (as in the raw TCP baseline). Then sweeps chunk sizes and grpc-js
 * options. MB = 10^6 bytes. Env: BENCH_MB, BENCH_REPEATS (default 3),
 * BENCH_SWEEP_REPEATS (default 2), BENCH_SWEEP=0 to skip the sweeps.
 * Then, over emulated links (5g-embb, wifi, lte), a BENCH_WAN_MB (default 8)
 * MB model down and up with the shipped HTTP/2 windows and with grpc-js's own
 * 64 KiB ones; BENCH_WAN=0 skips it.
 * Never passes or fails on time; ends with one JSON line.
 */
import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '../../common/logger';
import type { RunRecord } from '../../common/types';
import { Float32Assembler, chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { fetchModel } from '../../clients/daemon/fetch-model';
import { TRANSFER_CHANNEL_OPTIONS } from '../../clients/daemon/session';
import { pushUpdate, uploadChunkBytes } from '../../clients/daemon/push-update';
import { loadFedlinkProto } from '../../proto/loader';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import { Coordinator, coordinatorConfig } from '../../services/coordinator/coordinator';
import { DEFAULT_RECEIVE_WINDOW_BYTES } from '../../services/coordinator/rpc/receive-window';
import { LinkEmulator } from '../../clients/linkem/proxy';
import { parseProfile, type LinkProfile } from '../../clients/linkem/profiles';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { collectGarbage, now, plainGrpc, rawTcp, RssPeak, startUploadServer, type Sample } from './helpers/transfer-rig';

const KiB = 1024;
const MiB = 1024 * KiB;
const RUN_ID = 'bench-transfer';
const CLIENT_ID = 'bench-daemon';
/** Upper bound on one transfer, so a stall fails the bench instead of hanging it. */
const TRANSFER_TIMEOUT_MS = 300_000;

interface Stats {
  /** MB/s of the best (least disturbed) repeat. */
  best: number;
  /** MB/s of the median repeat. */
  median: number;
  /** Largest peak extra RSS over the repeats, bytes. */
  peakExtraRss: number;
  samples: number[];
}

function stats(samples: Sample[], bytes: number): Stats {
  const rates = samples.map((s) => bytes / 1e6 / s.seconds).sort((a, b) => a - b);
  const mid = rates.length >> 1;
  const median = rates.length % 2 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
  return {
    best: round1(rates[rates.length - 1]),
    median: round1(median),
    peakExtraRss: Math.max(...samples.map((s) => s.peakExtraRss)),
    samples: rates.map(round1),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
const kib = (b: number) => (b >= MiB ? `${b / MiB} MiB` : `${b / KiB} KiB`);

function makeClient(port: number, options: grpc.ChannelOptions): FleetClient {
  const { Fleet } = loadFedlinkProto().proto.fedlink.v1;
  // The daemon's session options (clients/daemon/session.ts) plus the ones under test.
  return new Fleet(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
    ...TRANSFER_CHANNEL_OPTIONS,
    ...options,
  });
}

async function ready(client: FleetClient): Promise<void> {
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
}

function metadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('fedlink-client-id', CLIENT_ID);
  return md;
}

function runRecord(parameters: number, version: string): RunRecord {
  const t = Date.now();
  return {
    runId: RUN_ID,
    state: 'running',
    config: {
      rounds: 1,
      clientsPerRound: 1,
      minClients: 1,
      train: { localEpochs: 1, batchSize: 32, learningRate: 0.01, seed: 1 },
      roundDeadlineMs: 600_000,
      strategy: 'fedavg',
      model: 'mlp',
      acceptFailures: true,
      selection: 'random',
      overSelection: 1,
      clientDeadlineFactor: 0,
      compression: 'float32',
      downlink: 'float32',
      seed: 1,
      maxRoundRetries: 0,
      waitForClientsMs: 0,
    },
    model: { name: 'mlp', inputShape: [parameters], numClasses: 1, tensors: [{ name: 'w', shape: [parameters] }] },
    currentRound: 1,
    committedRounds: 0,
    createdAtMs: t,
    updatedAtMs: t,
    modelVersion: version,
  };
}

/** A real coordinator serving FetchModel for the bench model at `chunkBytes`. */
async function startCoordinator(chunkBytes: number, weights: Float32Array, version: string): Promise<Coordinator> {
  const store = new MemoryStore();
  const coordinator = new Coordinator(coordinatorConfig({ host: '127.0.0.1', port: 0, chunkBytes, drainTimeoutMs: 1000 }), silentLogger(), { store });
  await coordinator.start();
  await store.putRun(runRecord(weights.length, version));
  await store.putModel(RUN_ID, version, weights);
  return coordinator;
}

/** Link profiles the windows are measured over: RTTs of about 20, 16 and 80 ms. */
const WAN_PROFILES = ['5g-embb', 'wifi', 'lte'];

interface WanRow {
  profile: string;
  direction: 'down' | 'up';
  variant: string;
  mbit: number;
  /** Share of the profile's rate in that direction. */
  ofLink: number;
  /** Share of raw TCP's rate over the same emulated link. */
  ofRawTcp?: number;
}

interface Model {
  weights: Float32Array;
  bytes: Buffer;
  version: string;
}

/** `into`: the array to assemble into (the daemon's recycled one), or a fresh one when unset. */
async function fedlinkDown(port: number, model: Model, into: Float32Array | undefined, clientOptions: grpc.ChannelOptions = {}): Promise<Sample> {
  const client = makeClient(port, clientOptions);
  try {
    await ready(client);
    collectGarbage();
    const rss = new RssPeak();
    rss.start();
    const t0 = now();
    const got = await fetchModel(
      client,
      { runId: RUN_ID, round: 1, modelVersion: model.version, expectedBytes: model.bytes.length, tensors: [{ name: 'w', shape: [model.weights.length] }], into },
      { metadata: metadata(), signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS) },
    );
    const t1 = now();
    const peakExtraRss = rss.stop();
    if ((into && got.weights !== into) || got.weights.length !== model.weights.length || got.weights[12345 % got.weights.length] !== model.weights[12345 % got.weights.length]) {
      throw new Error('downloaded model differs');
    }
    return { seconds: t1 - t0, peakExtraRss };
  } finally {
    client.close();
  }
}

interface UpConfig {
  maxChunkBytes: number;
  serverOptions?: grpc.ServerOptions;
  /** The coordinator's receive window; its default (4 MiB) unless set. */
  serverWindowBytes?: number;
  clientOptions?: grpc.ChannelOptions;
  /** Upload through a link emulator with this profile. */
  link?: LinkProfile;
}

async function fedlinkUp(model: Model, cfg: UpConfig): Promise<Sample & { windowRaised: boolean }> {
  const server = await startUploadServer(model.weights.length, cfg.serverOptions, cfg.serverWindowBytes);
  const link = cfg.link ? await emulate(server.port, cfg.link) : undefined;
  const client = makeClient(link?.port ?? server.port, cfg.clientOptions ?? {});
  try {
    await ready(client);
    collectGarbage();
    const completed = server.nextCompleted();
    const rss = new RssPeak();
    rss.start();
    const t0 = now();
    const res = await pushUpdate(
      client,
      { taskId: 'bench-task', runId: RUN_ID, round: 1, numExamples: 100, tensors: [{ name: 'w', shape: [model.weights.length] }], weights: model.weights, maxChunkBytes: cfg.maxChunkBytes },
      { metadata: metadata(), signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS) },
    );
    const t1 = now();
    const peakExtraRss = rss.stop();
    const values = (await completed)();
    if (res.receivedBytes !== model.bytes.length || values.length !== model.weights.length || values[777 % values.length] !== model.weights[777 % values.length]) {
      throw new Error('uploaded update differs');
    }
    return { seconds: t1 - t0, peakExtraRss, windowRaised: server.windowRaised };
  } finally {
    client.close();
    await link?.stop();
    await server.stop();
  }
}

/** A link emulator (`fedlink linkem`) in front of `port`. */
async function emulate(port: number, profile: LinkProfile): Promise<{ port: number; stop: () => Promise<void> }> {
  const em = new LinkEmulator({ listenHost: '127.0.0.1', listenPort: 0, target: `127.0.0.1:${port}`, profile, seed: 1, logger: silentLogger() });
  return { port: await em.start(), stop: () => em.stop() };
}

/** Receiver-side CPU work alone, no network: what each byte costs on the fedlink path. */
function cpuBreakdown(model: Model, target: Float32Array, chunkBytes = MiB): { sha256MBps: number; assembleMBps: number } {
  const mb = model.bytes.length / 1e6;
  collectGarbage();
  let t = now();
  sha256Hex(model.bytes);
  const sha = now() - t;
  t = now();
  const asm = new Float32Assembler(target, model.version);
  for (const [offset, data] of chunks(model.bytes, chunkBytes)) asm.write(offset, data);
  asm.finish();
  const assemble = now() - t;
  return { sha256MBps: round1(mb / sha), assembleMBps: round1(mb / assemble) };
}

/** The lowest share of raw TCP the shipped settings reached over the emulated links in `direction` (undefined when skipped). */
function worst(rows: WanRow[], direction: 'down' | 'up'): number | undefined {
  const shipped = rows.filter((r) => r.direction === direction && r.variant.includes('as shipped'));
  return shipped.length ? Math.min(...shipped.map((r) => r.ofRawTcp ?? 0)) : undefined;
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const mbWanted = Number(process.env.BENCH_MB ?? 200);
  const repeats = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
  const sweepRepeats = Math.max(1, Number(process.env.BENCH_SWEEP_REPEATS ?? 2));
  const sweep = process.env.BENCH_SWEEP !== '0';
  const parameters = Math.max(1, Math.round((mbWanted * 1e6) / 4));
  const weights = new Float32Array(parameters);
  for (let i = 0; i < parameters; i++) weights[i] = ((i * 2654435761) % 1000003) / 1000003 - 0.5;
  const bytes = float32ToBytes(weights);
  const model: Model = { weights, bytes, version: sha256Hex(bytes) };
  const MB = bytes.length / 1e6;
  console.log(`transfer: ${MB.toFixed(0)} MB float32 model (${parameters.toLocaleString()} parameters) over 127.0.0.1, one process; MB = 10^6 bytes`);
  console.log(`  ${repeats} interleaved repeats for the headline figures (best / median MB/s), ${sweep ? `${sweepRepeats} per sweep setting` : 'sweeps skipped'}`);

  // Headline: as shipped (1 MiB chunks both ways, the daemon's channel options), interleaved with raw TCP.
  const coordinator = await startCoordinator(MiB, weights, model.version);
  const samples: Record<'rawDown' | 'rawUp' | 'down' | 'up' | 'plainDown' | 'plainUp' | 'downFresh', Sample[]> = { rawDown: [], rawUp: [], down: [], up: [], plainDown: [], plainUp: [], downFresh: [] };
  // The daemon downloads into the array its model cache evicted (from its third model version
  // on); its first downloads fault in a fresh array, measured once on its own.
  const recycled = new Float32Array(parameters).fill(0);
  try {
    samples.downFresh.push(await fedlinkDown(coordinator.port, model, undefined));
    for (let r = 0; r < repeats; r++) {
      samples.rawDown.push(await rawTcp('down', bytes));
      samples.plainDown.push(await plainGrpc('down', bytes));
      samples.down.push(await fedlinkDown(coordinator.port, model, recycled));
      samples.rawUp.push(await rawTcp('up', bytes));
      samples.plainUp.push(await plainGrpc('up', bytes));
      samples.up.push(await fedlinkUp(model, { maxChunkBytes: MiB }));
    }
  } finally {
    await coordinator.stop('bench done');
  }
  const head = {
    rawDown: stats(samples.rawDown, bytes.length),
    rawUp: stats(samples.rawUp, bytes.length),
    down: stats(samples.down, bytes.length),
    up: stats(samples.up, bytes.length),
    plainDown: stats(samples.plainDown, bytes.length),
    plainUp: stats(samples.plainUp, bytes.length),
    downFresh: stats(samples.downFresh, bytes.length),
  };
  const cpu = cpuBreakdown(model, recycled);
  const row = (name: string, s: Stats, vs?: Stats) =>
    console.log(
      `  ${name.padEnd(46)} ${String(s.best).padStart(7)} / ${String(s.median).padStart(7)} MB/s` +
        (vs ? `   ${(ratio(s.best, vs.best) * 100).toFixed(0).padStart(3)} % / ${(ratio(s.median, vs.median) * 100).toFixed(0).padStart(3)} % of raw TCP` : '                            ') +
        `   peak extra RSS ${mib(s.peakExtraRss)}`,
    );
  console.log("  as shipped (1 MiB chunks, the daemon's channel options):");
  row('raw TCP down (server → client)', head.rawDown);
  row('plain grpc-js down (same proto, count only)', head.plainDown, head.rawDown);
  row('fedlink down: Coordinator FetchModel → fetchModel', head.down, head.rawDown);
  row('  (into a fresh array: a daemon\'s first downloads)', head.downFresh, head.rawDown);
  row('raw TCP up (client → server)', head.rawUp);
  row('plain grpc-js up (same proto, count only)', head.plainUp, head.rawUp);
  row('fedlink up: pushUpdate → PushUpdate handler', head.up, head.rawUp);
  console.log(`  receiver CPU alone (one core, no network): sha256 ${cpu.sha256MBps} MB/s; Float32Assembler into the recycled array (copy + checks + sha256) ${cpu.assembleMBps} MB/s`);
  console.log('  up path = daemon pushUpdate (sha256 of the update, 1 MiB writes with backpressure) → Fleet PushUpdate handler (createFleetService)');
  console.log('            → UpdateReceiver → float32Sink (offset/finite checks, the fold into the streaming FedAvg sum, undo journal, sha256); round bookkeeping not included');

  // Sweeps: chunk size and grpc-js options.
  const downSweep: Array<{ chunkBytes: number; option: string } & Stats> = [];
  const upSweep: Array<{ maxChunkBytes: number; effectiveChunkBytes: number; option: string } & Stats> = [];
  if (sweep) {
    const clientVariants: Array<[string, grpc.ChannelOptions]> = [
      ['daemon (16 MiB window)', {}],
      ['grpc-js default window (64 KiB)', { 'grpc-node.flow_control_window': 65535 }],
      ["grpc-node.flow_control_window=4MiB", { 'grpc-node.flow_control_window': 4 * MiB }],
      ["grpc.max_receive_message_length=64MiB", { 'grpc.max_receive_message_length': 64 * MiB }],
    ];
    console.log('  sweep, fedlink down (Coordinator chunkBytes × daemon channel options), best / median MB/s:');
    for (const chunkBytes of [256 * KiB, MiB, 2 * MiB]) {
      const c = await startCoordinator(chunkBytes, weights, model.version);
      try {
        for (const [option, opts] of clientVariants) {
          if (option.startsWith('grpc.max_receive') && chunkBytes !== MiB) continue;
          const s: Sample[] = [];
          for (let r = 0; r < sweepRepeats; r++) s.push(await fedlinkDown(c.port, model, recycled, opts));
          const st = stats(s, bytes.length);
          downSweep.push({ chunkBytes, option, ...st });
          console.log(`    chunk ${kib(chunkBytes).padEnd(8)} ${option.padEnd(40)} ${String(st.best).padStart(7)} / ${String(st.median).padStart(7)}   ${(ratio(st.median, head.rawDown.median) * 100).toFixed(0)} % of raw (median)   peak extra RSS ${mib(st.peakExtraRss)}`);
        }
      } finally {
        await c.stop('bench sweep done');
      }
    }
    console.log('  sweep, fedlink up (pushUpdate maxChunkBytes × server receive window), best / median MB/s:');
    const upVariants: Array<[string, Omit<UpConfig, 'maxChunkBytes'>]> = [
      [`coordinator and daemon as shipped (server window ${kib(DEFAULT_RECEIVE_WINDOW_BYTES)})`, {}],
      ['server window 16 MiB (--receive-window)', { serverWindowBytes: 16 * MiB }],
      ["server window 64 KiB (grpc-js's own)", { serverWindowBytes: 65535 }],
      ['client window 64 KiB (grpc-js default)', { clientOptions: { 'grpc-node.flow_control_window': 65535 } }],
    ];
    for (const maxChunkBytes of [256 * KiB, MiB, 2 * MiB]) {
      for (const [option, cfg] of upVariants) {
        if (option.startsWith('client') && maxChunkBytes !== MiB) continue;
        const s: Sample[] = [];
        let raised = true;
        for (let r = 0; r < sweepRepeats; r++) {
          const one = await fedlinkUp(model, { maxChunkBytes, ...cfg });
          raised &&= one.windowRaised;
          s.push(one);
        }
        const st = stats(s, bytes.length);
        const effectiveChunkBytes = uploadChunkBytes(maxChunkBytes);
        const label = (cfg.serverWindowBytes ?? DEFAULT_RECEIVE_WINDOW_BYTES) > 65535 && !raised ? `${option} [could not apply]` : option;
        upSweep.push({ maxChunkBytes, effectiveChunkBytes, option: label, ...st });
        const eff = effectiveChunkBytes !== maxChunkBytes ? ` (sent as ${kib(effectiveChunkBytes)})` : '';
        console.log(`    max ${(kib(maxChunkBytes) + eff).padEnd(24)} ${label.padEnd(52)} ${String(st.best).padStart(7)} / ${String(st.median).padStart(7)}   ${(ratio(st.median, head.rawUp.median) * 100).toFixed(0)} % of raw (median)   peak extra RSS ${mib(st.peakExtraRss)}`);
      }
    }
    const bestOf = <T extends Stats>(xs: T[]) => xs.reduce((a, b) => (b.median > a.median ? b : a));
    const bd = bestOf(downSweep);
    const bu = bestOf(upSweep);
    console.log(`  best down setting (by median): chunk ${kib(bd.chunkBytes)}, ${bd.option}: ${bd.median} MB/s, ${(ratio(bd.median, head.rawDown.median) * 100).toFixed(0)} % of raw TCP`);
    console.log(`  best up setting (by median): maxChunkBytes ${kib(bu.maxChunkBytes)} (sent ${kib(bu.effectiveChunkBytes)}), ${bu.option}: ${bu.median} MB/s, ${(ratio(bu.median, head.rawUp.median) * 100).toFixed(0)} % of raw TCP`);
    console.log('  (sweep ratios are against the headline raw TCP medians of this run)');
  }

  // Over emulated links, where the HTTP/2 windows meet a round trip: at most window / RTT moves.
  const wan: WanRow[] = [];
  if (process.env.BENCH_WAN !== '0') {
    const wanParameters = Math.max(1, Math.round((Number(process.env.BENCH_WAN_MB ?? 8) * 1e6) / 4));
    const ww = weights.subarray(0, wanParameters).slice();
    const wb = float32ToBytes(ww);
    const wanModel: Model = { weights: ww, bytes: wb, version: sha256Hex(wb) };
    const into = new Float32Array(wanParameters);
    const mbit = (sample: Sample) => round1((wb.length * 8) / sample.seconds / 1e6);
    console.log(`  over emulated links (fedlink linkem, in-process), ${(wb.length / 1e6).toFixed(0)} MB, once each, against raw TCP over the same link:`);
    const c = await startCoordinator(MiB, ww, wanModel.version);
    try {
      for (const spec of WAN_PROFILES) {
        const profile = parseProfile(spec);
        const rows: WanRow[] = [];
        for (const direction of ['down', 'up'] as const) {
          const m = mbit(await rawTcp(direction, wb, MiB, (port) => emulate(port, profile)));
          rows.push({ profile: spec, direction, variant: 'raw TCP', mbit: m, ofLink: ratio(m, direction === 'down' ? profile.downMbps : profile.upMbps) });
        }
        const link = await emulate(c.port, profile);
        try {
          for (const [variant, opts] of [["daemon as shipped (16 MiB window)", {}], ["grpc-js's default client window (64 KiB)", { 'grpc-node.flow_control_window': 65535 }]] as const) {
            const m = mbit(await fedlinkDown(link.port, wanModel, into, opts));
            rows.push({ profile: spec, direction: 'down', variant, mbit: m, ofLink: ratio(m, profile.downMbps) });
          }
        } finally {
          await link.stop();
        }
        for (const [variant, windowBytes] of [[`coordinator as shipped (${kib(DEFAULT_RECEIVE_WINDOW_BYTES)} window)`, undefined], ["grpc-js's own server window (64 KiB)", 65535]] as const) {
          const m = mbit(await fedlinkUp(wanModel, { maxChunkBytes: MiB, serverWindowBytes: windowBytes, link: profile }));
          rows.push({ profile: spec, direction: 'up', variant, mbit: m, ofLink: ratio(m, profile.upMbps) });
        }
        for (const r of rows.sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'down' ? -1 : 1))) {
          const rate = r.direction === 'down' ? profile.downMbps : profile.upMbps;
          const raw = rows.find((x) => x.direction === r.direction && x.variant === 'raw TCP')!;
          r.ofRawTcp = ratio(r.mbit, raw.mbit);
          console.log(`    ${r.profile.padEnd(8)} ${r.direction.padEnd(5)} ${r.variant.padEnd(42)} ${String(r.mbit).padStart(6)} of ${String(rate).padStart(3)} Mbit/s  ${(r.ofLink * 100).toFixed(0).padStart(3)} % of the link  ${(r.ofRawTcp * 100).toFixed(0).padStart(3)} % of raw TCP`);
        }
        wan.push(...rows);
      }
    } finally {
      await c.stop('bench links done');
    }
  }

  const figures = {
    bench: 'transfer',
    bytes: bytes.length,
    parameters,
    repeats,
    mbps: {
      rawTcpDown: head.rawDown,
      rawTcpUp: head.rawUp,
      fedlinkDown: head.down,
      fedlinkDownFreshArray: head.downFresh,
      fedlinkUp: head.up,
      plainGrpcDown: head.plainDown,
      plainGrpcUp: head.plainUp,
      receiverSha256: cpu.sha256MBps,
      receiverAssemble: cpu.assembleMBps,
    },
    ratios: {
      downVsRawBest: ratio(head.down.best, head.rawDown.best),
      downVsRawMedian: ratio(head.down.median, head.rawDown.median),
      upVsRawBest: ratio(head.up.best, head.rawUp.best),
      upVsRawMedian: ratio(head.up.median, head.rawUp.median),
      plainGrpcDownVsRawMedian: ratio(head.plainDown.median, head.rawDown.median),
      plainGrpcUpVsRawMedian: ratio(head.plainUp.median, head.rawUp.median),
      downVsPlainGrpcMedian: ratio(head.down.median, head.plainDown.median),
      upVsPlainGrpcMedian: ratio(head.up.median, head.plainUp.median),
      target: 0.6,
      // The shipped settings over the emulated links, the worst profile of each direction.
      overLinksDownVsRawTcpMin: worst(wan, 'down'),
      overLinksUpVsRawTcpMin: worst(wan, 'up'),
    },
    peakExtraRssBytes: {
      rawTcpDown: head.rawDown.peakExtraRss,
      rawTcpUp: head.rawUp.peakExtraRss,
      fedlinkDown: head.down.peakExtraRss,
      fedlinkUp: head.up.peakExtraRss,
      plainGrpcDown: head.plainDown.peakExtraRss,
      plainGrpcUp: head.plainUp.peakExtraRss,
    },
    overLinks: wan,
    sweep: {
      down: downSweep.map(({ samples: _s, ...rest }) => ({ ...rest, vsRawMedian: ratio(rest.median, head.rawDown.median) })),
      up: upSweep.map(({ samples: _s, ...rest }) => ({ ...rest, vsRawMedian: ratio(rest.median, head.rawUp.median) })),
    },
  };
  console.log(JSON.stringify(figures));
}
