/**
 * Fleet service handlers: the per-client Connect control stream, and the bulk
 * FetchModel / PushUpdate transfers. The rpc edge: converts wire messages,
 * asks the auth hook who is calling, and maps every domain error to its gRPC
 * status through one table.
 */
import { sendChunks } from './flow-control';
import { failpoint } from '../../../common/failpoint';
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import type { EnrollRequest__Output } from '../../../proto/gen/fedlink/v1/EnrollRequest';
import type { EnrollResponse } from '../../../proto/gen/fedlink/v1/EnrollResponse';
import type { Enrolled } from '../auth/enrollment';
import { CancelledError, FailedPreconditionError, InvalidArgumentError, PermissionDeniedError, ResourceExhaustedError, StaleRoundError, UnavailableError } from '../../../common/errors';
import { statusFor, toGrpcError } from '../../../common/grpc-status';
import type { Logger } from '../../../common/logger';
import { DEFAULT_CHUNK_BYTES, parameterCount } from '../../../common/weights-codec';
import type { ClientMessage__Output } from '../../../proto/gen/fedlink/v1/ClientMessage';
import type { CoordinatorMessage } from '../../../proto/gen/fedlink/v1/CoordinatorMessage';
import type { FetchModelRequest__Output } from '../../../proto/gen/fedlink/v1/FetchModelRequest';
import type { FleetHandlers } from '../../../proto/gen/fedlink/v1/Fleet';
import type { ModelChunk } from '../../../proto/gen/fedlink/v1/ModelChunk';
import type { PushUpdateResponse } from '../../../proto/gen/fedlink/v1/PushUpdateResponse';
import type { QueryUpdateRequest__Output } from '../../../proto/gen/fedlink/v1/QueryUpdateRequest';
import type { QueryUpdateResponse } from '../../../proto/gen/fedlink/v1/QueryUpdateResponse';
import type { UpdateChunk__Output } from '../../../proto/gen/fedlink/v1/UpdateChunk';
import type { AuthHook } from '../auth/auth-hook';
import type { SessionRegistry } from '../fleet/session-registry';
import type { UpdateReceiver } from '../rounds/update-receiver';
import type { RunManager } from '../run-manager';
import { checkId, checkTaskId, fromWireLinkReport, fromWireMetrics, fromWireTensors, toWireTask } from './wire';
import type { Clock } from '../../../common/clock';
import type { CoordinatorObservation, LinkReport, Presence } from '../../../common/link';
import { status } from '@grpc/grpc-js';
import { printable } from '../../../common/sanitize';
import { DEFAULT_LIMITS, LIMITS, type Limits } from '../limits';
import { checkHello, checkNumExamples, clientString, UploadSlots } from './limits';
import { CHUNK_XXH64_FEATURE, chunkCheckAvailable } from '../../../common/chunk-check/chunk-checker';

/** What the Fleet handlers work with. */
export interface FleetServiceDeps {
  manager: RunManager;
  registry: SessionRegistry;
  auth: AuthHook;
  logger: Logger;
  heartbeatIntervalMs: number;
  chunkBytes?: number;
  /** Why new sessions and uploads are refused with UNAVAILABLE right now (draining, standby), or undefined. */
  unavailable: () => string | undefined;
  version: string;
  /** Where link reports and the coordinator's own link observations go. */
  links: LinkSink;
  clock: Clock;
  /** Redeems an enrollment token for a certificate (Fleet.Enroll); audited by the caller. */
  enroll: (token: string, csrPem: string, peer: string) => Promise<Enrolled>;
  /** Bounds on what clients send and how many uploads they hold open. @default DEFAULT_LIMITS */
  limits?: Limits;
  /** What the Welcome offers beyond the basics (fleet.proto Welcome.features). @default what this runtime supports: ['chunk-xxh64'] with WebAssembly SIMD */
  features?: string[];
}

/** Receiver of link information (the link tracker, plus NATS publishing). */
export interface LinkSink {
  report(r: LinkReport): void;
  observe(o: CoordinatorObservation): void;
  presence(clientId: string, p: Presence): void;
}

const HELLO_TIMEOUT_MS = 15_000;
/**
 * Downloads at least this large are timed from the coordinator's side: what can sit unread in
 * flight (a fedlink daemon's 16 MiB HTTP/2 window plus socket buffers) is then a small part.
 */
export const SEND_TIMED_MIN_BYTES = 128 << 20;

/** Builds the Fleet service implementation. */
export function createFleetService(deps: FleetServiceDeps): FleetHandlers {
  const chunkBytes = deps.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const log = deps.logger.child({ component: 'fleet' });
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const uploads = new UploadSlots(limits);
  const features = deps.features ?? (chunkCheckAvailable() ? [CHUNK_XXH64_FEATURE] : []);
  // The resume token last issued to each client: a hello that brings it back is the same
  // daemon process reconnecting (it still holds its task); one without it is a new process.
  const resumeTokens = new Map<string, string>();
  deps.registry.onChange((c) => {
    if (c.type === 'forgotten') resumeTokens.delete(c.clientId);
  });
  // Uploads whose call has begun but whose first chunk (which names the round) has not
  // arrived: on a hopeless uplink that is minutes. When the client's task is cancelled they
  // are ended at once, as the round ends uploads it has already claimed (UpdateReceiver.onDiscard).
  const unclaimedUploads = new Map<string, Set<(reason: string) => void>>();
  const endUnclaimedUploads = (clientId: string, reason: string) => {
    for (const end of [...(unclaimedUploads.get(clientId) ?? [])]) end(reason);
  };
  const forgetUnclaimed = (clientId: string, end: (reason: string) => void) => {
    const set = unclaimedUploads.get(clientId);
    set?.delete(end);
    if (set?.size === 0) unclaimedUploads.delete(clientId);
  };

  function connect(call: grpc.ServerDuplexStream<ClientMessage__Output, CoordinatorMessage>): void {
    let clientId = '';
    let sessionId = '';
    let ended = false;
    // Outstanding probes of this session: id → when sent (the coordinator's own RTT measurement).
    const probes = new Map<number, number>();
    let probeId = 0;
    const fail = (err: unknown) => {
      if (ended) return;
      ended = true;
      log.warn({ clientId: clientId || undefined, err: printable((err as Error).message, 500) }, 'session refused');
      call.emit('error', toGrpcError(err));
    };
    const helloTimer = setTimeout(() => fail(new InvalidArgumentError('expected hello as the first message')), HELLO_TIMEOUT_MS);
    helloTimer.unref();
    const finish = (reason: string) => {
      clearTimeout(helloTimer);
      if (!sessionId) return;
      const id = sessionId;
      sessionId = '';
      if (deps.registry.detach(clientId, id, reason)) {
        log.info({ clientId, reason }, 'client disconnected');
        deps.links.observe({ kind: 'disconnect', clientId, atMs: deps.clock.now(), reason });
        deps.manager.clientGone(clientId, reason);
      }
    };
    call.on('data', (msg: ClientMessage__Output) => {
      try {
        if (!sessionId) {
          if (msg.kind !== 'hello' || !msg.hello) throw new InvalidArgumentError('expected hello as the first message');
          const refused = deps.unavailable();
          if (refused) throw new UnavailableError(`${refused}; reconnect later`);
          const principal = deps.auth(call, { service: 'fleet', method: 'Connect' });
          const hello = msg.hello;
          clientId = checkId(hello.clientId, 'client_id');
          const declared = checkHello(hello, limits);
          if (principal.clientId !== clientId) throw new PermissionDeniedError('client_id in hello does not match the caller\'s credentials');
          clearTimeout(helloTimer);
          sessionId = randomBytes(8).toString('hex');
          const id = sessionId;
          deps.registry.admit(clientId);
          deps.registry.attach(
            {
              clientId,
              ...declared,
              peer: call.getPeer(),
            },
            {
              sessionId: id,
              sendTask: (task) => call.write({ task: toWireTask(task) }),
              sendCancel: (taskId, reason) => {
                call.write({ cancel: { taskId, reason } });
                endUnclaimedUploads(clientId, reason);
              },
              close: (reason, final = false) => {
                if (ended) return;
                call.write({ drain: { reason, reconnectAfterMs: 1000, final } });
                ended = true;
                call.end();
                finish(reason);
              },
            },
          );
          const resumed = hello.resumeToken !== '' && resumeTokens.get(clientId) === hello.resumeToken;
          const resumeToken = randomBytes(16).toString('hex');
          resumeTokens.set(clientId, resumeToken);
          call.write({
            welcome: { sessionId, resumeToken, heartbeatIntervalMs: deps.heartbeatIntervalMs, maxChunkBytes: chunkBytes, coordinatorVersion: deps.version, features },
          });
          log.info({ clientId, backend: declared.backend, datasetSize: declared.datasetSize, peer: call.getPeer(), resumed }, resumed ? 'client reconnected (session resumed)' : 'client connected');
          deps.links.presence(clientId, 'online');
          // A resumed session carries on with its task; a new process lost whatever it was doing.
          if (resumed) deps.manager.clientBack(clientId);
          else deps.manager.clientRestarted(clientId);
          return;
        }
        deps.registry.touch(clientId, msg.heartbeat?.progress ?? undefined);
        switch (msg.kind) {
          case 'heartbeat': {
            const hb = msg.heartbeat!;
            call.write({ heartbeatAck: { seq: hb.seq, clientSentAtMs: hb.sentAtMs } });
            if (probes.size < 4) {
              probes.set(++probeId, deps.clock.now());
              call.write({ probe: { id: probeId } });
            }
            if (hb.link) {
              try {
                deps.links.report(fromWireLinkReport(clientId, hb.link, deps.clock.now(), limits.maxNameLength));
              } catch (err) {
                // A bad report loses the report, not the session.
                log.debug({ clientId, err: printable((err as Error).message, 200) }, 'link report dropped');
              }
            }
            break;
          }
          case 'probeReply': {
            const sentAt = probes.get(Number(msg.probeReply!.id));
            if (sentAt !== undefined) {
              probes.delete(Number(msg.probeReply!.id));
              deps.links.observe({ kind: 'heartbeat-rtt', clientId, atMs: deps.clock.now(), rttMs: deps.clock.now() - sentAt });
            }
            break;
          }
          case 'result': {
            const r = msg.result!;
            deps.manager.report(clientId, checkId(r.runId, 'run_id'), r.round, {
              taskId: checkTaskId(r.taskId),
              transferId: r.transferId && checkId(r.transferId, 'transfer_id'),
              numExamples: checkNumExamples(Number(r.numExamples), deps.registry.declaredDatasetSize(clientId), 'TaskResult.num_examples', limits),
              train: fromWireMetrics(r.train),
              localEval: fromWireMetrics(r.localEval),
              durationMs: r.durationMs,
              downloadMs: r.downloadMs || undefined,
            });
            break;
          }
          case 'failure': {
            const f = msg.failure!;
            const reason = clientString(f.reason, 'failure.reason', limits);
            const runId = checkId(f.runId, 'run_id');
            log.warn({ clientId, runId, round: f.round, reason }, 'client reported task failure');
            deps.manager.failure(clientId, runId, f.round, checkTaskId(f.taskId), reason);
            break;
          }
          case 'goodbye':
            finish(`client said goodbye: ${clientString(msg.goodbye?.reason ?? '', 'goodbye.reason', limits) || 'no reason'}`);
            if (!ended) {
              ended = true;
              call.end();
            }
            break;
          default:
            throw new InvalidArgumentError('unexpected message on the control stream');
        }
      } catch (err) {
        fail(err);
        finish('protocol error');
      }
    });
    call.on('end', () => {
      finish('stream ended');
      if (!ended) {
        ended = true;
        call.end();
      }
    });
    call.on('cancelled', () => finish('disconnected'));
    call.on('error', () => finish('stream error'));
  }

  async function fetchModel(call: grpc.ServerWritableStream<FetchModelRequest__Output, ModelChunk>): Promise<void> {
    const req = call.request;
    let clientId = '';
    try {
      clientId = deps.auth(call, { service: 'fleet', method: 'FetchModel' }).clientId ?? '';
      checkId(req.runId, 'run_id');
      if (!/^[0-9a-f]{64}$/.test(req.modelVersion)) throw new InvalidArgumentError('model_version must be a sha256 hex string');
      deps.manager.checkModelAccess(clientId, req.runId, req.round, req.modelVersion);
      const encoding = req.encoding || 'float32';
      if (encoding !== 'float32' && encoding !== 'float16') throw new InvalidArgumentError(`unsupported model encoding "${encoding}" (float32 or float16)`);
      const served = await deps.manager.servedModel(req.runId, req.modelVersion, encoding);
      const bytes = served.bytes;
      const offset = Number(req.offset);
      if ((encoding === 'float32' && offset % 4 !== 0) || offset > bytes.length) throw new InvalidArgumentError(`offset ${offset} is not a value boundary inside the model`);
      const started = deps.clock.now();
      const header = { transferId: `${req.runId}/${req.modelVersion.slice(0, 16)}/${encoding}`, encoding, totalBytes: bytes.length, sha256: served.sha256, tensors: [] };
      const sent = await sendChunks(call, bytes, {
        chunkBytes,
        from: offset,
        head: { header },
        onChunk: (n) => n * 2 >= bytes.length - offset && failpoint('mid-download', req.round),
      });
      call.end();
      // Our writes finish once the bytes fit in the client's HTTP/2 window and the socket buffers,
      // long before a slow link has carried them: only a much larger download is timed here. For
      // the rest the daemon's own timing counts (its link reports, TaskResult.download_ms).
      const timed = sent >= SEND_TIMED_MIN_BYTES;
      deps.manager.noteDownload(req.runId, req.round, clientId, sent, timed ? deps.clock.now() - started : undefined);
      if (timed) deps.links.observe({ kind: 'transfer', clientId, atMs: deps.clock.now(), direction: 'down', bytes: sent, seconds: (deps.clock.now() - started) / 1000 });
    } catch (err) {
      if (!(err instanceof CancelledError)) log.warn({ clientId, runId: printable(req.runId), err: printable((err as Error).message, 500) }, 'model download refused');
      call.emit('error', toGrpcError(err));
    }
  }

  async function pushUpdate(call: grpc.ServerReadableStream<UpdateChunk__Output, PushUpdateResponse>, callback: grpc.sendUnaryData<PushUpdateResponse>): Promise<void> {
    let receiver: UpdateReceiver | undefined;
    let token = 0;
    let clientId = '';
    let cancelled = false;
    // From the call's start, not its first message: a chunk is only delivered once all of it is in,
    // so on a very slow uplink timing from the first message would leave out most of the transfer.
    const startedAt = deps.clock.now();
    let observed = false;
    let uploadRound: number | undefined;
    let answered = false;
    let stopListening: (() => void) | undefined;
    let releaseSlot: (() => void) | undefined;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const answer = (err: grpc.ServiceError | null, res?: PushUpdateResponse) => {
      if (answered) return;
      answered = true;
      clearTimeout(idleTimer);
      releaseSlot?.();
      callback(err, res);
    };
    // Even a broken-off upload says how fast the uplink was: that is how a hopeless link gets noticed.
    const observeUpload = (brokeOff: boolean) => {
      if (observed || !clientId) return;
      const seconds = (deps.clock.now() - startedAt) / 1000;
      const got = receiver?.receivedBytes ?? 0;
      if (got >= 64 * 1024 && seconds > 0) {
        observed = true;
        deps.links.observe({ kind: 'transfer', clientId, atMs: deps.clock.now(), direction: 'up', bytes: got, seconds });
      } else if (brokeOff && seconds >= 1) {
        // Cut off before even one more chunk was in (a message is delivered whole): in all that time
        // the link moved less than what arrived plus one chunk. An upper bound, but a telling one.
        observed = true;
        deps.links.observe({ kind: 'transfer', clientId, atMs: deps.clock.now(), direction: 'up', bytes: got + chunkBytes, seconds, bound: true });
      }
    };
    call.on('cancelled', () => {
      cancelled = true;
      observeUpload(true);
      receiver?.abort('upload cancelled by the client or the connection dropped', false, token);
    });
    // The upload is no longer wanted (its task was cancelled, its round closed): say so now, over
    // the downlink, rather than when the next chunk arrives (on a slow uplink, minutes later).
    const endEarly = (why: string) => {
      observeUpload(true);
      answer(toGrpcError(new StaleRoundError(why)) as grpc.ServiceError);
    };
    const endUnclaimed = (reason: string) => endEarly(`the task was cancelled before its upload began to arrive: ${reason}`);
    // An upload that delivers nothing holds a slot, a stream and a receiver: end it. Not a rejection of
    // the client's data (on a link that broke it may resume), hence not the catch block's abort.
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (answered) return;
        const why = `no update chunk for ${Math.round(limits.uploadIdleMs / 1000)}s (${LIMITS.uploadIdleMs.flag})`;
        observeUpload(true);
        receiver?.abort(`upload idle: ${why}`, false, token);
        log.warn({ clientId, idleMs: limits.uploadIdleMs }, 'idle upload ended');
        answer(toGrpcError(new ResourceExhaustedError(`upload ended: ${why}`)) as grpc.ServiceError);
      }, limits.uploadIdleMs);
      idleTimer.unref();
    };    try {
      clientId = deps.auth(call, { service: 'fleet', method: 'PushUpdate' }).clientId ?? '';
      const refused = deps.unavailable();
      if (refused) throw new UnavailableError(`${refused}; retry after reconnecting`);
      releaseSlot = uploads.take(clientId);
      armIdle();
      const unclaimed = unclaimedUploads.get(clientId) ?? new Set();
      unclaimedUploads.set(clientId, unclaimed.add(endUnclaimed));
      stopListening = () => forgetUnclaimed(clientId, endUnclaimed);
      for await (const msg of call as AsyncIterable<UpdateChunk__Output>) {
        if (answered) return;
        armIdle();
        if (!receiver) {
          stopListening();
          const h = msg.header;
          const m = msg.meta;
          if (!h || !m) throw new InvalidArgumentError('the first update chunk must carry header and meta');
          const tensors = fromWireTensors(h.tensors);
          if (parameterCount(tensors) * 4 > 4 * 2 ** 30) throw new ResourceExhaustedError('update declares more than 1 Gi parameters');
          receiver = await deps.manager.beginUpdate(clientId, checkId(m.runId, 'run_id'), m.round, {
            taskId: checkTaskId(m.taskId),
            transferId: checkId(h.transferId, 'transfer_id'),
            encoding: clientString(h.encoding, 'update.encoding', limits),
            totalBytes: Number(h.totalBytes),
            sha256: h.sha256,
            chunkDigest: clientString(h.chunkDigest, 'update.chunk_digest', limits),
            tensors,
            numExamples: checkNumExamples(Number(m.numExamples), deps.registry.declaredDatasetSize(clientId), 'UpdateMeta.num_examples', limits),
          });
          token = receiver.claim(startedAt);
          uploadRound = m.round;
          stopListening = receiver.onDiscard(() => endEarly(`round ${m.round} closed before this upload was complete`));
          if (cancelled) receiver.abort('upload cancelled', false, token);
        } else if (msg.header || msg.meta) {
          throw new InvalidArgumentError('header and meta belong in the first chunk only');
        }
        receiver.write(Number(msg.offset), msg.data, deps.clock.now(), token, msg.xxh64);
        failpoint('mid-upload', uploadRound);
      }
      if (cancelled || answered) return;
      if (!receiver) throw new InvalidArgumentError('empty upload');
      if (receiver.receivedBytes < receiver.expectedBytes) {
        // A cancelled call also ends the stream early (grpc-js reports the cancel
        // only afterwards): either way the transfer broke off, nothing was wrong
        // with its data, and the client may try again.
        const reason = `transfer ended after ${receiver.receivedBytes} of ${receiver.expectedBytes} bytes`;
        receiver.abort(reason, false, token);
        throw new InvalidArgumentError(reason);
      }
      observeUpload(false);
      receiver.complete(token);
      answer(null, { transferId: receiver.transferId, receivedBytes: receiver.receivedBytes });
    } catch (err) {
      if (answered) return;
      const code = statusFor(err);
      observeUpload(false);
      receiver?.abort((err as Error).message, code === status.INVALID_ARGUMENT || code === status.RESOURCE_EXHAUSTED, token);
      log.warn({ clientId, code: status[code], err: printable((err as Error).message, 500) }, 'update refused');
      answer(toGrpcError(err) as grpc.ServiceError);
    } finally {
      clearTimeout(idleTimer);
      releaseSlot?.();
      stopListening?.();
    }
  }

  async function queryUpdate(call: grpc.ServerUnaryCall<QueryUpdateRequest__Output, QueryUpdateResponse>, callback: grpc.sendUnaryData<QueryUpdateResponse>): Promise<void> {
    try {
      const clientId = deps.auth(call, { service: 'fleet', method: 'QueryUpdate' }).clientId ?? '';
      const r = call.request;
      const receivedBytes = await deps.manager.uploadOffset(clientId, checkId(r.runId, 'run_id'), r.round, checkId(r.transferId, 'transfer_id'));
      callback(null, { receivedBytes });
    } catch (err) {
      callback(toGrpcError(err) as grpc.ServiceError);
    }
  }

  async function enroll(call: grpc.ServerUnaryCall<EnrollRequest__Output, EnrollResponse>, callback: grpc.sendUnaryData<EnrollResponse>): Promise<void> {
    try {
      const principal = deps.auth(call, { service: 'fleet', method: 'Enroll' });
      // The token and the certificate must not cross the network in cleartext.
      if (!principal.tls) throw new FailedPreconditionError('enrollment needs a coordinator serving TLS (--pki or --tls-cert/--tls-key/--tls-ca)');
      // A standby cannot spend a token (its store writes are fenced): send the device to the leader.
      const refused = deps.unavailable();
      if (refused) throw new UnavailableError(`${refused}; enroll there`);
      const { token, csrPem } = call.request;
      if (token.length > 256 || csrPem.length > 16 * 1024) throw new InvalidArgumentError('enrollment request too large (token 256 bytes, CSR 16 KiB at most)');
      const enrolled = await deps.enroll(token, csrPem, call.getPeer());
      callback(null, { clientId: enrolled.clientId, certificatePem: enrolled.certPem, caPem: enrolled.caPem, notAfterMs: enrolled.notAfterMs });
    } catch (err) {
      log.warn({ peer: call.getPeer(), err: (err as Error).message }, 'enrollment refused');
      callback(toGrpcError(err) as grpc.ServiceError);
    }
  }

  return {
    Connect: connect,
    // Each catches everything and answers it on the call: their promises never reject.
    FetchModel: (call) => void fetchModel(call),
    PushUpdate: (call, cb) => void pushUpdate(call, cb),
    QueryUpdate: (call, cb) => void queryUpdate(call, cb),
    Enroll: (call, cb) => void enroll(call, cb),
  };
}
