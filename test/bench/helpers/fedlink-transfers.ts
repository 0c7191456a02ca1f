/**
 * fedlink's own transfers as the transfer bench times them: a model download
 * (a real Coordinator's FetchModel into the daemon's `fetchModel`) and an
 * update upload (the daemon's `pushUpdate` into the real PushUpdate handler,
 * see transfer-rig.ts), each optionally over mutual TLS and through a link
 * emulator. The clients use the daemon's channel options; connecting (and the
 * TLS handshake) happens before the clock starts.
 */
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, type CallerTls } from '../../../common/channel-credentials';
import { silentLogger } from '../../../common/logger';
import type { TlsMaterial } from '../../../common/pki/files';
import type { RunRecord } from '../../../common/types';
import { fetchModel } from '../../../clients/daemon/fetch-model';
import { pushUpdate } from '../../../clients/daemon/push-update';
import { TRANSFER_CHANNEL_OPTIONS } from '../../../clients/daemon/session';
import { LinkEmulator } from '../../../clients/linkem/proxy';
import type { LinkProfile } from '../../../clients/linkem/profiles';
import { loadFedlinkProto } from '../../../proto/loader';
import type { FleetClient } from '../../../proto/gen/fedlink/v1/Fleet';
import { Coordinator, coordinatorConfig } from '../../../services/coordinator/coordinator';
import { MemoryStore } from '../../../services/coordinator/store/memory-store';
import { collectGarbage, cpuSeconds, now, RssPeak, startUploadServer, type Sample } from './transfer-rig';

/** The bench's run id and client id (the client certificate names the client id). */
export const RUN_ID = 'bench-transfer';
export const CLIENT_ID = 'bench-daemon';
/** Upper bound on one transfer, so a stall fails the bench instead of hanging it. */
const TRANSFER_TIMEOUT_MS = 300_000;

/** A model as the bench moves it: values, their float32 bytes, and its version (sha256). */
export interface Model {
  weights: Float32Array;
  bytes: Buffer;
  version: string;
}

/** A Fleet client with the daemon's transfer channel options (plus `options`); TLS when `tls` is given. */
export function makeClient(port: number, options: grpc.ChannelOptions, tls?: CallerTls): FleetClient {
  const { Fleet } = loadFedlinkProto().proto.fedlink.v1;
  // The daemon's session options (clients/daemon/session.ts) plus the ones under test.
  return new Fleet(`127.0.0.1:${port}`, channelCredentials(tls), {
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

/**
 * A real coordinator serving FetchModel for the bench model at `chunkBytes`,
 * serving mutual TLS when `tls` is given. It drives no round, so the check
 * that the caller holds a task for this model (a map lookup per download) is
 * waived; everything else on the download path is the coordinator's own.
 */
export async function startCoordinator(chunkBytes: number, weights: Float32Array, version: string, tls?: TlsMaterial): Promise<Coordinator> {
  const store = new MemoryStore();
  const coordinator = new Coordinator(coordinatorConfig({ host: '127.0.0.1', port: 0, chunkBytes, drainTimeoutMs: 1000, tls }), silentLogger(), { store });
  coordinator.manager.checkModelAccess = () => undefined;
  await coordinator.start();
  await store.putRun(runRecord(weights.length, version));
  await store.putModel(RUN_ID, version, weights);
  return coordinator;
}

/** A link emulator (`fedlink linkem`) in front of `port`. */
export async function emulate(port: number, profile: LinkProfile): Promise<{ port: number; stop: () => Promise<void> }> {
  const em = new LinkEmulator({ listenHost: '127.0.0.1', listenPort: 0, target: `127.0.0.1:${port}`, profile, seed: 1, logger: silentLogger() });
  return { port: await em.start(), stop: () => em.stop() };
}

/**
 * One model download from the coordinator at `port`. `into`: the array to
 * assemble into (the daemon's recycled one), or a fresh one when unset.
 * `tls`: the client's credentials (the coordinator must serve TLS too).
 */
export async function fedlinkDown(port: number, model: Model, into: Float32Array | undefined, clientOptions: grpc.ChannelOptions = {}, tls?: CallerTls): Promise<Sample> {
  const client = makeClient(port, clientOptions, tls);
  try {
    await ready(client);
    collectGarbage();
    const rss = new RssPeak();
    rss.start();
    const cpu0 = cpuSeconds();
    const t0 = now();
    const got = await fetchModel(
      client,
      { runId: RUN_ID, round: 1, modelVersion: model.version, expectedBytes: model.bytes.length, tensors: [{ name: 'w', shape: [model.weights.length] }], into },
      { metadata: metadata(), signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS) },
    );
    const t1 = now();
    const cpu = cpuSeconds() - cpu0;
    const peakExtraRss = rss.stop();
    if ((into && got.weights !== into) || got.weights.length !== model.weights.length || got.weights[12345 % got.weights.length] !== model.weights[12345 % got.weights.length]) {
      throw new Error('downloaded model differs');
    }
    return { seconds: t1 - t0, peakExtraRss, cpuSeconds: cpu };
  } finally {
    client.close();
  }
}

/** How one upload is set up. */
export interface UpConfig {
  maxChunkBytes: number;
  serverOptions?: grpc.ServerOptions;
  /** The coordinator's receive window; its default (4 MiB) unless set. */
  serverWindowBytes?: number;
  clientOptions?: grpc.ChannelOptions;
  /** Upload through a link emulator with this profile. */
  link?: LinkProfile;
  /** Mutual TLS: the server's and the client's credentials. */
  tls?: { server: TlsMaterial; client: TlsMaterial };
}

/** One update upload into a fresh upload server (transfer-rig.ts), timed from the call to the acknowledgement. */
export async function fedlinkUp(model: Model, cfg: UpConfig): Promise<Sample & { windowRaised: boolean }> {
  const server = await startUploadServer(model.weights.length, cfg.serverOptions, cfg.serverWindowBytes, cfg.tls?.server);
  const link = cfg.link ? await emulate(server.port, cfg.link) : undefined;
  const client = makeClient(link?.port ?? server.port, cfg.clientOptions ?? {}, cfg.tls?.client);
  try {
    await ready(client);
    collectGarbage();
    const completed = server.nextCompleted();
    const rss = new RssPeak();
    rss.start();
    const cpu0 = cpuSeconds();
    const t0 = now();
    const res = await pushUpdate(
      client,
      { taskId: 'bench-task', runId: RUN_ID, round: 1, numExamples: 100, tensors: [{ name: 'w', shape: [model.weights.length] }], weights: model.weights, maxChunkBytes: cfg.maxChunkBytes },
      { metadata: metadata(), signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS) },
    );
    const t1 = now();
    const cpu = cpuSeconds() - cpu0;
    const peakExtraRss = rss.stop();
    const values = (await completed)();
    if (res.receivedBytes !== model.bytes.length || values.length !== model.weights.length || values[777 % values.length] !== model.weights[777 % values.length]) {
      throw new Error('uploaded update differs');
    }
    return { seconds: t1 - t0, peakExtraRss, cpuSeconds: cpu, windowRaised: server.windowRaised };
  } finally {
    client.close();
    await link?.stop();
    await server.stop();
  }
}
