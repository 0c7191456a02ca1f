/**
 * The CLI's connection to a coordinator's Control service: promisified unary
 * calls with a deadline, the watch stream as an async iterable, mutual TLS with
 * the operator's certificate, and every gRPC failure already turned into a
 * one-line error.
 */
import * as grpc from '@grpc/grpc-js';
import { validateAddress } from '../daemon/options';
import { loadFedlinkProto } from '../../proto/loader';
import type { ControlClient } from '../../proto/gen/fedlink/v1/Control';
import type { CreateRunRequest } from '../../proto/gen/fedlink/v1/CreateRunRequest';
import type { ListClientsResponse__Output } from '../../proto/gen/fedlink/v1/ListClientsResponse';
import type { ListRoundsResponse__Output } from '../../proto/gen/fedlink/v1/ListRoundsResponse';
import type { ListRunsResponse__Output } from '../../proto/gen/fedlink/v1/ListRunsResponse';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import type { RunEvent__Output } from '../../proto/gen/fedlink/v1/RunEvent';
import type { ModelExportChunk__Output } from '../../proto/gen/fedlink/v1/ModelExportChunk';
import type { ModelUploadChunk } from '../../proto/gen/fedlink/v1/ModelUploadChunk';
import type { UploadedModel__Output } from '../../proto/gen/fedlink/v1/UploadedModel';
import { fromRpcError } from './errors';
import { channelCredentials, type CallerTls } from '../../common/channel-credentials';
import type { CreateEnrollmentResponse__Output } from '../../proto/gen/fedlink/v1/CreateEnrollmentResponse';
import type { RevokeClientResponse__Output } from '../../proto/gen/fedlink/v1/RevokeClientResponse';
import type { ListAuditResponse__Output } from '../../proto/gen/fedlink/v1/ListAuditResponse';
import type { WhoAmIResponse__Output } from '../../proto/gen/fedlink/v1/WhoAmIResponse';

/** Largest Control response the CLI accepts, bytes. */
export const MAX_RESPONSE_BYTES = 64 << 20;

/** Default deadline of a unary Control call, ms. */
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

/** How to reach the coordinator. */
export interface ControlConnectOptions {
  /** host:port of the coordinator's gRPC endpoint. */
  address: string;
  /** The CA, operator certificate and key; undefined: plaintext (a loopback or --insecure coordinator). */
  tls?: CallerTls;
  /** Deadline of each unary call, ms. @default 10000 */
  deadlineMs?: number;
}

/** Typed, promise-based Control calls. Call `close()` when done so the process can exit. */
export interface ControlConnection {
  readonly address: string;
  createRun(request: CreateRunRequest): Promise<Run__Output>;
  /** Streams a model (header, then the weights in chunks) and waits for the coordinator to validate and keep it. */
  uploadModel(chunks: ModelUploadChunk[]): Promise<UploadedModel__Output>;
  cancelRun(runId: string): Promise<Run__Output>;
  startRun(runId: string): Promise<Run__Output>;
  listRuns(): Promise<ListRunsResponse__Output>;
  getRun(runId: string): Promise<Run__Output>;
  listRounds(runId: string): Promise<ListRoundsResponse__Output>;
  getRound(runId: string, round: number): Promise<Round__Output>;
  listClients(): Promise<ListClientsResponse__Output>;
  /** The run's events until it ends; breaking out of the loop cancels the stream. */
  watchRun(runId: string): AsyncIterable<RunEvent__Output>;
  /** The chunks of a stored checkpoint (`round` -1: the latest committed). */
  exportModel(runId: string, round: number): AsyncIterable<ModelExportChunk__Output>;
  createEnrollment(clientId: string, ttlMs: number): Promise<CreateEnrollmentResponse__Output>;
  revokeClient(clientId: string, reason: string): Promise<RevokeClientResponse__Output>;
  listAudit(limit: number): Promise<ListAuditResponse__Output>;
  whoAmI(): Promise<WhoAmIResponse__Output>;
  close(): void;
}

type Unary<Res> = (metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall;

/** Opens a channel to the coordinator; throws InvalidArgumentError for a malformed address. */
export function connectControl(options: ControlConnectOptions): ControlConnection {
  validateAddress(options.address);
  const { address } = options;
  const deadlineMs = options.deadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  const Control = loadFedlinkProto().proto.fedlink.v1.Control;
  // ListClients of a large fleet (10,000 known clients at the longest strings the coordinator accepts is 8.2 MiB) is past grpc-js's 4 MiB default.
  const client = new Control(address, channelCredentials(options.tls), { 'grpc.max_receive_message_length': MAX_RESPONSE_BYTES }) as ControlClient;

  const metadata = (): grpc.Metadata => new grpc.Metadata();

  const unary = <Res>(method: string, invoke: Unary<Res>): Promise<Res> =>
    new Promise((resolve, reject) => {
      invoke(metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) reject(fromRpcError(err, { address, method, deadlineMs, tls: options.tls !== undefined }));
        else resolve(res as Res);
      });
    });

  /** A server stream as an async iterable; breaking out of the loop cancels the call. */
  async function* stream<T>(method: string, call: grpc.ClientReadableStream<unknown>): AsyncIterable<T> {
    try {
      for await (const message of call) yield message as T;
    } catch (err) {
      throw fromRpcError(err, { address, method, deadlineMs, tls: options.tls !== undefined });
    } finally {
      call.cancel();
    }
  }

  return {
    address,
    watchRun: (runId) => stream<RunEvent__Output>('WatchRun', client.watchRun({ runId }, metadata())),
    exportModel: (runId, round) => stream<ModelExportChunk__Output>('ExportModel', client.exportModel({ runId, round }, metadata())),
    createRun: (request) => unary('CreateRun', (md, o, cb) => client.createRun(request, md, o, cb)),
    uploadModel: (chunks) =>
      unary<UploadedModel__Output>('UploadModel', (md, o, cb) => {
        // Large weights take longer than a unary call's deadline: a minute per 64 MiB on top.
        const bytes = chunks.reduce((n, c) => n + (c.data?.length ?? 0), 0);
        const call = client.uploadModel(md, { deadline: Number(o.deadline) + Math.ceil(bytes / (64 << 20)) * 60_000 }, cb);
        for (const c of chunks) call.write(c);
        call.end();
        return call as unknown as grpc.ClientUnaryCall;
      }),
    cancelRun: (runId) => unary('CancelRun', (md, o, cb) => client.cancelRun({ runId }, md, o, cb)),
    startRun: (runId) => unary('StartRun', (md, o, cb) => client.startRun({ runId }, md, o, cb)),
    listRuns: () => unary('ListRuns', (md, o, cb) => client.listRuns({}, md, o, cb)),
    getRun: (runId) => unary('GetRun', (md, o, cb) => client.getRun({ runId }, md, o, cb)),
    listRounds: (runId) => unary('ListRounds', (md, o, cb) => client.listRounds({ runId }, md, o, cb)),
    getRound: (runId, round) => unary('GetRound', (md, o, cb) => client.getRound({ runId, round }, md, o, cb)),
    listClients: () => unary('ListClients', (md, o, cb) => client.listClients({}, md, o, cb)),
    createEnrollment: (clientId, ttlMs) => unary('CreateEnrollment', (md, o, cb) => client.createEnrollment({ clientId, ttlMs }, md, o, cb)),
    revokeClient: (clientId, reason) => unary('RevokeClient', (md, o, cb) => client.revokeClient({ clientId, reason }, md, o, cb)),
    listAudit: (limit) => unary('ListAudit', (md, o, cb) => client.listAudit({ limit }, md, o, cb)),
    whoAmI: () => unary('WhoAmI', (md, o, cb) => client.whoAmI({}, md, o, cb)),
    close: () => client.close(),
  };
}
