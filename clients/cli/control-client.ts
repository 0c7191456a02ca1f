/**
 * The CLI's connection to a coordinator's Control service: promisified unary
 * calls with a deadline, the watch stream as an async iterable, bearer token in
 * metadata, and every gRPC failure already turned into a one-line error.
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
import { fromRpcError } from './errors';

/** Largest Control response the CLI accepts, bytes. */
export const MAX_RESPONSE_BYTES = 64 << 20;

/** Default deadline of a unary Control call, ms. */
export const DEFAULT_CALL_DEADLINE_MS = 10_000;

/** How to reach the coordinator. */
export interface ControlConnectOptions {
  /** host:port of the coordinator's gRPC endpoint. */
  address: string;
  /** Bearer token sent as `authorization` metadata when set. */
  token?: string;
  /** Deadline of each unary call, ms. @default 10000 */
  deadlineMs?: number;
}

/** Typed, promise-based Control calls. Call `close()` when done so the process can exit. */
export interface ControlConnection {
  readonly address: string;
  createRun(request: CreateRunRequest): Promise<Run__Output>;
  cancelRun(runId: string): Promise<Run__Output>;
  listRuns(): Promise<ListRunsResponse__Output>;
  getRun(runId: string): Promise<Run__Output>;
  listRounds(runId: string): Promise<ListRoundsResponse__Output>;
  getRound(runId: string, round: number): Promise<Round__Output>;
  listClients(): Promise<ListClientsResponse__Output>;
  /** The run's events until it ends; breaking out of the loop cancels the stream. */
  watchRun(runId: string): AsyncIterable<RunEvent__Output>;
  /** The chunks of a stored checkpoint (`round` -1: the latest committed). */
  exportModel(runId: string, round: number): AsyncIterable<ModelExportChunk__Output>;
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
  const client = new Control(address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': MAX_RESPONSE_BYTES }) as ControlClient;

  const metadata = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    if (options.token) md.set('authorization', `Bearer ${options.token}`);
    return md;
  };

  const unary = <Res>(method: string, invoke: Unary<Res>): Promise<Res> =>
    new Promise((resolve, reject) => {
      invoke(metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err) reject(fromRpcError(err, { address, method, deadlineMs }));
        else resolve(res as Res);
      });
    });

  /** A server stream as an async iterable; breaking out of the loop cancels the call. */
  async function* stream<T>(method: string, call: grpc.ClientReadableStream<unknown>): AsyncIterable<T> {
    try {
      for await (const message of call) yield message as T;
    } catch (err) {
      throw fromRpcError(err, { address, method, deadlineMs });
    } finally {
      call.cancel();
    }
  }

  return {
    address,
    watchRun: (runId) => stream<RunEvent__Output>('WatchRun', client.watchRun({ runId }, metadata())),
    exportModel: (runId, round) => stream<ModelExportChunk__Output>('ExportModel', client.exportModel({ runId, round }, metadata())),
    createRun: (request) => unary('CreateRun', (md, o, cb) => client.createRun(request, md, o, cb)),
    cancelRun: (runId) => unary('CancelRun', (md, o, cb) => client.cancelRun({ runId }, md, o, cb)),
    listRuns: () => unary('ListRuns', (md, o, cb) => client.listRuns({}, md, o, cb)),
    getRun: (runId) => unary('GetRun', (md, o, cb) => client.getRun({ runId }, md, o, cb)),
    listRounds: (runId) => unary('ListRounds', (md, o, cb) => client.listRounds({ runId }, md, o, cb)),
    getRound: (runId, round) => unary('GetRound', (md, o, cb) => client.getRound({ runId, round }, md, o, cb)),
    listClients: () => unary('ListClients', (md, o, cb) => client.listClients({}, md, o, cb)),
    close: () => client.close(),
  };
}
