/** Control service handlers for the CLI and dashboard: runs, rounds, clients, watch. */
import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../../../common/errors';
import { statusFor, toGrpcError } from '../../../common/grpc-status';
import type { Logger } from '../../../common/logger';
import type { ControlHandlers } from '../../../proto/gen/fedlink/v1/Control';
import type { RunEvent as WireRunEvent } from '../../../proto/gen/fedlink/v1/RunEvent';
import type { WatchRunRequest__Output } from '../../../proto/gen/fedlink/v1/WatchRunRequest';
import type { AuthHook } from '../auth';
import type { SessionRegistry } from '../fleet/session-registry';
import type { RunManager } from '../run-manager';
import { checkId, fromWireRunConfig, toWireClient, toWireLinkEstimate, toWireRound, toWireRun } from './wire';
import type { LinkTracker } from '../link/link-tracker';
import { status } from '@grpc/grpc-js';

/** What the Control handlers work with. */
export interface ControlServiceDeps {
  manager: RunManager;
  registry: SessionRegistry;
  auth: AuthHook;
  logger: Logger;
  links: LinkTracker;
  /** Predicted round time of a client for the most recent run, ms, if it can be predicted. */
  estimateRoundMs?: (clientId: string) => number | undefined;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Builds the Control service implementation. */
export function createControlService(deps: ControlServiceDeps): ControlHandlers {
  const log = deps.logger.child({ component: 'control' });

  /** Wraps an async unary handler: auth, then one status mapping for every error. */
  function unary<Req, Res>(method: string, fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      Promise.resolve()
        .then(() => deps.auth(call.metadata, { service: 'control', method }))
        .then(() => fn(call.request))
        .then((res) => callback(null, res))
        .catch((err) => {
          if (statusFor(err) === status.INTERNAL) log.error({ err, method }, 'control call failed');
          callback(toGrpcError(err) as grpc.ServiceError);
        });
    };
  }

  async function watchRun(call: grpc.ServerWritableStream<WatchRunRequest__Output, WireRunEvent>): Promise<void> {
    try {
      deps.auth(call.metadata, { service: 'control', method: 'WatchRun' });
      const runId = checkId(call.request.runId, 'run_id');
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

  return {
    CreateRun: unary('CreateRun', async (req) => toWireRun(await deps.manager.createRun(fromWireRunConfig(req.config), req.start))),
    CancelRun: unary('CancelRun', async (req) => toWireRun(await deps.manager.cancelRun(checkId(req.runId, 'run_id')))),
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
    WatchRun: (call) => void watchRun(call),
  };
}
