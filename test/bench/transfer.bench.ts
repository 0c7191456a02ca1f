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
 *    manager opens the real UpdateReceiver + float32Sink (offset checks,
 *    bound check, the journal, sha256). Timed
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
 * Then the cost of mutual TLS (helpers/tls-cost.ts): the same download and
 * upload over plaintext and over TLS, interleaved, on loopback (the BENCH_MB
 * model; BENCH_TLS_LOOPBACK=0 skips it) and over the 5g-embb and wifi profiles
 * (a BENCH_TLS_LINK_MB, default 16, MB model), BENCH_TLS_REPEATS (default 3)
 * times each, against raw TCP vs raw TLS over the same path
 * (BENCH_TLS_PROFILES=a,b picks other profiles). BENCH_TLS=0 skips it;
 * BENCH_TLS_ONLY=1 runs only it.
 * Never passes or fails on time; ends with one JSON line.
 */
import type * as grpc from '@grpc/grpc-js';
import { Float32Assembler, chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { uploadChunkBytes } from '../../clients/daemon/push-update';
import { DEFAULT_RECEIVE_WINDOW_BYTES } from '../../services/coordinator/rpc/receive-window';
import { parseProfile } from '../../clients/linkem/profiles';
import { emulate, fedlinkDown, fedlinkUp, startCoordinator, type Model, type UpConfig } from './helpers/fedlink-transfers';
import { measureTlsCost, type TlsCost } from './helpers/tls-cost';
import { collectGarbage, now, plainGrpc, ratio, rawTcp, round1, stats, type Sample, type Stats } from './helpers/transfer-rig';

const KiB = 1024;
const MiB = 1024 * KiB;
const mib = (b: number) => `${(b / MiB).toFixed(0)} MiB`;
const kib = (b: number) => (b >= MiB ? `${b / MiB} MiB` : `${b / KiB} KiB`);

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

/** A model of the first `mb` MB of `model`'s values. */
function sliceModel(model: Model, mb: number): Model {
  const parameters = Math.max(1, Math.min(model.weights.length, Math.round((mb * 1e6) / 4)));
  const weights = model.weights.slice(0, parameters);
  const bytes = float32ToBytes(weights);
  return { weights, bytes, version: sha256Hex(bytes) };
}

type Headline = Record<'rawDown' | 'rawUp' | 'down' | 'up' | 'plainDown' | 'plainUp' | 'downFresh', Stats>;

/** As shipped (1 MiB chunks both ways, the daemon's channel options), interleaved with raw TCP and plain grpc-js. */
async function headline(model: Model, recycled: Float32Array, repeats: number): Promise<Headline> {
  const coordinator = await startCoordinator(MiB, model.weights, model.version);
  const samples: Record<keyof Headline, Sample[]> = { rawDown: [], rawUp: [], down: [], up: [], plainDown: [], plainUp: [], downFresh: [] };
  try {
    // The daemon downloads into the array its model cache evicted (from its third model version
    // on); its first downloads fault in a fresh array, measured once on its own.
    samples.downFresh.push(await fedlinkDown(coordinator.port, model, undefined));
    for (let r = 0; r < repeats; r++) {
      samples.rawDown.push(await rawTcp('down', model.bytes));
      samples.plainDown.push(await plainGrpc('down', model.bytes));
      samples.down.push(await fedlinkDown(coordinator.port, model, recycled));
      samples.rawUp.push(await rawTcp('up', model.bytes));
      samples.plainUp.push(await plainGrpc('up', model.bytes));
      samples.up.push(await fedlinkUp(model, { maxChunkBytes: MiB }));
    }
  } finally {
    await coordinator.stop('bench done');
  }
  const n = model.bytes.length;
  const head = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v, n)])) as Headline;
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
  return head;
}

type DownSweepRow = { chunkBytes: number; option: string } & Stats;
type UpSweepRow = { maxChunkBytes: number; effectiveChunkBytes: number; option: string } & Stats;

/** Chunk sizes × grpc-js options, each against the headline's raw TCP medians. */
async function sweeps(model: Model, recycled: Float32Array, head: Headline, sweepRepeats: number): Promise<{ down: DownSweepRow[]; up: UpSweepRow[] }> {
  const n = model.bytes.length;
  const downSweep: DownSweepRow[] = [];
  const upSweep: UpSweepRow[] = [];
  const clientVariants: Array<[string, grpc.ChannelOptions]> = [
    ['daemon (16 MiB window)', {}],
    ['grpc-js default window (64 KiB)', { 'grpc-node.flow_control_window': 65535 }],
    ["grpc-node.flow_control_window=4MiB", { 'grpc-node.flow_control_window': 4 * MiB }],
    ["grpc.max_receive_message_length=64MiB", { 'grpc.max_receive_message_length': 64 * MiB }],
  ];
  console.log('  sweep, fedlink down (Coordinator chunkBytes × daemon channel options), best / median MB/s:');
  for (const chunkBytes of [256 * KiB, MiB, 2 * MiB]) {
    const c = await startCoordinator(chunkBytes, model.weights, model.version);
    try {
      for (const [option, opts] of clientVariants) {
        if (option.startsWith('grpc.max_receive') && chunkBytes !== MiB) continue;
        const s: Sample[] = [];
        for (let r = 0; r < sweepRepeats; r++) s.push(await fedlinkDown(c.port, model, recycled, opts));
        const st = stats(s, n);
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
      const st = stats(s, n);
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
  return { down: downSweep, up: upSweep };
}

/** Over emulated links, where the HTTP/2 windows meet a round trip: at most window / RTT moves. */
async function overLinks(wanModel: Model): Promise<WanRow[]> {
  const wan: WanRow[] = [];
  const wb = wanModel.bytes;
  const into = new Float32Array(wanModel.weights.length);
  const mbit = (sample: Sample) => round1((wb.length * 8) / sample.seconds / 1e6);
  console.log(`  over emulated links (fedlink linkem, in-process), ${(wb.length / 1e6).toFixed(0)} MB, once each, against raw TCP over the same link:`);
  const c = await startCoordinator(MiB, wanModel.weights, wanModel.version);
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
  return wan;
}

/** Link profiles TLS is measured over (the issue's 5G and Wi-Fi). */
const TLS_PROFILES = ['5g-embb', 'wifi'];

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const mbWanted = Number(process.env.BENCH_MB ?? 200);
  const repeats = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
  const sweepRepeats = Math.max(1, Number(process.env.BENCH_SWEEP_REPEATS ?? 2));
  const tlsOnly = process.env.BENCH_TLS_ONLY === '1';
  const sweep = process.env.BENCH_SWEEP !== '0' && !tlsOnly;
  const wanOn = process.env.BENCH_WAN !== '0' && !tlsOnly;
  const tlsOn = process.env.BENCH_TLS !== '0' || tlsOnly;
  const tlsRepeats = Math.max(1, Number(process.env.BENCH_TLS_REPEATS ?? 3));
  const parameters = Math.max(1, Math.round((mbWanted * 1e6) / 4));
  const weights = new Float32Array(parameters);
  for (let i = 0; i < parameters; i++) weights[i] = ((i * 2654435761) % 1000003) / 1000003 - 0.5;
  const bytes = float32ToBytes(weights);
  const model: Model = { weights, bytes, version: sha256Hex(bytes) };
  const MB = bytes.length / 1e6;
  console.log(`transfer: ${MB.toFixed(0)} MB float32 model (${parameters.toLocaleString()} parameters) over 127.0.0.1, one process; MB = 10^6 bytes`);
  const recycled = new Float32Array(parameters).fill(0);

  let head: Headline | undefined;
  let cpu: { sha256MBps: number; assembleMBps: number } | undefined;
  let swept: { down: DownSweepRow[]; up: UpSweepRow[] } = { down: [], up: [] };
  if (!tlsOnly) {
    console.log(`  ${repeats} interleaved repeats for the headline figures (best / median MB/s), ${sweep ? `${sweepRepeats} per sweep setting` : 'sweeps skipped'}`);
    head = await headline(model, recycled, repeats);
    cpu = cpuBreakdown(model, recycled);
    console.log(`  receiver CPU alone (one core, no network): sha256 ${cpu.sha256MBps} MB/s; Float32Assembler into the recycled array (copy + checks + sha256) ${cpu.assembleMBps} MB/s`);
    console.log('  up path = daemon pushUpdate (sha256 of the update, 1 MiB writes with backpressure) → Fleet PushUpdate handler (createFleetService)');
    console.log('            → UpdateReceiver → float32Sink (offset/bound checks, journal, sha256; the fold at round close); round bookkeeping not included');
    if (sweep) swept = await sweeps(model, recycled, head, sweepRepeats);
  }
  const wan = wanOn ? await overLinks(sliceModel(model, Number(process.env.BENCH_WAN_MB ?? 8))) : [];
  let tls: TlsCost | undefined;
  if (tlsOn) {
    tls = await measureTlsCost({
      model,
      linkModel: sliceModel(model, Number(process.env.BENCH_TLS_LINK_MB ?? 16)),
      profiles: process.env.BENCH_TLS_PROFILES !== undefined ? process.env.BENCH_TLS_PROFILES.split(',').filter(Boolean) : TLS_PROFILES,
      repeats: tlsRepeats,
      loopback: process.env.BENCH_TLS_LOOPBACK !== '0',
    });
  }

  const figures = {
    bench: 'transfer',
    bytes: bytes.length,
    parameters,
    ...(head && cpu
      ? {
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
        }
      : {}),
    overLinks: wan,
    sweep: head
      ? {
          down: swept.down.map(({ samples: _s, ...rest }) => ({ ...rest, vsRawMedian: ratio(rest.median, head.rawDown.median) })),
          up: swept.up.map(({ samples: _s, ...rest }) => ({ ...rest, vsRawMedian: ratio(rest.median, head.rawUp.median) })),
        }
      : undefined,
    tls: tls && {
      cipher: tls.cipher,
      repeats: tls.repeats,
      target: 0.9,
      // TLS / plaintext throughput (medians) of fedlink's transfers, the worst over the emulated links and on loopback.
      fedlinkTlsVsPlainMinOverLinks: tls.minFedlinkRatioOverLinks,
      fedlinkTlsVsPlainMinLoopback: tls.minFedlinkRatioLoopback,
      ratios: Object.fromEntries(tls.rows.map((r) => [`${r.path}.${r.link}.${r.direction}`, r.ratio])),
      rows: tls.rows.map(({ plain, tls: t, ...rest }) => ({ ...rest, plainMBps: { best: plain.best, median: plain.median }, tlsMBps: { best: t.best, median: t.median } })),
    },
  };
  console.log(JSON.stringify(figures));
}
