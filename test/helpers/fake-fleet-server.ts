/**
 * A Fleet server on 127.0.0.1 whose handlers are scripted fakes, and a fake
 * trainer: the daemon's protocol as the coordinator sees it, without TFJS or a
 * real coordinator. Shared by the test/unit/daemon-*.test.ts files.
 */
import * as grpc from '@grpc/grpc-js';
import { serverCredentials } from '../../services/coordinator/rpc/server-credentials';
import { ClientSession, type ClientSessionOptions, type SessionEvent, type Trainer } from '../../clients/daemon/session';
import { systemClock, type Clock, type TimerHandle } from '../../common/clock';
import { CancelledError } from '../../common/errors';
import type { TrainOutcome, TrainProgress, TrainTask } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { ClientMessage__Output } from '../../proto/gen/fedlink/v1/ClientMessage';
import type { CoordinatorMessage } from '../../proto/gen/fedlink/v1/CoordinatorMessage';
import type { EnrollRequest__Output } from '../../proto/gen/fedlink/v1/EnrollRequest';
import type { EnrollResponse } from '../../proto/gen/fedlink/v1/EnrollResponse';
import type { FetchModelRequest__Output } from '../../proto/gen/fedlink/v1/FetchModelRequest';
import type { FleetHandlers } from '../../proto/gen/fedlink/v1/Fleet';
import type { Hello__Output } from '../../proto/gen/fedlink/v1/Hello';
import type { TaskAssignment } from '../../proto/gen/fedlink/v1/TaskAssignment';
import type { UpdateChunk__Output } from '../../proto/gen/fedlink/v1/UpdateChunk';
import type { Welcome } from '../../proto/gen/fedlink/v1/Welcome';
import { loadFedlinkProto } from '../../proto/loader';
import { waitFor as commonWaitFor } from '../../common/wait-for';
import { identityFromPeerCertificate, type CertIdentity } from '../../common/pki/identity';
import type { TlsMaterial } from '../../common/pki/files';

/** The identity in a call's verified client certificate (undefined in plaintext or without one). */
function peerOf(call: Pick<grpc.ServerUnaryCall<unknown, unknown>, 'getAuthContext'>): CertIdentity | undefined {
  const cert = call.getAuthContext().sslPeerCertificate;
  return cert ? identityFromPeerCertificate(cert) : undefined;
}

/** TLS credentials for a fake Fleet server: the coordinator's own (client certificates requested, verified, not required). */
export const tlsServerCredentials = (m: TlsMaterial): grpc.ServerCredentials => serverCredentials(m);

/** common/wait-for's polling, every 10 ms until `probe` is truthy (the daemon tests' argument order). */
export function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5_000): Promise<T> {
  return commonWaitFor(what, () => probe() || undefined, timeoutMs, 10);
}

/** The system clock, counting live timers so a test can assert stop() left none behind. */
export class TrackingClock implements Clock {
  readonly live = new Set<number>();
  private next = 0;
  now(): number {
    return systemClock.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.next++;
    this.live.add(id);
    const handle = systemClock.setTimeout(() => {
      this.live.delete(id);
      fn();
    }, ms);
    return {
      cancel: () => {
        this.live.delete(id);
        handle.cancel();
      },
    };
  }
}

/** A model of 10 floats: tensors [2,4] and [2]. */
export const MODEL = Float32Array.from({ length: 10 }, (_, i) => i / 10 - 0.3);
export const MODEL_BYTES = Buffer.from(float32ToBytes(MODEL));
export const MODEL_SHA = sha256Hex(MODEL_BYTES);
export const SPEC = { name: 'mlp', inputShape: [2], numClasses: 2, tensors: [{ name: 'w', shape: [2, 4] }, { name: 'b', shape: [2] }] };

/** A valid training task for MODEL, due in 30 s; `overrides` change any field. */
export function taskMessage(overrides: Partial<TaskAssignment> = {}): CoordinatorMessage {
  return {
    task: {
      taskId: 'task-1',
      runId: 'run-1',
      round: 1,
      kind: 'TASK_KIND_TRAIN',
      model: SPEC,
      modelVersion: MODEL_SHA,
      modelBytes: MODEL_BYTES.length,
      train: { localEpochs: 1, batchSize: 0, learningRate: 0.1, seed: 1 },
      deadlineUnixMs: Date.now() + 30_000,
      ...overrides,
    },
  };
}

/** A scripted Fleet: welcomes every hello, acks heartbeats, serves registered models, records uploads. */
export class FakeFleet {
  readonly server = new grpc.Server();
  port = 0;
  /** `peer`: the identity of the caller's verified TLS certificate, if any. */
  readonly hellos: Array<{ hello: Hello__Output; metadata: grpc.Metadata; peer?: CertIdentity }> = [];
  readonly messages: ClientMessage__Output[] = [];
  readonly streams: Array<grpc.ServerDuplexStream<ClientMessage__Output, CoordinatorMessage>> = [];
  readonly fetches: Array<{ request: FetchModelRequest__Output; metadata: grpc.Metadata; peer?: CertIdentity }> = [];
  readonly pushes: Array<{ chunks: UpdateChunk__Output[]; metadata: grpc.Metadata; peer?: CertIdentity }> = [];
  /** Model bytes served per model version; `headerSha` overrides the sha256 the header claims. */
  readonly models = new Map<string, Buffer>([[MODEL_SHA, MODEL_BYTES]]);
  welcome: Welcome = { sessionId: 'session-1', resumeToken: 'resume-1', heartbeatIntervalMs: 40, maxChunkBytes: 16, coordinatorVersion: 'fake' };
  pushError?: Partial<grpc.ServiceError>;
  /** Breaks the next upload with UNAVAILABLE once it has received this many chunks. */
  breakPushAfterChunks?: number;
  /** What QueryUpdate says the coordinator kept of a broken upload. */
  queryReceivedBytes = 0;
  readonly queries: Array<{ transferId: string }> = [];
  /** Chunk size of model downloads. */
  serveChunkBytes = 16;
  /** Enroll calls received. */
  readonly enrollments: EnrollRequest__Output[] = [];
  /** Answers Enroll (a rejection is the call's error status); unset: UNIMPLEMENTED. */
  enroll?: (request: EnrollRequest__Output) => Promise<EnrollResponse>;

  constructor() {
    const handlers: FleetHandlers = {
      Connect: (call) => {
        call.on('data', (msg: ClientMessage__Output) => {
          if (msg.kind === 'hello' && msg.hello) {
            this.hellos.push({ hello: msg.hello, metadata: call.metadata, peer: peerOf(call) });
            this.streams.push(call);
            call.write({ welcome: this.welcome });
            return;
          }
          this.messages.push(msg);
          if (msg.kind === 'heartbeat' && msg.heartbeat) {
            call.write({ heartbeatAck: { seq: msg.heartbeat.seq, clientSentAtMs: msg.heartbeat.sentAtMs } });
          }
        });
        call.on('end', () => call.end());
        call.on('error', () => undefined);
      },
      FetchModel: (call) => {
        this.fetches.push({ request: call.request, metadata: call.metadata, peer: peerOf(call) });
        const bytes = this.models.get(call.request.modelVersion);
        if (!bytes) {
          call.emit('error', { code: grpc.status.NOT_FOUND, details: 'no such model' });
          return;
        }
        for (let offset = 0; offset < bytes.length; offset += this.serveChunkBytes) {
          call.write({
            header: offset === 0 ? { transferId: 'down-1', encoding: 'float32', totalBytes: bytes.length, sha256: call.request.modelVersion, tensors: [] } : null,
            offset,
            data: bytes.subarray(offset, offset + this.serveChunkBytes),
          });
        }
        call.end();
      },
      PushUpdate: (call, callback) => {
        const record = { chunks: [] as UpdateChunk__Output[], metadata: call.metadata, peer: peerOf(call) };
        this.pushes.push(record);
        let broken = false;
        call.on('data', (chunk: UpdateChunk__Output) => {
          if (broken) return;
          record.chunks.push(chunk);
          if (this.breakPushAfterChunks !== undefined && record.chunks.length >= this.breakPushAfterChunks) {
            this.breakPushAfterChunks = undefined;
            broken = true;
            callback({ code: grpc.status.UNAVAILABLE, details: 'link dropped' } as grpc.ServiceError);
          }
        });
        call.on('end', () => {
          if (broken) return;
          if (this.pushError) return callback(this.pushError as grpc.ServiceError);
          // A resumed upload starts at the offset the coordinator already held.
          const receivedBytes = Number(record.chunks[0]?.offset ?? 0) + record.chunks.reduce((n, c) => n + c.data.length, 0);
          callback(null, { transferId: record.chunks[0]?.header?.transferId ?? '', receivedBytes });
        });
      },
      QueryUpdate: (call, callback) => {
        this.queries.push({ transferId: call.request.transferId });
        callback(null, { receivedBytes: this.queryReceivedBytes });
      },
      Enroll: (call, callback) => {
        this.enrollments.push(call.request);
        if (!this.enroll) return callback({ code: grpc.status.UNIMPLEMENTED });
        this.enroll(call.request).then(
          (response) => callback(null, response),
          (err: Partial<grpc.ServiceError>) => callback(err as grpc.ServiceError),
        );
      },
    };
    this.server.addService(loadFedlinkProto().proto.fedlink.v1.Fleet.service, handlers);
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one), in plaintext unless given TLS server credentials. */
  async start(port = 0, credentials = grpc.ServerCredentials.createInsecure()): Promise<this> {
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    return this;
  }

  /** Sends on the most recent Connect stream. */
  send(msg: CoordinatorMessage): void {
    this.streams[this.streams.length - 1].write(msg);
  }

  of<K extends NonNullable<ClientMessage__Output['kind']>>(kind: K): Array<NonNullable<ClientMessage__Output[K]>> {
    return this.messages.filter((m) => m.kind === kind).map((m) => m[kind] as NonNullable<ClientMessage__Output[K]>);
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

/** A trainer that adds `step` (1 unless told otherwise) to every weight; `block` makes it wait for `release()` or its signal. */
export class FakeTrainer implements Trainer {
  /** `weights` is a copy taken at the call; `given` the array the daemon passed. */
  readonly calls: Array<{ task: TrainTask; weights: Float32Array; given: Float32Array; signal: AbortSignal }> = [];
  readonly outputs: Float32Array[] = [];
  block = false;
  /** What training adds to parameter `i` on the `call`-th task (0-based). */
  step: (i: number, call: number) => number = () => 1;
  private releaseFn?: () => void;

  async train(task: TrainTask, weights: Float32Array, opts: { signal: AbortSignal; onProgress: (p: TrainProgress) => void }): Promise<TrainOutcome> {
    this.calls.push({ task, weights: weights.slice(), given: weights, signal: opts.signal });
    opts.onProgress({ fraction: 0.5, epoch: 1, loss: 0.7 });
    if (this.block) {
      await new Promise<void>((resolve, reject) => {
        this.releaseFn = resolve;
        opts.signal.addEventListener('abort', () => reject(new CancelledError('training cancelled')), { once: true });
      });
    }
    const call = this.calls.length - 1;
    const out = weights.map((w, i) => w + this.step(i, call));
    this.outputs.push(out.slice());
    return {
      weights: out,
      numExamples: 123,
      train: { loss: 0.5, accuracy: 0.8, numExamples: 123 },
      localEval: { loss: 0.9, accuracy: 0.4, numExamples: 123 },
      durationMs: 7,
    };
  }

  release(): void {
    this.releaseFn?.();
  }
}


/** A session of edge-1 connected to `fleet`, with a fake trainer and fast backoff; `stop()` ends both. */
export async function connectedSession(fleet: FakeFleet, overrides: Partial<ClientSessionOptions> = {}) {
  const trainer = new FakeTrainer();
  const session = new ClientSession({
    coordinator: `127.0.0.1:${fleet.port}`,
    clientId: 'edge-1',
    backend: 'cpu',
    datasetSize: 600,
    trainer,
    version: '0.0.0-test',
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    ...overrides,
  });
  const events: SessionEvent[] = [];
  void (async () => {
    for await (const e of session.events()) events.push(e);
  })();
  session.start();
  await waitFor(() => events.some((e) => e.type === 'connected'), 'connected');
  return { trainer, session, events, stop: () => session.stop() };
}
