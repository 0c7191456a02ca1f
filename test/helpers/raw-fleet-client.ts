/**
 * A hand-driven Fleet client for integration tests: speaks the wire protocol
 * directly so tests can send exactly the malformed or stale messages a buggy
 * or hostile client would.
 */
import * as grpc from '@grpc/grpc-js';
import { loadFedlinkProto } from '../../proto/loader';
import type { ClientMessage } from '../../proto/gen/fedlink/v1/ClientMessage';
import type { CoordinatorMessage__Output } from '../../proto/gen/fedlink/v1/CoordinatorMessage';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { TaskAssignment__Output } from '../../proto/gen/fedlink/v1/TaskAssignment';
import type { UpdateChunk } from '../../proto/gen/fedlink/v1/UpdateChunk';
import { chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { chunkDigest } from '../../common/chunk-check/chunk-checker';
import { channelCredentials, type CallerTls } from '../../common/channel-credentials';

/**
 * The PushUpdate messages of a float32 update for `task`; `over` bends any header field for
 * bad-input tests. `chunkDigest` 'xxh64' proves each chunk with its digest (no sha256 then).
 */
export function updateChunks(
  task: TaskAssignment__Output,
  values: Float32Array,
  over: { sha?: string; tensors?: Array<{ name: string; shape: number[] }>; totalBytes?: number; examples?: number; round?: number; taskId?: string; chunkDigest?: string } = {},
): UpdateChunk[] {
  const bytes = float32ToBytes(values);
  const msgs: UpdateChunk[] = [];
  for (const [offset, data] of chunks(bytes, 256 * 1024)) msgs.push(over.chunkDigest ? { offset, data, xxh64: chunkDigest(data, offset) } : { offset, data });
  msgs[0] = {
    ...msgs[0],
    header: {
      transferId: `tx-${Math.random().toString(36).slice(2)}`,
      encoding: 'float32',
      totalBytes: over.totalBytes ?? bytes.length,
      sha256: over.sha ?? (over.chunkDigest ? '' : sha256Hex(bytes)),
      chunkDigest: over.chunkDigest ?? '',
      tensors: over.tensors ?? task.model!.tensors,
    },
    meta: { taskId: over.taskId ?? task.taskId, runId: task.runId, round: over.round ?? task.round, numExamples: over.examples ?? 100 },
  };
  return msgs;
}

/** A raw Connect session plus helpers to push updates. */
export class RawFleetClient {
  readonly client: FleetClient;
  private stream?: grpc.ClientDuplexStream<ClientMessage, CoordinatorMessage__Output>;
  readonly received: CoordinatorMessage__Output[] = [];

  constructor(
    address: string,
    readonly clientId: string,
    /** TLS material (the client's certificate) for a TLS coordinator; plaintext without. */
    tls?: CallerTls,
  ) {
    const Fleet = loadFedlinkProto().proto.fedlink.v1.Fleet;
    this.client = new Fleet(address, channelCredentials(tls)) as FleetClient;
  }

  metadata(clientId = this.clientId): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('fedlink-client-id', clientId);
    return md;
  }

  /** Opens Connect and says hello (with `resumeToken` to resume a session); resolves on welcome with the new token. */
  async connect(datasetSize = 100, resumeToken = ''): Promise<string> {
    // How the stream ends is not what connect() is about (that promise never rejects).
    void this.open(datasetSize, resumeToken);
    return (await this.next((m) => m.kind === 'welcome')).welcome!.resumeToken;
  }

  /**
   * Opens Connect and says hello as `helloId` (default: this client), without waiting:
   * resolves with the status the stream ends with (0 when it ended cleanly).
   */
  open(datasetSize = 100, resumeToken = '', helloId = this.clientId, metadata = this.metadata()): Promise<{ code: number; details: string }> {
    this.received.length = 0;
    const stream = this.client.connect(metadata);
    this.stream = stream;
    const ended = new Promise<{ code: number; details: string }>((resolve) => {
      stream.on('error', (err: grpc.ServiceError) => resolve({ code: err.code, details: err.details }));
      stream.on('end', () => resolve({ code: 0, details: '' }));
    });
    stream.on('data', (m: CoordinatorMessage__Output) => this.received.push(m));
    stream.write({ hello: { clientId: helloId, datasetSize, resumeToken, capabilities: { backend: 'cpu', encodings: ['float32'], models: ['mlp'], dataset: 'fashion-mnist' }, version: 'test' } });
    return ended;
  }

  /** FetchModel for a task; resolves with the status (0 = OK) and the bytes received. */
  fetch(task: TaskAssignment__Output, metadata = this.metadata()): Promise<{ code: number; details: string; bytes: number }> {
    return new Promise((resolve) => {
      let bytes = 0;
      const call = this.client.fetchModel({ runId: task.runId, round: task.round, modelVersion: task.modelVersion, offset: 0, encoding: 'float32' }, metadata);
      call.on('data', (c: { data: Buffer }) => (bytes += c.data.length));
      call.on('error', (err: grpc.ServiceError) => resolve({ code: err.code, details: err.details, bytes }));
      call.on('end', () => resolve({ code: 0, details: '', bytes }));
    });
  }

  /** Drops the control stream as a broken link or a killed process would (the channel stays for reconnecting). */
  dropStream(): void {
    this.stream?.cancel();
    this.stream = undefined;
  }

  send(msg: ClientMessage): void {
    this.stream!.write(msg);
  }

  /** Waits for a message matching `pred` (already received ones count). */
  async next(pred: (m: CoordinatorMessage__Output) => boolean, timeoutMs = 30_000): Promise<CoordinatorMessage__Output> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(pred);
      if (found) return found;
      if (Date.now() > until) throw new Error('timed out waiting for a coordinator message');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async nextTask(): Promise<TaskAssignment__Output> {
    return (await this.next((m) => m.kind === 'task')).task!;
  }

  /** Pushes `messages` as one PushUpdate call; resolves with the status code (0 = OK) and details. */
  push(messages: UpdateChunk[], clientId = this.clientId): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      const call = this.client.pushUpdate(this.metadata(clientId), (err) => resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' }));
      for (const m of messages) call.write(m);
      call.end();
    });
  }

  close(): void {
    this.stream?.cancel();
    this.client.close();
  }
}
