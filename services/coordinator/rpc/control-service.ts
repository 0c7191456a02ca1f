/** Control service handlers for the CLI and dashboard: runs, rounds, clients, watch. */
import type * as grpc from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError } from '../../../common/errors';
import type { ModelUploads } from '../model/model-uploads';
import type { ModelUploadChunk__Output } from '../../../proto/gen/fedlink/v1/ModelUploadChunk';
import type { UploadedModel as WireUploadedModel } from '../../../proto/gen/fedlink/v1/UploadedModel';
import { statusFor, toGrpcError } from '../../../common/grpc-status';
import type { Logger } from '../../../common/logger';
import type { ControlHandlers } from '../../../proto/gen/fedlink/v1/Control';
import type { RunEvent as WireRunEvent } from '../../../proto/gen/fedlink/v1/RunEvent';
import type { WatchRunRequest__Output } from '../../../proto/gen/fedlink/v1/WatchRunRequest';
import { describePrincipal, type AuthCall, type AuthHook, type Principal } from '../auth/auth-hook';
import type { AuditLog } from '../auth/audit-log';
import { DEFAULT_ENROLLMENT_TTL_MS, MAX_ENROLLMENT_TTL_MS, type Enrollment } from '../auth/enrollment';
import { AUDITED_METHODS } from '../auth/method-policy';
import { identityFromPeerCertificate } from '../../../common/pki/identity';
import type { SessionRegistry } from '../fleet/session-registry';
import { clientViews } from '../fleet/client-views';
import type { RunManager } from '../run-manager';
import { checkId, fromWireRunConfig, toWireClient, toWireLinkEstimate, toWireModelSpec, toWireRound, toWireRun } from './wire';
import { sendChunks } from './flow-control';
import { DEFAULT_CHUNK_BYTES, float32ToBytes } from '../../../common/weights-codec';
import type { ExportModelRequest__Output } from '../../../proto/gen/fedlink/v1/ExportModelRequest';
import type { ModelExportChunk } from '../../../proto/gen/fedlink/v1/ModelExportChunk';
import type { LinkTracker } from '../link/link-tracker';
import { status } from '@grpc/grpc-js';
import { systemClock, type Clock } from '../../../common/clock';
import type { RoundRecord } from '../../../common/types';
import { watchedClients, WatchedClientsTicker } from './watched-clients';

/** What the Control handlers work with. */
export interface ControlServiceDeps {
  manager: RunManager;
  registry: SessionRegistry;
  auth: AuthHook;
  logger: Logger;
  links: LinkTracker;
  /** Where state-changing calls are recorded. */
  audit: AuditLog;
  enrollment: Enrollment;
  /** Revokes a client and ends its session; whether a session was open. */
  revoke: (clientId: string, reason: string, by: string) => Promise<boolean>;
  /** Why calls that change or follow runs are refused right now (a standby), or undefined. */
  leaderOnly?: () => string | undefined;
  /** Predicted round time of a client for the most recent run, ms, if it can be predicted. */
  estimateRoundMs?: (clientId: string) => number | undefined;
  /** Where UploadModel puts models until their run is created; undefined: uploads are refused. */
  uploads?: ModelUploads;
  /** Time of watch events and of their live client ticks. @default systemClock */
  clock?: Clock;
  /** How long a round waits for a selected client whose session ended, ms (what a watcher is told it waits for). */
  reconnectGraceMs?: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Who a refused caller is, as far as its verified certificate says (for the audit log). */
function callerLabel(call: AuthCall): string {
  const cert = call.getAuthContext?.().sslPeerCertificate;
  const id = cert ? identityFromPeerCertificate(cert) : undefined;
  if (!id) return cert ? 'certificate without a fedlink identity' : 'no certificate';
  if (id.kind === 'client') return `client:${id.clientId}`;
  if (id.kind === 'operator') return `operator:${id.name} (${id.role})`;
  return 'coordinator';
}
/** How often a standby re-reads a watched run from the shared store, ms. */
const STANDBY_POLL_MS = 500;
/** How many more reads a standby's watch makes for the final round of a completed run before it ends without it. */
const STANDBY_END_POLLS = 10;

/** Builds the Control service implementation. */
export function createControlService(deps: ControlServiceDeps): ControlHandlers {
  const log = deps.logger.child({ component: 'control' });
  const clock = deps.clock ?? systemClock;

  /**
   * Wraps an async unary handler: auth, then one status mapping for every error;
   * a state-changing method is audited with its outcome, refusals included.
   */
  function unary<Req, Res>(method: string, fn: (req: Req, who: Principal) => Promise<Res>, target?: (req: Req, res?: Res) => string): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      let who: Principal | undefined;
      const audit = async (outcome: string, res?: Res, detail = '') => {
        if (!AUDITED_METHODS.has(method)) return;
        await deps.audit.record({ principal: who ? describePrincipal(who) : callerLabel(call), action: method, target: target?.(call.request, res) ?? '', outcome, detail, peer: call.getPeer() });
      };
      Promise.resolve()
        .then(() => (who = deps.auth(call, { service: 'control', method })))
        .then((principal) => fn(call.request, principal))
        .then(async (res) => {
          await audit('ok', res);
          callback(null, res);
        })
        .catch(async (err) => {
          const code = statusFor(err);
          if (code === status.INTERNAL) log.error({ err, method }, 'control call failed');
          await audit(status[code], undefined, code === status.INTERNAL ? 'internal error' : (err as Error).message);
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
    let endPolls = 0;
    while (!cancelled) {
      const run = await deps.manager.getRun(runId);
      const round = (await deps.manager.listRounds(runId)).at(-1);
      const seen = JSON.stringify([run.state, run.committedRounds, run.currentRound, round?.round, round?.attempt, round?.state, round?.clients.map((c) => c.state)]);
      if (seen !== last) {
        last = seen;
        call.write({ run: toWireRun(run), round: round ? toWireRound(round) : null, sentAtMs: clock.now() });
      }
      // The shared store's replicas may answer reads a little behind each other (after a node loss, say): a completed
      // run whose last commit is not visible yet is read again, a few times, so the watch ends on its final round.
      const settled = run.state !== 'completed' || (round?.round === run.committedRounds && round.state === 'committed');
      if (TERMINAL.has(run.state) && (settled || ++endPolls > STANDBY_END_POLLS)) break;
      await new Promise<void>((r) => clock.setTimeout(r, STANDBY_POLL_MS));
    }
    call.end();
  }

  async function watchRun(call: grpc.ServerWritableStream<WatchRunRequest__Output, WireRunEvent>): Promise<void> {
    try {
      deps.auth(call, { service: 'control', method: 'WatchRun' });
      const runId = checkId(call.request.runId, 'run_id');
      if (deps.leaderOnly?.()) return await pollRun(call, runId);
      const sub = await deps.manager.watch(runId);
      const run = await deps.manager.getRun(runId);
      let latest: RoundRecord | undefined = (await deps.manager.listRounds(runId)).at(-1);
      const live = () => watchedClients(latest, deps.registry.list(), deps.reconnectGraceMs);
      // Heartbeat progress and disconnects change no stored record: without these ticks a round waiting on a client looks frozen.
      // The run rides along (older watchers read it from every event); the round does not, nothing about it changed.
      let latestRun = run;
      const ticker = new WatchedClientsTicker(clock, live, (clients) => call.write({ run: toWireRun(latestRun), clients, sentAtMs: clock.now() }));
      call.on('cancelled', () => {
        ticker.stop();
        sub.close();
      });
      const write = (r: typeof run, round: RoundRecord | undefined) => {
        const clients = live();
        ticker.sent(clients);
        call.write({ run: toWireRun(r), round: round ? toWireRound(round) : null, clients, sentAtMs: clock.now() });
      };
      write(run, latest);
      if (!TERMINAL.has(run.state)) {
        ticker.start();
        try {
          for await (const e of sub) {
            if (e.run.runId !== runId) continue;
            if (e.round) latest = e.round;
            latestRun = e.run;
            write(e.run, e.round);
            if (TERMINAL.has(e.run.state) && !e.round) break;
          }
        } finally {
          ticker.stop();
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

  /** UploadModel: a client stream, answered once the upload is read, validated and kept (audited like CreateRun). */
  const uploadModel: grpc.handleClientStreamingCall<ModelUploadChunk__Output, WireUploadedModel> = (call, callback) => {
    let who: Principal | undefined;
    let target = '';
    const audit = (outcome: string, detail = '') =>
      deps.audit.record({ principal: who ? describePrincipal(who) : callerLabel(call), action: 'UploadModel', target, outcome, detail, peer: call.getPeer() });
    Promise.resolve()
      .then(async () => {
        who = deps.auth(call, { service: 'control', method: 'UploadModel' });
        leader();
        if (!deps.uploads) throw new FailedPreconditionError('this coordinator takes no model uploads');
        const upload = await deps.uploads.receive(
          (async function* () {
            for await (const c of call as AsyncIterable<ModelUploadChunk__Output>) {
              const h = c.header;
              const weightSpecs = h?.weightSpecs.map((t) => ({ name: t.name, shape: [...t.shape] }));
              yield { header: h ? { name: h.name, topology: h.topology, weightsBytes: Number(h.weightsBytes), weightsSha256: h.weightsSha256, weightSpecs } : undefined, offset: Number(c.offset), data: c.data };
            }
          })(),
        );
        target = upload.id;
        await audit('ok');
        callback(null, { uploadId: upload.id, model: toWireModelSpec(upload.spec), parameters: upload.parameterCount, expiresAtMs: upload.expiresAtMs });
      })
      .catch(async (err) => {
        const code = statusFor(err);
        if (code === status.INTERNAL) log.error({ err, method: 'UploadModel' }, 'control call failed');
        await audit(status[code], code === status.INTERNAL ? 'internal error' : (err as Error).message).catch(() => undefined);
        callback(toGrpcError(err) as grpc.ServiceError);
      });
  };

  const leader = () => {
    const refused = deps.leaderOnly?.();
    if (refused) throw new UnavailableError(refused);
  };

  return {
    CreateRun: unary(
      'CreateRun',
      async (req) => {
        leader();
        return toWireRun(await deps.manager.createRun(fromWireRunConfig(req.config), req.start));
      },
      (_req, res) => res?.runId ?? '',
    ),
    StartRun: unary(
      'StartRun',
      async (req) => {
        leader();
        return toWireRun(await deps.manager.startRun(checkId(req.runId, 'run_id')));
      },
      (req) => String(req.runId).slice(0, 64),
    ),
    CancelRun: unary(
      'CancelRun',
      async (req) => {
        leader();
        return toWireRun(await deps.manager.cancelRun(checkId(req.runId, 'run_id')));
      },
      (req) => String(req.runId).slice(0, 64),
    ),
    ListRuns: unary('ListRuns', async () => ({ runs: (await deps.manager.listRuns()).map(toWireRun) })),
    GetRun: unary('GetRun', async (req) => toWireRun(await deps.manager.getRun(checkId(req.runId, 'run_id')))),
    ListRounds: unary('ListRounds', async (req) => ({ rounds: (await deps.manager.listRounds(checkId(req.runId, 'run_id'))).map(toWireRound) })),
    GetRound: unary('GetRound', async (req) => {
      if (req.round < 1) throw new InvalidArgumentError('round must be >= 1');
      return toWireRound(await deps.manager.getRound(checkId(req.runId, 'run_id'), req.round));
    }),
    ListClients: unary('ListClients', async () => ({
      clients: clientViews(deps).map((v) => ({ ...toWireClient(v.client), link: toWireLinkEstimate(v.link, v.estimatedRoundMs) })),
    })),
    // Both catch everything and answer it on the call: their promises never reject.
    WatchRun: (call) => void watchRun(call),
    ExportModel: (call) => void exportModel(call),
    UploadModel: uploadModel,
    CreateEnrollment: unary(
      'CreateEnrollment',
      async (req, who) => {
        leader();
        const clientId = checkId(req.clientId, 'client_id');
        const ttlMs = Number(req.ttlMs) || DEFAULT_ENROLLMENT_TTL_MS;
        if (ttlMs > MAX_ENROLLMENT_TTL_MS) throw new InvalidArgumentError(`ttl must be at most ${MAX_ENROLLMENT_TTL_MS / 86_400_000} days`);
        const { token, expiresAtMs } = await deps.enrollment.create(clientId, ttlMs, describePrincipal(who));
        return { clientId, token, expiresAtMs };
      },
      (req) => String(req.clientId).slice(0, 128),
    ),
    RevokeClient: unary(
      'RevokeClient',
      async (req, who) => {
        leader();
        const clientId = checkId(req.clientId, 'client_id');
        if (req.reason.length > 500) throw new InvalidArgumentError('reason must be at most 500 characters');
        const sessionClosed = await deps.revoke(clientId, req.reason, describePrincipal(who));
        return { clientId, sessionClosed };
      },
      (req) => String(req.clientId).slice(0, 128),
    ),
    ListAudit: unary('ListAudit', async (req) => {
      const limit = Math.min(req.limit || 100, 10_000);
      return { entries: await deps.audit.list(limit) };
    }),
    WhoAmI: unary('WhoAmI', async (_req, who) => ({ kind: who.kind, name: who.kind === 'client' ? who.clientId ?? '' : who.name ?? '', role: who.role ?? '', tls: who.tls })),
  };
}
