/** Control service handlers for the CLI and dashboard: runs, rounds, clients, watch. */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, UnavailableError } from '../../../common/errors';
import { statusFor, toGrpcError } from '../../../common/grpc-status';
import type { Logger } from '../../../common/logger';
import type { ControlHandlers } from '../../../proto/gen/fedlink/v1/Control';
import type { RunEvent as WireRunEvent } from '../../../proto/gen/fedlink/v1/RunEvent';
import type { WatchRunRequest__Output } from '../../../proto/gen/fedlink/v1/WatchRunRequest';
import type { AuthHook } from '../auth/auth-hook';
import type { SessionRegistry } from '../fleet/session-registry';
import type { RunManager } from '../run-manager';
import { checkId, fromWireRunConfig, toWireClient, toWireLinkEstimate, toWireModelSpec, toWireRound, toWireRun } from './wire';
import { sendChunks } from './flow-control';
import { DEFAULT_CHUNK_BYTES, float32ToBytes } from '../../../common/weights-codec';
import type { ExportModelRequest__Output } from '../../../proto/gen/fedlink/v1/ExportModelRequest';
import type { ModelExportChunk } from '../../../proto/gen/fedlink/v1/ModelExportChunk';
import type { LinkTracker } from '../link/link-tracker';
import { status } from '@grpc/grpc-js';

/** What the Control handlers work with. */
export interface ControlServiceDeps {
  manager: RunManager;
  registry: SessionRegistry;
  auth: AuthHook;
  logger: Logger;
  links: LinkTracker;
  /** Why calls that change or follow runs are refused right now (a standby), or undefined. */
  leaderOnly?: () => string | undefined;
  /** Predicted round time of a client for the most recent run, ms, if it can be predicted. */
  estimateRoundMs?: (clientId: string) => number | undefined;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
/** How often a standby re-reads a watched run from the shared store, ms. */
const STANDBY_POLL_MS = 500;

/** Builds the Control service implementation. */
export function createControlService(deps: ControlServiceDeps): ControlHandlers {
  const log = deps.logger.child({ component: 'control' });

  /** Wraps an async unary handler: auth, then one status mapping for every error. */
  function unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => deps.auth(call, { service: 'control', method }))
        .then(() => fn(call.request))
        .then((res) => callback(null, res))
        .catch((err) => {
          if (statusFor(err) === status.INTERNAL) log.error({ err, method }, 'control call failed');
          callback(toGrpcError(err) as grpc.ServiceError);
        });
    };
  }

  /**
   * A standby has no live events (another process runs the rounds): it follows
   * the shared store instead, and writes whenever the run or its latest round
   * attempt changed, until the run ends. So a watch on a standby also survives
   * the leader's death, and keeps going once this one takes over.
   */
  async function pollRun(call: grpc.ServerWritableStream<WatchRunRequest__Output, WireRunEvent>, runId: string): Promise<void> {
    let cancelled = false;
    call.on('cancelled', () => (cancelled = true));
    let last = '';
    while (!cancelled) {
      const run = await deps.manager.getRun(runId);
      const round = (await deps.manager.listRounds(runId)).at(-1);
      const seen = JSON.stringify([run.state, run.committedRounds, run.currentRound, round?.round, round?.attempt, round?.state, round?.clients.map((c) => c.state)]);
      if (seen !== last) {
        last = seen;
        call.write({ run: toWireRun(run), round: round ? toWireRound(round) : null });
      }
      if (TERMINAL.has(run.state)) break;
      await new Promise((r) => setTimeout(r, STANDBY_POLL_MS));
    }
    call.end();
  }

  async function watchRun(call: grpc.ServerWritableStream<WatchRunRequest__Output, WireRunEvent>): Promise<void> {
    try {
      deps.auth(call, { service: 'control', method: 'WatchRun' });
      const runId = checkId(call.request.runId, 'run_id');
      if (deps.leaderOnly?.()) return await pollRun(call, runId);
      const sub = await deps.manager.watch(runId);
      call.on('cancelled', () => sub.close());
      const run = await deps.manager.getRun(runId);
      const rounds = await deps.manager.listRounds(runId);
      call.write({ run: toWireRun(run), round: rounds.length ? toWireRound(rounds[rounds.length - 1]) : null });
      if (!TERMINAL.has(run.state)) {
        for await (const e of sub) {
          if (e.run.runId !== runId) continue;
          call.write({ run: toWireRun(e.run), round: e.round ? toWireRound(e.round) : null });
          if (TERMINAL.has(e.run.state) && !e.round) break;
        }
      }
      sub.close();
      call.end();
    } catch (err) {
      call.emit('error', toGrpcError(err));
    }
  }

  async function exportModel(call: grpc.ServerWritableStream<ExportModelRequest__Output, ModelExportChunk>): Promise<void> {
    try {
      deps.auth(call, { service: 'control', method: 'ExportModel' });
      const runId = checkId(call.request.runId, 'run_id');
      if (!Number.isInteger(call.request.round) || call.request.round < -1) throw new InvalidArgumentError('round must be -1 (latest) or >= 0');
      const c = await deps.manager.checkpoint(runId, call.request.round);
      const bytes = float32ToBytes(c.weights);
      const header = { transferId: `${runId}/${c.version.slice(0, 16)}/export`, encoding: 'float32', totalBytes: bytes.length, sha256: c.version, tensors: c.run.model.tensors.map((t) => ({ name: t.name, shape: t.shape })) };
      await sendChunks(call, bytes, { chunkBytes: DEFAULT_CHUNK_BYTES, head: { header, model: toWireModelSpec(c.run.model), round: c.round } });
      call.end();
    } catch (err) {
      call.emit('error', toGrpcError(err));
    }
  }

  const leader = () => {
    const refused = deps.leaderOnly?.();
    if (refused) throw new UnavailableError(refused);
  };

  return {
    CreateRun: unary('CreateRun', async (req) => {
      leader();
      return toWireRun(await deps.manager.createRun(fromWireRunConfig(req.config), req.start));
    }),
    CancelRun: unary('CancelRun', async (req) => {
      leader();
      return toWireRun(await deps.manager.cancelRun(checkId(req.runId, 'run_id')));
    }),
    ListRuns: unary('ListRuns', async () => ({ runs: (await deps.manager.listRuns()).map(toWireRun) })),
    GetRun: unary('GetRun', async (req) => toWireRun(await deps.manager.getRun(checkId(req.runId, 'run_id')))),
    ListRounds: unary('ListRounds', async (req) => ({ rounds: (await deps.manager.listRounds(checkId(req.runId, 'run_id'))).map(toWireRound) })),
    GetRound: unary('GetRound', async (req) => {
      if (req.round < 1) throw new InvalidArgumentError('round must be >= 1');
      return toWireRound(await deps.manager.getRound(checkId(req.runId, 'run_id'), req.round));
    }),
    ListClients: unary('ListClients', async () => ({
      clients: deps.registry.list().map((c) => ({ ...toWireClient(c), link: toWireLinkEstimate(deps.links.get(c.clientId), deps.estimateRoundMs?.(c.clientId)) })),
    })),
    // Both catch everything and answer it on the call: their promises never reject.
    WatchRun: (call) => void watchRun(call),
    ExportModel: (call) => void exportModel(call),
    CreateEnrollment: (_call, cb) => cb({ code: status.UNIMPLEMENTED, details: 'not implemented yet' }),
    RevokeClient: (_call, cb) => cb({ code: status.UNIMPLEMENTED, details: 'not implemented yet' }),
    ListAudit: (_call, cb) => cb({ code: status.UNIMPLEMENTED, details: 'not implemented yet' }),
    WhoAmI: (_call, cb) => cb({ code: status.UNIMPLEMENTED, details: 'not implemented yet' }),
  };
}
