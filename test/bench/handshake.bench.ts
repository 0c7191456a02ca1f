/**
 * Handshake benchmark: what mutual TLS costs when clients connect. A real
 * coordinator (`fedlink coordinator`, its own OS process, so its CPU can be
 * read from /proc/<pid>/stat apart from the clients') takes BENCH_CLIENTS
 * (default 1,000) clients connecting over loopback, BENCH_CONCURRENCY (50) at
 * a time, each on its own connection: with mutual TLS (`--pki`, each client
 * presenting its own ECDSA P-256 certificate, all issued before the clock
 * starts) and in plaintext (client ids from metadata), interleaved,
 * BENCH_REPEATS (default 2) times each, a fresh coordinator per phase. A
 * connection counts when its Connect hello gets its Welcome: TCP connect, TLS
 * handshake, HTTP/2 setup, the auth hook reading the certificate, the session
 * registered. Sessions stay open until the phase ends (as connected daemons
 * do), then say goodbye and close.
 *
 * Measured per phase: connections per second (from the first connect to the
 * last Welcome), coordinator CPU seconds in that window (user + system, from
 * /proc, 10 ms ticks) per 1,000 connections, the coordinator's RSS with every
 * session open, the clients' own CPU, and Welcome latency. Printed as TLS /
 * plaintext ratios; ends with one JSON line. Coordinator with --store memory
 * and --log-level warn: the per-connection cost, not disk or log writes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { channelCredentials } from '../../common/channel-credentials';
import { waitFor } from '../../common/wait-for';
import { loadFedlinkProto } from '../../proto/loader';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import { createTestPki, type TestPki } from '../helpers/pki';

const CLIENTS = Math.max(1, Number(process.env.BENCH_CLIENTS ?? 1000));
const CONCURRENCY = Math.max(1, Number(process.env.BENCH_CONCURRENCY ?? 50));
const REPEATS = Math.max(1, Number(process.env.BENCH_REPEATS ?? 2));
/** Connections made (and closed) before each measured phase, so neither side is measured cold. */
const WARMUP = 50;
/** A connection without its Welcome after this long fails the bench rather than hanging it. */
const WELCOME_TIMEOUT_MS = 30_000;

type Mode = 'plain' | 'tls';

/** One client as the bench connects it: its id and its channel credentials (built before the clock starts). */
interface Identity {
  clientId: string;
  credentials: grpc.ChannelCredentials;
}

/** An open session: closes its stream and its connection. */
interface Open {
  welcomeMs: number;
  close(): Promise<void>;
}

/** What one phase measured. */
interface Phase {
  mode: Mode;
  connections: number;
  seconds: number;
  perSecond: number;
  coordinatorCpuSeconds: number;
  coordinatorCpuPer1000: number;
  /** Coordinator CPU seconds / wall seconds over the phase (1 = one core busy the whole time). */
  coordinatorBusy: number;
  clientCpuSeconds: number;
  coordinatorRssBytes: number;
  welcomeP50Ms: number;
  welcomeP99Ms: number;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process, from /proc/<pid>/stat (fields 14 and 15). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set size of a process, bytes. */
function processRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Opens a Connect session on a connection of its own and resolves at its Welcome. */
async function connect(port: number, who: Identity): Promise<Open> {
  const { Fleet } = loadFedlinkProto().proto.fedlink.v1;
  // A local subchannel pool: each client its own TCP connection (and TLS handshake), as separate devices have,
  // instead of grpc-js sharing one between channels with equal credentials.
  const client = new Fleet(`127.0.0.1:${port}`, who.credentials, { 'grpc.use_local_subchannel_pool': 1 }) as FleetClient;
  const md = new grpc.Metadata();
  md.set('fedlink-client-id', who.clientId);
  const t0 = performance.now();
  const call = client.Connect(md);
  const ended = new Promise<void>((resolve) => call.on('status', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${who.clientId}: no Welcome within ${WELCOME_TIMEOUT_MS} ms`)), WELCOME_TIMEOUT_MS);
      call.on('data', (msg: { welcome?: unknown }) => {
        if (msg.welcome) {
          clearTimeout(timer);
          resolve();
        }
      });
      // Stays attached after the Welcome: a stream that ends with an error later must not go unhandled.
      call.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      call.write({
        hello: {
          clientId: who.clientId,
          capabilities: { backend: 'bench', encodings: ['float32'], features: [], models: ['mlp'], dataset: 'bench' },
          datasetSize: 100,
          resumeToken: '',
          version: 'bench',
        },
      });
    });
  } catch (err) {
    call.cancel();
    client.close();
    throw err;
  }
  const welcomeMs = performance.now() - t0;
  return {
    welcomeMs,
    close: async () => {
      call.write({ goodbye: { reason: 'bench done' } });
      call.end();
      // The coordinator ends the stream on goodbye; bounded in case it does not.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 5000).unref())]);
      call.cancel();
      client.close();
    },
  };
}

/** Runs `fn` over `items`, at most `limit` at a time; after a failure starts no more and rejects once the others settle. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        try {
          out[i] = await fn(items[i]);
        } catch (err) {
          next = items.length;
          throw err;
        }
      }
    }),
  );
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return out;
}

/** Closes sessions, at most `limit` at a time; never rejects. */
async function closeAll(open: Array<Open | undefined>): Promise<void> {
  await pool(open, CONCURRENCY, async (o) => {
    await o?.close().catch(() => undefined);
  });
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** One phase: a fresh coordinator, a warm-up, then every client connecting with `CONCURRENCY` in flight. */
async function phase(mode: Mode, pki: TestPki, identities: { warm: Identity[]; measured: Identity[] }, logDir: string, n: number): Promise<Phase> {
  const group = new ProcessGroup(logDir);
  const port = await freePort();
  const name = `coordinator-${mode}-${n}`;
  const child = group.start(name, [
    'coordinator', '--host', '127.0.0.1', '--port', String(port), '--store', 'memory', '--log-level', 'warn',
    // Bench clients send no heartbeats; their sessions must outlive the phase.
    '--client-timeout', '10m',
    ...(mode === 'tls' ? ['--pki', pki.dir] : []),
  ]);
  const open: Array<Open | undefined> = [];
  try {
    const pid = child.pid;
    if (pid === undefined) throw new Error('the coordinator did not start');
    await waitFor(
      'the coordinator to listen',
      () =>
        new Promise<true>((resolve, reject) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', reject);
        }),
      60_000,
      50,
    );
    const track = async (who: Identity) => {
      const o = await connect(port, who);
      open.push(o);
      return o;
    };
    await pool(identities.warm, CONCURRENCY, track);
    await closeAll(open.splice(0));

    const cpu0 = processCpuSeconds(pid);
    const own0 = ownCpuSeconds();
    const t0 = performance.now();
    const opened = await pool(identities.measured, CONCURRENCY, track);
    const seconds = (performance.now() - t0) / 1000;
    const coordinatorCpuSeconds = processCpuSeconds(pid) - cpu0;
    const clientCpuSeconds = ownCpuSeconds() - own0;
    const coordinatorRssBytes = processRss(pid);
    const latencies = opened.map((o) => o.welcomeMs);
    return {
      mode,
      connections: opened.length,
      seconds: round(seconds, 3),
      perSecond: round(opened.length / seconds),
      coordinatorCpuSeconds: round(coordinatorCpuSeconds, 2),
      coordinatorCpuPer1000: round((coordinatorCpuSeconds * 1000) / opened.length, 2),
      coordinatorBusy: round(coordinatorCpuSeconds / seconds, 2),
      clientCpuSeconds: round(clientCpuSeconds, 2),
      coordinatorRssBytes,
      welcomeP50Ms: round(percentile(latencies, 0.5)),
      welcomeP99Ms: round(percentile(latencies, 0.99)),
    };
  } finally {
    await closeAll(open);
    await group.stopAll(10_000);
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  if (process.platform !== 'linux') throw new Error('the handshake bench reads the coordinator\'s CPU from /proc (Linux only)');
  console.log(`handshake: ${CLIENTS} clients connecting to one coordinator (its own process) over 127.0.0.1, ${CONCURRENCY} in flight, mutual TLS vs plaintext, ${REPEATS} interleaved repeats`);
  const pki = await createTestPki();
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-handshake-'));
  let failed = true;
  try {
    // Every certificate and key, and each client's TLS context, made before any clock starts.
    let t = performance.now();
    const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
    const issue = async (clientIds: string[]) => {
      const material = await pool(clientIds, 8, (id) => pki.client(id));
      return material.map((m, i) => ({ clientId: clientIds[i], credentials: channelCredentials(m) }));
    };
    const tlsIds = { warm: await issue(ids('warm', WARMUP)), measured: await issue(ids('edge', CLIENTS)) };
    const plainIds = {
      warm: tlsIds.warm.map((x) => ({ clientId: x.clientId, credentials: grpc.credentials.createInsecure() })),
      measured: tlsIds.measured.map((x) => ({ clientId: x.clientId, credentials: grpc.credentials.createInsecure() })),
    };
    console.log(`  issued ${WARMUP + CLIENTS} client certificates (ECDSA P-256) in ${((performance.now() - t) / 1000).toFixed(1)} s, not timed`);

    const phases: Phase[] = [];
    for (let r = 0; r < REPEATS; r++) {
      // Alternate which goes first, so drift (a neighbour's load) favours neither.
      for (const mode of r % 2 === 0 ? (['plain', 'tls'] as const) : (['tls', 'plain'] as const)) {
        t = performance.now();
        const p = await phase(mode, pki, mode === 'tls' ? tlsIds : plainIds, logDir, r);
        phases.push(p);
        console.log(
          `  ${mode === 'tls' ? 'mutual TLS' : 'plaintext '}  ${String(p.perSecond).padStart(7)} connections/s   coordinator CPU ${p.coordinatorCpuPer1000.toFixed(2)} s per 1,000` +
            ` (busy ${p.coordinatorBusy.toFixed(2)} of a core)   clients' CPU ${p.clientCpuSeconds.toFixed(2)} s   Welcome p50 ${p.welcomeP50Ms} ms, p99 ${p.welcomeP99Ms} ms` +
            `   coordinator RSS with ${p.connections} sessions ${(p.coordinatorRssBytes / 2 ** 20).toFixed(0)} MiB   (phase ${((performance.now() - t) / 1000).toFixed(1)} s)`,
        );
      }
    }
    const of = (mode: Mode, f: (p: Phase) => number) => round(median(phases.filter((p) => p.mode === mode).map(f)), 3);
    const summary = (f: (p: Phase) => number) => ({ plain: of('plain', f), tls: of('tls', f), tlsVsPlain: ratio(of('tls', f), of('plain', f)) });
    const rate = summary((p) => p.perSecond);
    const cpu = summary((p) => p.coordinatorCpuPer1000);
    const rss = summary((p) => p.coordinatorRssBytes);
    const clientCpu = summary((p) => p.clientCpuSeconds);
    console.log(`  medians: ${rate.plain} → ${rate.tls} connections/s (TLS/plaintext ${rate.tlsVsPlain}); coordinator CPU ${cpu.plain} → ${cpu.tls} s per 1,000 connections (TLS/plaintext ${cpu.tlsVsPlain})`);
    console.log(`           clients' CPU ${clientCpu.plain} → ${clientCpu.tls} s per ${CLIENTS}; coordinator RSS with every session open ${(rss.plain / 2 ** 20).toFixed(0)} → ${(rss.tls / 2 ** 20).toFixed(0)} MiB`);
    console.log(
      JSON.stringify({
        bench: 'handshake',
        clients: CLIENTS,
        concurrency: CONCURRENCY,
        repeats: REPEATS,
        connectionsPerSecond: rate,
        coordinatorCpuSecondsPer1000: cpu,
        clientCpuSeconds: clientCpu,
        coordinatorRssBytes: rss,
        phases,
      }),
    );
    failed = false;
  } finally {
    pki.remove();
    // The coordinators' logs stay when something went wrong.
    if (failed) console.error(`  coordinator logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}
