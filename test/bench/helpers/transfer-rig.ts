/**
 * Pieces of the transfer benchmark: an RSS peak sampler, the raw TCP (and raw
 * TLS) baseline, and a minimal gRPC server running the coordinator's real
 * Fleet handlers (`createFleetService`) over a stub run manager, for the
 * upload path (a real PushUpdate needs a round in progress) and for server
 * options the Coordinator does not expose.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tls from 'node:tls';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { systemClock } from '../../../common/clock';
import { silentLogger } from '../../../common/logger';
import { loadFedlinkProto } from '../../../proto/loader';
import { createFleetService } from '../../../services/coordinator/rpc/fleet-service';
import type { RunManager } from '../../../services/coordinator/run-manager';
import { SessionRegistry } from '../../../services/coordinator/fleet/session-registry';
import { MemoryStore } from '../../../services/coordinator/store/memory-store';
import { UpdateReceiver } from '../../../services/coordinator/rounds/update-receiver';
import { float32Sink } from '../../../services/coordinator/rounds/update-sink';
import { createJournal } from '../../../services/coordinator/rounds/update-journal';
import { StreamingFedAvg } from '../../../services/coordinator/aggregation/streaming-fedavg';
import { DEFAULT_VALUE_BOUND } from '../../../common/codecs';
import { NotFoundError } from '../../../common/errors';
import type { TlsMaterial } from '../../../common/pki/files';
import { createAuthHook, noAuth } from '../../../services/coordinator/auth/auth-hook';
import { DEFAULT_RECEIVE_WINDOW_BYTES, raiseReceiveWindows } from '../../../services/coordinator/rpc/receive-window';
import { serverCredentials } from '../../../services/coordinator/rpc/server-credentials';

v8.setFlagsFromString('--expose-gc');
/** A full GC (so each measurement starts from a settled heap); a no-op if unavailable. */
export const collectGarbage: () => void = (() => {
  try {
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => undefined;
  }
})();

/** Seconds since an arbitrary origin, high resolution. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** CPU seconds (user + system) this process has used, on every thread. */
export const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Samples process RSS every few ms; `stop()` returns the peak above the RSS at `start()`. */
export class RssPeak {
  private base = 0;
  private peak = 0;
  private timer?: NodeJS.Timeout;

  start(): void {
    this.base = process.memoryUsage.rss();
    this.peak = this.base;
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, process.memoryUsage.rss());
    }, 10);
  }

  /** Peak extra RSS, bytes. */
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    return this.peak - this.base;
  }
}

/** Starts something (a link emulator) relaying to `port`; connect to the port it returns. */
export type Relay = (port: number) => Promise<{ port: number; stop: () => Promise<void> }>;

/** One timed transfer. */
export interface Sample {
  seconds: number;
  peakExtraRss: number;
  /** CPU seconds the process (sender, receiver and any link emulator: one process) used meanwhile. */
  cpuSeconds?: number;
}

/** Rates of repeated transfers of the same size. */
export interface Stats {
  /** MB/s of the best (least disturbed) repeat. */
  best: number;
  /** MB/s of the median repeat. */
  median: number;
  /** Largest peak extra RSS over the repeats, bytes. */
  peakExtraRss: number;
  samples: number[];
}

/** Rounds to one decimal. */
export const round1 = (x: number): number => Math.round(x * 10) / 10;
/** a / b to three decimals. */
export const ratio = (a: number, b: number): number => Math.round((a / b) * 1000) / 1000;
/** The median of some numbers (the mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** MB/s figures of samples that each moved `bytes`. */
export function stats(samples: Sample[], bytes: number): Stats {
  const rates = samples.map((s) => bytes / 1e6 / s.seconds).sort((a, b) => a - b);
  return {
    best: round1(rates[rates.length - 1]),
    median: round1(median(rates)),
    peakExtraRss: Math.max(...samples.map((s) => s.peakExtraRss)),
    samples: rates.map(round1),
  };
}

/** Raw TLS: the server's and the client's credentials (mutual TLS, as fedlink's). */
export interface RawTls {
  server: TlsMaterial;
  client: TlsMaterial;
}

/**
 * Raw TCP baseline: a connected socket pair on 127.0.0.1 in this process
 * (through `via` when given; over mutual TLS when `secure` is given, the
 * handshake done before the clock starts); the sender writes `bytes` in
 * `writeBytes` slices honouring backpressure, the receiver only counts. Timed
 * from the first write to the receiver holding all bytes.
 */
export async function rawTcp(direction: 'down' | 'up', bytes: Buffer, writeBytes = 1 << 20, via?: Relay, secure?: RawTls): Promise<Sample & { cipher?: string }> {
  const server = secure
    ? tls.createServer({ key: secure.server.keyPem, cert: secure.server.certPem, ca: secure.server.caPem, requestCert: true, rejectUnauthorized: true })
    : net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const relay = via ? await via(port) : undefined;
  const accepted = once(server, secure ? 'secureConnection' : 'connection') as Promise<[net.Socket]>;
  const target = relay?.port ?? port;
  const client = secure
    ? tls.connect({ host: '127.0.0.1', port: target, servername: 'localhost', ca: secure.client.caPem, cert: secure.client.certPem, key: secure.client.keyPem })
    : net.connect(target, '127.0.0.1');
  await once(client, secure ? 'secureConnect' : 'connect');
  const [serverSide] = await accepted;
  // What TLS negotiated, e.g. "TLSv1.3 TLS_AES_256_GCM_SHA384".
  const cipher = client instanceof tls.TLSSocket ? `${client.getProtocol() ?? ''} ${client.getCipher().name}` : undefined;
  // down: coordinator (server) → daemon (client); up: the reverse.
  const [sender, receiver] = direction === 'down' ? [serverSide, client] : [client, serverSide];
  let received = 0;
  const done = new Promise<number>((resolve, reject) => {
    receiver.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= bytes.length) resolve(now());
    });
    receiver.on('error', reject);
  });
  collectGarbage();
  const rss = new RssPeak();
  rss.start();
  const cpu0 = cpuSeconds();
  const t0 = now();
  for (let offset = 0; offset < bytes.length; offset += writeBytes) {
    if (!sender.write(bytes.subarray(offset, Math.min(bytes.length, offset + writeBytes)))) await once(sender, 'drain');
  }
  const t1 = await done;
  const cpu = cpuSeconds() - cpu0;
  const peakExtraRss = rss.stop();
  client.destroy();
  serverSide.destroy();
  await relay?.stop();
  await new Promise((r) => server.close(r));
  return { seconds: t1 - t0, peakExtraRss, cpuSeconds: cpu, cipher };
}

/** The upload server: real Fleet handlers, a stub run manager that opens a real UpdateReceiver + float32Sink per upload. */
export interface UploadServer {
  port: number;
  /** Resolves when the next upload is verified and committed, with a call that averages it (for checking it, untimed). */
  nextCompleted(): Promise<() => Float32Array>;
  stop(): Promise<void>;
}

/**
 * The session registry the bench servers give the Fleet service: a real, empty
 * one (uploads come from clients it does not know, as over a stub manager), so
 * the service finds every method it calls, now and as it grows.
 */
export function benchRegistry(): SessionRegistry {
  return new SessionRegistry(systemClock, new MemoryStore(), silentLogger());
}

/**
 * Starts a grpc-js server on 127.0.0.1 with the coordinator's own server
 * options (plus `extra`) and receive window (`windowBytes`: the coordinator's
 * default unless given; 65535 leaves grpc-js's own) serving
 * `createFleetService`. PushUpdate goes through the real handler,
 * UpdateReceiver and float32Sink (offset checks, bound check, the journal
 * spooled to a temp dir, sha256 of the whole; the fold from the journal at
 * round close happens in the call nextCompleted resolves with); what the stub leaves out is the round bookkeeping
 * around them (selection and task checks). With `secure` it serves mutual TLS
 * as the coordinator does (serverCredentials) and the caller's identity comes
 * from its certificate (the coordinator's auth hook).
 */
export async function startUploadServer(
  parameters: number,
  extra: grpc.ServerOptions = {},
  windowBytes = DEFAULT_RECEIVE_WINDOW_BYTES,
  secure?: TlsMaterial,
): Promise<UploadServer & { windowRaised: boolean }> {
  let waiting: { resolve: (v: () => Float32Array) => void; reject: (e: Error) => void } | undefined;
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-spool-'));
  const manager = {
    async beginUpdate(clientId: string, _runId: string, _round: number, h: { transferId: string; encoding: string; sha256: string; numExamples: number; totalBytes: number }) {
      if (h.encoding !== 'float32' || h.totalBytes !== parameters * 4) throw new Error('bench upload server expects raw float32 of the bench size');
      const fedavg = new StreamingFedAvg(parameters);
      // Spooled whatever the host's journal memory policy allows: the bench measures the transfer,
      // with the coordinator's memory at a few chunks per upload.
      const journal = createJournal(h.totalBytes, `bench-${clientId}`, { spoolDir, memoryMaxBytes: 0 });
      return new UpdateReceiver(
        clientId,
        h.transferId,
        h.numExamples,
        h.encoding,
        float32Sink(parameters, { journal, sha256: h.sha256, bound: DEFAULT_VALUE_BOUND }),
        h.sha256,
        (r) => {
          fedavg.add({ clientId, numExamples: r.numExamples, kind: 'weights', encoding: 'float32', journal: r.handOver() });
          // The average is the round's work at its end (see the aggregation bench), not the upload's.
          waiting?.resolve(() => {
            const values = fedavg.average();
            // Only waits for worker threads to exit; never rejects.
            void fedavg.dispose();
            return values;
          });
        },
        (_r, reason) => waiting?.reject(new Error(`upload aborted: ${reason}`)),
      );
    },
    async model() {
      throw new Error('no models here');
    },
    checkModelAccess() {
      throw new NotFoundError('the bench upload server serves no models');
    },
    noteDownload() {},
    async uploadOffset() {
      return 0;
    },
  } as unknown as RunManager;
  const { proto } = loadFedlinkProto();
  const server = new grpc.Server({
    // The Coordinator's own server options (coordinator.ts start()).
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5000,
    ...extra,
  });
  server.addService(
    proto.fedlink.v1.Fleet.service,
    createFleetService({
      manager,
      registry: benchRegistry(),
      auth: secure ? createAuthHook({ tls: true }) : noAuth,
      logger: silentLogger(),
      heartbeatIntervalMs: 2000,
      unavailable: () => undefined,
      version: 'bench',
      links: { report() {}, observe() {}, presence() {} },
      enroll: () => Promise.reject(new Error('no enrollment in the transfer bench')),
      clock: systemClock,
    }),
  );
  let windowRaised = false;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', serverCredentials(secure), (err, p) => {
      if (err) return reject(err);
      // As the coordinator does (coordinator.ts start()).
      windowRaised = windowBytes > 65_535 && raiseReceiveWindows(server, windowBytes);
      resolve(p);
    }),
  );
  return {
    port,
    windowRaised,
    nextCompleted: () => new Promise<() => Float32Array>((resolve, reject) => (waiting = { resolve, reject })),
    stop: () =>
      new Promise<void>((resolve) => {
        rmSync(spoolDir, { recursive: true, force: true });
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000).unref();
      }),
  };
}

/**
 * Plain grpc-js reference, same process and proto (Fleet.FetchModel /
 * PushUpdate messages), no fedlink logic: the sender writes `chunkBytes`
 * chunks honouring backpressure, the receiver only counts bytes (no checks,
 * no copy into a model, no sha256). Separates what grpc-js itself costs from
 * what fedlink adds. Timed from the call to the last byte received.
 */
export async function plainGrpc(direction: 'down' | 'up', bytes: Buffer, chunkBytes = 1 << 20): Promise<Sample> {
  const { proto } = loadFedlinkProto();
  let received = 0;
  let upDone: (() => void) | undefined;
  const server = new grpc.Server();
  server.addService(proto.fedlink.v1.Fleet.service, {
    FetchModel: async (call: grpc.ServerWritableStream<unknown, { offset: number; data: Buffer }>) => {
      for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
        if (!call.write({ offset, data: bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes)) })) await once(call, 'drain');
      }
      call.end();
    },
    PushUpdate: (call: grpc.ServerReadableStream<{ data: Buffer }, unknown>, cb: grpc.sendUnaryData<{ transferId: string; receivedBytes: number }>) => {
      call.on('data', (m: { data: Buffer }) => (received += m.data.length));
      call.on('end', () => {
        upDone?.();
        cb(null, { transferId: 'plain', receivedBytes: received });
      });
    },
  } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const client = new proto.fedlink.v1.Fleet(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
  collectGarbage();
  const rss = new RssPeak();
  rss.start();
  const t0 = now();
  if (direction === 'down') {
    const call = client.FetchModel({ runId: 'plain', round: 1, modelVersion: '', offset: 0 });
    await new Promise<void>((resolve, reject) => {
      call.on('data', (m: { data: Buffer }) => (received += m.data.length));
      call.on('end', resolve);
      call.on('error', reject);
    });
  } else {
    const finished = new Promise<void>((r) => (upDone = r));
    const call = client.PushUpdate((err) => void err);
    for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
      if (!call.write({ offset, data: bytes.subarray(offset, Math.min(bytes.length, offset + chunkBytes)) })) await once(call, 'drain');
    }
    call.end();
    await finished;
  }
  const t1 = now();
  const peakExtraRss = rss.stop();
  client.close();
  server.forceShutdown();
  if (received !== bytes.length) throw new Error(`plain grpc-js ${direction}: received ${received} of ${bytes.length} bytes`);
  return { seconds: t1 - t0, peakExtraRss };
}
