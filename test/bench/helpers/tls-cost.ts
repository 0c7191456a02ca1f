/**
 * What mutual TLS costs fedlink's transfers: the same model download and
 * update upload as the transfer bench, over plaintext and over mutual TLS
 * (the coordinator's serverCredentials, the daemon's channelCredentials,
 * ECDSA P-256 certificates from a throwaway PKI), interleaved in one run, on
 * loopback and through the link emulator with the named profiles. Raw TCP vs
 * raw TLS sockets moving the same bytes over the same path separate what TLS
 * itself costs from how grpc-js carries it. Connecting and the handshake
 * happen before each clock starts (the handshake bench measures those).
 */
import type { TlsMaterial } from '../../../common/pki/files';
import { parseProfile, type LinkProfile } from '../../../clients/linkem/profiles';
import type { Coordinator } from '../../../services/coordinator/coordinator';
import { createTestPki } from '../../helpers/pki';
import { CLIENT_ID, emulate, fedlinkDown, fedlinkUp, startCoordinator, type Model } from './fedlink-transfers';
import { median, rawTcp, ratio, round1, stats, type Sample, type Stats } from './transfer-rig';

const MiB = 1 << 20;

/** One path, one direction, one link: plaintext against TLS. */
export interface TlsRow {
  link: string;
  direction: 'down' | 'up';
  path: 'fedlink' | 'raw';
  bytes: number;
  /** MB/s (MB = 10^6 bytes). */
  plain: Stats;
  tls: Stats;
  /** TLS median throughput / plaintext median throughput. */
  ratio: number;
  /** The same ratio pairing each TLS repeat with the plaintext repeat next to it, median of those. */
  pairedRatio: number;
  /** Process CPU per MB moved (sender + receiver + emulator, one process), median, ms. */
  cpuMsPerMbPlain: number;
  cpuMsPerMbTls: number;
}

/** What the TLS comparison found. */
export interface TlsCost {
  /** Protocol and cipher the raw TLS connections negotiated (grpc-js's use the same Node defaults). */
  cipher: string;
  repeats: number;
  rows: TlsRow[];
  /** Lowest TLS/plaintext median ratio of fedlink's transfers over the emulated links (target ≥ 0.9). */
  minFedlinkRatioOverLinks?: number;
  /** The same on loopback. */
  minFedlinkRatioLoopback?: number;
}

/** What to measure. */
export interface TlsCostOptions {
  /** The loopback model (the bench's headline size). */
  model: Model;
  /** The smaller model moved over the emulated links. */
  linkModel: Model;
  /** linkem profile names. */
  profiles: string[];
  repeats: number;
  /** Whether to measure on loopback too. */
  loopback: boolean;
}

type Key = `${'fedlink' | 'raw'}-${'down' | 'up'}-${'plain' | 'tls'}`;

/** Measures, prints a table and returns the figures. */
export async function measureTlsCost(o: TlsCostOptions): Promise<TlsCost> {
  const pki = await createTestPki();
  const server: TlsMaterial = pki.coordinator;
  const client: TlsMaterial = await pki.client(CLIENT_ID);
  const rows: TlsRow[] = [];
  let cipher = '';
  try {
    const links: Array<{ name: string; profile?: LinkProfile; model: Model }> = [
      ...(o.loopback ? [{ name: 'loopback', model: o.model }] : []),
      ...o.profiles.map((p) => ({ name: p, profile: parseProfile(p), model: o.linkModel })),
    ];
    console.log(`  TLS vs plaintext (mutual TLS, ECDSA P-256 certificates; ${o.repeats} interleaved repeats, medians; connecting and the handshake before the clock):`);
    await warmUp(o.linkModel, server, client);
    for (const link of links) {
      const { model, profile } = link;
      const into = new Float32Array(model.weights.length);
      const samples = new Map<Key, Sample[]>();
      const add = (k: Key, s: Sample) => samples.set(k, [...(samples.get(k) ?? []), s]);
      // One coordinator of each kind, each behind its own emulator on a link.
      const coordinators: Record<'plain' | 'tls', Coordinator> = {
        plain: await startCoordinator(MiB, model.weights, model.version),
        tls: await startCoordinator(MiB, model.weights, model.version, server),
      };
      const fronts = profile ? { plain: await emulate(coordinators.plain.port, profile), tls: await emulate(coordinators.tls.port, profile) } : undefined;
      const via = profile ? (port: number) => emulate(port, profile) : undefined;
      try {
        for (let r = 0; r < o.repeats; r++) {
          // Alternate which goes first, so drift over the run (a neighbour's load) favours neither.
          const modes = r % 2 === 0 ? (['plain', 'tls'] as const) : (['tls', 'plain'] as const);
          for (const direction of ['down', 'up'] as const) {
            for (const mode of modes) {
              const secure = mode === 'tls' ? { server, client } : undefined;
              const raw = await rawTcp(direction, model.bytes, MiB, via, secure);
              if (raw.cipher) cipher = raw.cipher;
              add(`raw-${direction}-${mode}`, raw);
              if (direction === 'down') {
                const port = fronts?.[mode].port ?? coordinators[mode].port;
                add(`fedlink-down-${mode}`, await fedlinkDown(port, model, into, {}, mode === 'tls' ? client : undefined));
              } else {
                add(`fedlink-up-${mode}`, await fedlinkUp(model, { maxChunkBytes: MiB, link: profile, tls: secure }));
              }
            }
          }
        }
      } finally {
        await fronts?.plain.stop();
        await fronts?.tls.stop();
        await coordinators.plain.stop('bench done');
        await coordinators.tls.stop('bench done');
      }
      for (const path of ['fedlink', 'raw'] as const) {
        for (const direction of ['down', 'up'] as const) {
          const plainSamples = samples.get(`${path}-${direction}-plain`)!;
          const tlsSamples = samples.get(`${path}-${direction}-tls`)!;
          const plain = stats(plainSamples, model.bytes.length);
          const tls = stats(tlsSamples, model.bytes.length);
          const cpuMsPerMb = (xs: Sample[]) => round1(median(xs.map((s) => ((s.cpuSeconds ?? 0) * 1000) / (model.bytes.length / 1e6))));
          rows.push({
            link: link.name,
            direction,
            path,
            bytes: model.bytes.length,
            plain,
            tls,
            ratio: ratio(tls.median, plain.median),
            pairedRatio: ratio(median(tlsSamples.map((t, i) => plainSamples[i].seconds / t.seconds)), 1),
            cpuMsPerMbPlain: cpuMsPerMb(plainSamples),
            cpuMsPerMbTls: cpuMsPerMb(tlsSamples),
          });
        }
      }
    }
  } finally {
    pki.remove();
  }
  print(rows, cipher);
  const fedlinkRatios = (onLinks: boolean) => rows.filter((r) => r.path === 'fedlink' && (r.link !== 'loopback') === onLinks).map((r) => r.ratio);
  const min = (xs: number[]) => (xs.length ? Math.min(...xs) : undefined);
  const result: TlsCost = { cipher, repeats: o.repeats, rows, minFedlinkRatioOverLinks: min(fedlinkRatios(true)), minFedlinkRatioLoopback: min(fedlinkRatios(false)) };
  if (result.minFedlinkRatioOverLinks !== undefined) {
    const worst = rows.filter((r) => r.path === 'fedlink' && r.link !== 'loopback').reduce((a, b) => (b.ratio < a.ratio ? b : a));
    const met = result.minFedlinkRatioOverLinks >= 0.9;
    console.log(`    target: TLS throughput ≥ 90 % of plaintext on the emulated links: worst ${pct(worst.ratio)} (${worst.link} ${worst.direction}), ${met ? 'met' : 'NOT met'}`);
  }
  return result;
}

/** One untimed transfer of each kind, so the first measured one (plaintext or TLS) is not also the first run of its code. */
async function warmUp(model: Model, server: TlsMaterial, client: TlsMaterial): Promise<void> {
  for (const secure of [undefined, { server, client }]) {
    const c = await startCoordinator(MiB, model.weights, model.version, secure?.server);
    try {
      await fedlinkDown(c.port, model, undefined, {}, secure?.client);
    } finally {
      await c.stop('warm-up done');
    }
    await fedlinkUp(model, { maxChunkBytes: MiB, tls: secure });
    await rawTcp('down', model.bytes, MiB, undefined, secure);
  }
}

const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function print(rows: TlsRow[], cipher: string): void {
  console.log(`    negotiated: ${cipher || 'n/a'}; throughput median (best), plaintext → TLS; CPU: the whole process per MB moved`);
  for (const r of rows) {
    const onLink = r.link !== 'loopback';
    // Emulated links in Mbit/s (as their profiles are given), loopback in MB/s.
    const fmt = (s: Stats) => (onLink ? `${round1(s.median * 8)} (${round1(s.best * 8)}) Mbit/s` : `${s.median} (${s.best}) MB/s`);
    const what = r.path === 'fedlink' ? (r.direction === 'down' ? 'fedlink down (FetchModel)' : 'fedlink up (PushUpdate)') : `raw ${r.direction === 'down' ? 'TCP → TLS down' : 'TCP → TLS up'}`;
    console.log(
      `    ${r.link.padEnd(9)} ${what.padEnd(26)} ${fmt(r.plain).padStart(24)} → ${fmt(r.tls).padEnd(24)} TLS/plain ${r.ratio.toFixed(3)} (paired ${r.pairedRatio.toFixed(3)})` +
        `   CPU ${r.cpuMsPerMbPlain} → ${r.cpuMsPerMbTls} ms/MB`,
    );
  }
}
