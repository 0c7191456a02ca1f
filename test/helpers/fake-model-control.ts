/**
 * A Control server that knows one run and its checkpoints, for the CLI's
 * `model export` and `model predict` tests: ExportModel streams a checkpoint
 * in two chunks, GetRun and GetRound answer from canned records, everything
 * else is UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { ModelSpec } from '../../common/types';
import { loadFedlinkProto } from '../../proto/loader';
import { toWireModelSpec } from '../../services/coordinator/rpc/wire';
import type { ControlHandlers } from '../../proto/gen/fedlink/v1/Control';
import type { Round } from '../../proto/gen/fedlink/v1/Round';
import type { Run } from '../../proto/gen/fedlink/v1/Run';

/** What the fake serves. */
export interface FakeModelRun {
  run: Run;
  spec: ModelSpec;
  /** Weights by round. */
  checkpoints: Map<number, Float32Array>;
  rounds: Round[];
}

/** A running fake; `address` is host:port. */
export interface FakeModelControl {
  address: string;
  calls: string[];
  stop(): void;
}

/** Starts the fake on 127.0.0.1:0. */
export async function startFakeModelControl(served: FakeModelRun): Promise<FakeModelControl> {
  const calls: string[] = [];
  const server = new grpc.Server();
  const notFound = (what: string): Partial<grpc.ServiceError> => ({ code: grpc.status.NOT_FOUND, details: what });
  const unimplemented = (_call: unknown, cb: (err: Partial<grpc.ServiceError>) => void) => cb({ code: grpc.status.UNIMPLEMENTED });
  const runId = served.run.runId;
  const handlers: ControlHandlers = {
    ExportModel: (call) => {
      calls.push(`ExportModel ${call.request.runId} ${call.request.round}`);
      if (call.request.runId !== runId) return void call.emit('error', notFound(`run ${call.request.runId} not found`));
      const round = call.request.round < 0 ? Math.max(...served.checkpoints.keys()) : call.request.round;
      const weights = served.checkpoints.get(round);
      if (!weights) return void call.emit('error', notFound(`run ${runId} has no checkpoint of round ${round}`));
      const bytes = float32ToBytes(weights);
      const s = served.spec;
      const header = { transferId: 'x', encoding: 'float32', totalBytes: bytes.length, sha256: sha256Hex(bytes), tensors: s.tensors };
      const half = Math.floor(bytes.length / 8) * 4;
      call.write({ header, model: toWireModelSpec(s), round, offset: 0, data: bytes.subarray(0, half) });
      call.write({ offset: half, data: bytes.subarray(half) });
      call.end();
    },
    GetRun: (call, cb) => {
      calls.push(`GetRun ${call.request.runId}`);
      if (call.request.runId !== runId) return cb(notFound(`run ${call.request.runId} not found`));
      cb(null, served.run);
    },
    GetRound: (call, cb) => {
      calls.push(`GetRound ${call.request.runId} ${call.request.round}`);
      const r = served.rounds.find((x) => x.round === call.request.round);
      if (call.request.runId !== runId || !r) return cb(notFound(`run ${call.request.runId} has no round ${call.request.round}`));
      cb(null, r);
    },
    CreateRun: unimplemented, CancelRun: unimplemented, ListRuns: unimplemented, ListRounds: unimplemented, ListClients: unimplemented,
    WatchRun: (call) => void call.emit('error', { code: grpc.status.UNIMPLEMENTED }),
    CreateEnrollment: unimplemented, RevokeClient: unimplemented, ListAudit: unimplemented, WhoAmI: unimplemented,
    UploadModel: unimplemented, StartRun: unimplemented,
  };
  server.addService(loadFedlinkProto().proto.fedlink.v1.Control.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { address: `127.0.0.1:${port}`, calls, stop: () => server.forceShutdown() };
}

export { runCliInProcess } from './cli-in-process';
