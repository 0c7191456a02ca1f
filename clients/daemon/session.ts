/**
 * The daemon's side of `Fleet.Connect`: one long-lived control stream per
 * session (hello/welcome, heartbeats with progress, tasks, cancels, drains),
 * reconnecting with backoff and full jitter until stopped. Bulk tensors go
 * over separate calls (see run-task.ts) so they never delay a heartbeat.
 */
import { clip, stripControl } from '../../common/sanitize';
import { credentials as grpcCredentials, Metadata, status, type ChannelCredentials, type ClientDuplexStream } from '@grpc/grpc-js';
import { systemClock, type Clock, type TimerHandle } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/logger';
import type { Rng } from '../../common/random';
import { loadFedlinkProto } from '../../proto/loader';
import type { ClientMessage } from '../../proto/gen/fedlink/v1/ClientMessage';
import type { CoordinatorMessage__Output } from '../../proto/gen/fedlink/v1/CoordinatorMessage';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { Welcome__Output } from '../../proto/gen/fedlink/v1/Welcome';
import { nextDelay } from './backoff';
import { EventChannel } from './event-channel';
import { DEFAULT_BACKOFF_INITIAL_MS, DEFAULT_BACKOFF_MAX_MS } from './options';
import { describeError } from './rpc-error';
import type { Trainer } from './run-task';
import { LinkMonitor } from './link-monitor';
import { chunkBytesForLink } from './push-update';
import { ModelCache } from './model-cache';
import { DAEMON_ENCODINGS, FeedbackStore } from './encodings';
import { SPARSE_AVERAGE_FEATURE } from '../../common/codecs';
import { CHUNK_XXH64_FEATURE, chunkCheckAvailable } from '../../common/chunk-check/chunk-checker';
import { TaskSlot, type TaskEvent } from './task-slot';
import type { LinkReport } from '../../common/link';
import { toWireLinkReport } from './wire';
import { DEFAULT_TASK_LIMITS, type TaskLimits } from './task-limits';

export type { Trainer } from './run-task';

/** Lifecycle of a session. `reconnecting` covers the wait between attempts; `stopped` also follows a final drain. */
export type SessionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopping' | 'stopped';

/** What happened to a session, as `events()` reports it (a union tagged by `type`). */
export type SessionEvent =
  | { type: 'connected'; sessionId: string }
  | { type: 'disconnected'; reason: string }
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  /** The coordinator ended this session for good (a final drain): replaced by a newer session of this identity, or revoked. */
  | { type: 'ended'; reason: string }
  | TaskEvent;

/** Options of a ClientSession. */
export interface ClientSessionOptions {
  /**
   * Coordinator address, host:port; several comma-separated for a leader and
   * its standbys: a connect attempt that fails moves on to the next address.
   */
  coordinator: string;
  clientId: string;
  /** TFJS backend the trainer runs on, announced in the hello. */
  backend: string;
  /** Examples in the local partition, announced in the hello (the data itself never leaves). */
  datasetSize: number;
  /** @default 'fashion-mnist' */
  dataset?: string;
  /** The part of a shared dataset it trains on, announced in the hello ("2/10 iid seed 42"). @default '' (all of its data) */
  partition?: string;
  /** Behaviours announced in the hello (fleet.proto Capabilities.features). @default ['sparse-average', 'chunk-xxh64'] ('chunk-xxh64' where WebAssembly SIMD is) */
  features?: string[];
  trainer: Trainer;
  /** @default 'dev' */
  version?: string;
  /** @default a silent logger */
  logger?: Logger;
  /** Source of every timer (heartbeats, backoff, deadlines, stop()'s grace waits). @default systemClock */
  clock?: Clock;
  /** Jitter source. @default Math.random */
  rng?: Rng;
  /** @default 500 */
  backoffInitialMs?: number;
  /** @default 15000 */
  backoffMaxMs?: number;
  /** An attempt without a Welcome within this long is abandoned. @default 10000 */
  welcomeTimeoutMs?: number;
  /** Channel credentials. @default insecure */
  credentials?: ChannelCredentials;
  /** Link measurements; reports ride heartbeats when due. @default a monitor declaring nothing */
  link?: LinkMonitor;
  /** A link report is due at least this often, and sooner when it changed. @default 5000 */
  linkReportIntervalMs?: number;
  /** Called with every link report sent (main.ts also publishes it on NATS). */
  onLinkReport?: (report: LinkReport) => void;
  /** Global models already fetched, by version. @default a cache of the last 2 */
  modelCache?: ModelCache;
  /** Error-feedback residuals for lossy update encodings, kept across tasks. @default a fresh store */
  feedback?: FeedbackStore;
  /** What this device agrees to train; its models are the ones announced in the hello. @default DEFAULT_TASK_LIMITS */
  limits?: TaskLimits;
  /** L2 bound every update is clipped to before upload (`--clip-norm`). @default no clipping */
  clipNorm?: number;
}

/** Heartbeat interval when the Welcome names none. */
const DEFAULT_HEARTBEAT_MS = 5_000;
/** Heartbeat intervals of silence after which the stream is presumed dead (a half-open TCP connection never errors). */
const SILENT_INTERVALS = 3;
/**
 * ...but never less than this: on a slow, bufferbloated downlink the acks queue
 * behind a model download for seconds, and a live link must not be mistaken for a dead one.
 */
const MIN_SILENCE_MS = 15_000;
/** How long stop() waits for the coordinator to close the stream after our goodbye, and for a task to unwind. */
const STOP_GRACE_MS = 1_000;
const TASK_UNWIND_MS = 5_000;
/** A coordinator's reason is printed on the user's terminal: one printable line, bounded. */
const MAX_REASON_CHARS = 300;

/** The coordinator's drain reason made safe to log and print: control characters out, length bounded. */
const printable = (reason: string): string => clip(stripControl(reason).trim(), MAX_REASON_CHARS);

type ConnectCall = ClientDuplexStream<ClientMessage, CoordinatorMessage__Output>;

/**
 * Channel options for model transfers: a 16 MiB HTTP/2 receive window instead of 64 KiB,
 * which moves at most 64 KiB per round trip (5 % of an emulated 300 Mbit/s 5G downlink;
 * 89 % with 16 MiB, `npm run bench -- transfer`).
 */
export const TRANSFER_CHANNEL_OPTIONS = { 'grpc-node.flow_control_window': 16 << 20 } as const;

/**
 * Transfers get a TCP connection of their own (a channel with its own subchannel pool),
 * apart from the control stream: on one connection a heartbeat or a result waits behind
 * whatever the upload has already written to the socket, up to the coordinator's 4 MiB
 * receive window, which on a 0.05 Mbit/s uplink is minutes. Apart, it waits only for the
 * link itself.
 */
const TRANSFER_CONNECTION_OPTIONS = { ...TRANSFER_CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 } as const;

/** An edge client's session with the coordinator: `start()`, `stop()`, `events()`. */
export class ClientSession {
  private stateValue: SessionState = 'idle';
  private readonly channel = new EventChannel<SessionEvent>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly rng: Rng;
  private readonly backoffInitialMs: number;
  private readonly backoffMaxMs: number;
  private client?: FleetClient;
  /** One channel per coordinator address for the control stream; `client` is the one in use. */
  private clients: FleetClient[] = [];
  /** Per coordinator address, the channel model downloads and update uploads use (a connection apart). */
  private transferClients: FleetClient[] = [];
  private current = 0;
  private readonly addresses: string[];
  private call?: ConnectCall;
  private welcomed = false;
  private sessionId = '';
  private resumeToken = '';
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private maxChunkBytes = 0;
  /** What the coordinator's Welcome offered (fleet.proto Welcome.features). */
  private coordinatorFeatures: string[] = [];
  private seq = 0;
  private lastHeardMs = 0;
  private lastRtt?: number;
  private attempt = 0;
  /** Hellos refused (UNAUTHENTICATED / PERMISSION_DENIED) in a row, across the coordinator addresses. */
  private refusedInARow = 0;
  private heartbeatTimer?: TimerHandle;
  private reconnectTimer?: TimerHandle;
  private welcomeTimer?: TimerHandle;
  /** Results and failures that finished while the stream was down; sent after the next Welcome. */
  private outbox: ClientMessage[] = [];
  private readonly slot: TaskSlot;
  private stopping?: Promise<void>;
  private closing = false;
  private readonly link: LinkMonitor;
  private lastLinkSentMs = -Infinity;
  private readonly limits: TaskLimits;
  /** The coordinator's reason, once it ended this session for good. */
  private finalReason?: string;
  private resolveStopped!: (finalReason: string | undefined) => void;
  /**
   * Settles once the session has stopped: with the coordinator's reason when it
   * ended the session for good (a final drain), undefined after `stop()`.
   */
  readonly stopped = new Promise<string | undefined>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly options: ClientSessionOptions) {
    this.clock = options.clock ?? systemClock;
    this.rng = options.rng ?? Math.random;
    this.addresses = options.coordinator.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
    this.backoffInitialMs = options.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
    this.backoffMaxMs = options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
    this.log = (options.logger ?? silentLogger()).child({ component: 'session', clientId: options.clientId });
    this.link = options.link ?? new LinkMonitor(options.clientId);
    this.limits = options.limits ?? DEFAULT_TASK_LIMITS;
    this.slot = new TaskSlot({
      trainer: options.trainer,
      client: () => this.transferClients[this.current],
      metadata: () => this.metadata(),
      // Smaller chunks on a slow uplink: a reset then loses seconds, not a 1 MiB chunk's worth.
      maxChunkBytes: () => chunkBytesForLink(this.maxChunkBytes, this.link.uplinkMbps),
      // Per-chunk digests only when both ends offer them; else the sha256 of the whole, as any coordinator accepts.
      chunkDigests: () => this.features().includes(CHUNK_XXH64_FEATURE) && this.coordinatorFeatures.includes(CHUNK_XXH64_FEATURE),
      deliver: (message) => this.deliver(message),
      emit: (event) => this.emit(event),
      clock: this.clock,
      logger: this.log,
      onTransfer: (direction, bytes, ms) => this.link.noteTransfer(direction, bytes, ms),
      modelCache: options.modelCache ?? new ModelCache(),
      feedback: options.feedback ?? new FeedbackStore(),
      limits: this.limits,
      datasetSize: options.datasetSize,
      clipNorm: options.clipNorm,
    });
  }

  /** Current lifecycle state. */
  get state(): SessionState {
    return this.stateValue;
  }

  /** Last heartbeat round-trip time, ms (undefined before the first ack). */
  get rttMs(): number | undefined {
    return this.lastRtt;
  }

  /** Events from now on; subscribe before `start()` to see the first `connected`. Ends after `stop()`. */
  events(): AsyncIterable<SessionEvent> {
    return this.channel.iterate();
  }

  /** Opens the control stream; reconnects by itself until `stop()`. Calling it again does nothing. */
  start(): void {
    if (this.stateValue !== 'idle') return;
    const { Fleet } = loadFedlinkProto().proto.fedlink.v1;
    const channel = (address: string, extra: object) =>
      new Fleet(address, this.options.credentials ?? grpcCredentials.createInsecure(), {
        // grpc-js retries a dead connection with its own backoff (up to 120 s by default); keep it within ours
        // so a restarted coordinator is found as soon as our next attempt asks.
        'grpc.initial_reconnect_backoff_ms': this.backoffInitialMs,
        'grpc.max_reconnect_backoff_ms': this.backoffMaxMs,
        ...extra,
      }) as FleetClient;
    this.clients = this.addresses.map((address) => channel(address, {}));
    this.transferClients = this.addresses.map((address) => channel(address, TRANSFER_CONNECTION_OPTIONS));
    this.client = this.clients[0];
    this.connect();
  }

  /** Abandons in-flight work, says goodbye, closes the stream and clears every timer. Idempotent. */
  stop(reason = 'client stopping'): Promise<void> {
    if (!this.stopping) {
      // Set before shutdown() runs, so nothing it triggers synchronously can schedule a reconnect or queue a message.
      this.closing = true;
      this.stopping = this.shutdown(reason);
    }
    return this.stopping;
  }

  private metadata(): Metadata {
    const md = new Metadata();
    md.set('fedlink-client-id', this.options.clientId);
    return md;
  }

  private emit(event: SessionEvent): void {
    this.channel.push(event);
  }

  private connect(): void {
    if (this.closing || !this.client) return;
    this.stateValue = 'connecting';
    // No waitForReady: an unreachable coordinator fails the call at once and our backoff decides when to retry.
    const call = this.client.Connect(this.metadata());
    this.call = call;
    this.welcomed = false;
    call.on('data', (msg: CoordinatorMessage__Output) => {
      if (this.call !== call) return;
      try {
        this.onMessage(msg);
      } catch (err) {
        this.log.error({ err }, 'failed to handle a coordinator message');
      }
    });
    // grpc-js reports every ending on 'status' too; this listener only keeps an error from being unhandled.
    call.on('error', (err) => this.log.debug({ err: describeError(err) }, 'control stream error'));
    call.on('status', (s: { code: status; details: string }) => {
      if (this.call !== call) return;
      // Refused before the welcome: the coordinator is there, but not for these credentials or this id.
      const refused = !this.welcomed && (s.code === status.UNAUTHENTICATED || s.code === status.PERMISSION_DENIED);
      // Every coordinator refused these credentials (revoked, or not this deployment's): retrying cannot help.
      if (refused && ++this.refusedInARow >= this.clients.length) return this.endForGood(`refused by the coordinator: ${s.details || status[s.code]}`);
      this.dropStream(`stream closed: ${status[s.code]}${s.details ? `: ${s.details}` : ''}`, undefined, refused);
    });
    const timeoutMs = this.options.welcomeTimeoutMs ?? 10_000;
    this.welcomeTimer = this.clock.setTimeout(() => {
      if (this.call === call && !this.welcomed) this.dropStream(`no welcome within ${timeoutMs} ms`);
    }, timeoutMs);
    call.write({
      hello: {
        clientId: this.options.clientId,
        capabilities: {
          backend: this.options.backend,
          encodings: [...DAEMON_ENCODINGS],
          features: this.features(),
          // Only what this device agrees to train, so a coordinator need not select it for the rest.
          models: [...this.limits.allowedModels],
          dataset: this.options.dataset ?? 'fashion-mnist',
          partition: this.options.partition ?? '',
        },
        datasetSize: this.options.datasetSize,
        resumeToken: this.resumeToken,
        version: this.options.version ?? 'dev',
      },
    });
  }

  /** Forgets the current stream and, unless stopping, schedules the next attempt. */
  private dropStream(reason: string, reconnectAfterMs?: number, refused = false): void {
    const call = this.call;
    if (!call) return;
    this.call = undefined;
    this.welcomeTimer?.cancel();
    this.heartbeatTimer?.cancel();
    call.cancel();
    const wasWelcomed = this.welcomed;
    this.welcomed = false;
    if (wasWelcomed) {
      // A drain is the coordinator leaving on purpose, not the link failing.
      if (reconnectAfterMs === undefined) this.link.noteReset();
      this.log.warn({ reason }, 'disconnected from coordinator');
      this.emit({ type: 'disconnected', reason });
    } else if (this.attempt === 0) {
      // Once per outage at warn level; every further failed attempt only at debug, or a long outage floods the log.
      if (refused) this.log.error({ reason, coordinator: this.addresses[this.current] }, 'coordinator refused this client (its certificate or id); retrying with backoff');
      else this.log.warn({ reason, coordinator: this.addresses[this.current] }, 'coordinator unreachable; retrying with backoff');
    } else {
      this.log.debug({ reason, attempt: this.attempt, coordinator: this.addresses[this.current] }, 'connect attempt failed');
    }
    if (!wasWelcomed && this.clients.length > 1) {
      // Never got in (down, or a standby that refuses sessions): the next attempt tries the next address.
      this.current = (this.current + 1) % this.clients.length;
      this.client = this.clients[this.current];
    }
    if (!this.closing) this.scheduleReconnect(reconnectAfterMs);
  }

  private scheduleReconnect(delayOverrideMs?: number): void {
    const delayMs = delayOverrideMs ?? nextDelay(this.attempt, { initialMs: this.backoffInitialMs, maxMs: this.backoffMaxMs, rng: this.rng });
    this.attempt++;
    this.stateValue = 'reconnecting';
    this.log.debug({ attempt: this.attempt, delayMs }, 'reconnecting');
    this.emit({ type: 'reconnecting', attempt: this.attempt, delayMs });
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  private onMessage(msg: CoordinatorMessage__Output): void {
    this.lastHeardMs = this.clock.now();
    if (msg.kind === 'welcome' && msg.welcome) return this.onWelcome(msg.welcome);
    if (!this.welcomed) {
      this.log.warn({ kind: msg.kind }, 'coordinator message before welcome ignored');
      return;
    }
    switch (msg.kind) {
      case 'heartbeatAck':
        if (msg.heartbeatAck) {
          this.lastRtt = this.clock.now() - msg.heartbeatAck.clientSentAtMs;
          this.link.noteRtt(this.lastRtt);
          this.log.debug({ seq: msg.heartbeatAck.seq, rttMs: this.lastRtt }, 'heartbeat ack');
        }
        return;
      case 'probe':
        // Answer at once: the coordinator times this round trip itself.
        if (msg.probe) this.send({ probeReply: { id: msg.probe.id } });
        return;
      case 'task':
        if (msg.task) this.slot.assign(msg.task);
        return;
      case 'cancel':
        if (msg.cancel) this.slot.cancel(msg.cancel.taskId, msg.cancel.reason);
        return;
      case 'drain':
        if (msg.drain?.final) return this.endForGood(msg.drain.reason);
        if (msg.drain) {
          const after = msg.drain.reconnectAfterMs;
          // Jitter up to the announced delay again, so a whole fleet does not return in the same instant.
          const delayMs = after + Math.floor(this.rng() * Math.max(this.backoffInitialMs, after));
          this.log.info({ reason: msg.drain.reason, delayMs }, 'coordinator draining; reconnecting later');
          this.dropStream(`drain: ${msg.drain.reason}`, delayMs);
        }
        return;
      default:
        this.log.debug({ kind: msg.kind }, 'unexpected coordinator message ignored');
    }
  }

  /**
   * A final drain: another process took over this identity, or it was revoked.
   * Reconnecting would only evict the other process (which would do the same back), so stop.
   */
  private endForGood(coordinatorReason: string): void {
    if (this.closing) return;
    const reason = printable(coordinatorReason) || 'the coordinator ended this session';
    this.finalReason = reason;
    this.log.error({ reason }, `coordinator ended this session for good: ${reason}; not reconnecting`);
    this.emit({ type: 'ended', reason });
    void this.stop(`final drain: ${reason}`);
  }

  private onWelcome(welcome: Welcome__Output): void {
    this.welcomeTimer?.cancel();
    if (this.welcomed) return;
    this.welcomed = true;
    this.attempt = 0;
    this.refusedInARow = 0;
    this.sessionId = welcome.sessionId;
    this.resumeToken = welcome.resumeToken;
    this.heartbeatMs = welcome.heartbeatIntervalMs > 0 ? welcome.heartbeatIntervalMs : DEFAULT_HEARTBEAT_MS;
    this.maxChunkBytes = welcome.maxChunkBytes;
    this.coordinatorFeatures = welcome.features ?? [];
    this.stateValue = 'connected';
    this.log.info({ sessionId: this.sessionId, heartbeatMs: this.heartbeatMs, coordinatorVersion: welcome.coordinatorVersion }, 'connected to coordinator');
    this.emit({ type: 'connected', sessionId: this.sessionId });
    const pending = this.outbox;
    this.outbox = [];
    for (const message of pending) this.deliver(message);
    this.scheduleHeartbeat();
  }

  /** Behaviours this daemon announces (and uses where the coordinator offers them too). */
  private features(): string[] {
    return this.options.features ?? [SPARSE_AVERAGE_FEATURE, ...(chunkCheckAvailable() ? [CHUNK_XXH64_FEATURE] : [])];
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.setTimeout(() => this.heartbeat(), this.heartbeatMs);
  }

  private heartbeat(): void {
    if (!this.call || !this.welcomed) return;
    const silentMs = this.clock.now() - this.lastHeardMs;
    if (silentMs > Math.max(SILENT_INTERVALS * this.heartbeatMs, MIN_SILENCE_MS) + this.backoffInitialMs) {
      this.dropStream(`coordinator silent for ${silentMs} ms`);
      return;
    }
    const now = this.clock.now();
    const report = this.link.report(now);
    const linkDue = this.link.changed(report) || now - this.lastLinkSentMs >= (this.options.linkReportIntervalMs ?? 5000);
    this.send({ heartbeat: { seq: ++this.seq, sentAtMs: now, progress: this.slot.progress(), link: linkDue ? toWireLinkReport(report) : null } });
    if (linkDue) {
      this.link.markSent(report);
      this.lastLinkSentMs = now;
      this.options.onLinkReport?.(report);
    }
    this.scheduleHeartbeat();
  }

  /** Writes on the live stream; false when there is none to write on. */
  private send(message: ClientMessage): boolean {
    const call = this.call;
    if (!call || !this.welcomed || !call.writable) return false;
    call.write(message);
    return true;
  }

  /** Sends a result or failure now, or after the next Welcome if the stream is down. */
  private deliver(message: ClientMessage): void {
    if (!this.send(message) && !this.closing) this.outbox.push(message);
  }

  private async shutdown(reason: string): Promise<void> {
    this.stateValue = 'stopping';
    this.reconnectTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.welcomeTimer?.cancel();
    const abandoned = this.slot.abandon();
    // After a final drain the coordinator has already let this session go: it gets no failure, no goodbye.
    const final = this.finalReason !== undefined;
    // Tell the coordinator now rather than let the round wait for this client until its deadline.
    if (abandoned && !final) this.send({ failure: { ...abandoned.ids, reason: 'client stopping' } });
    const call = this.call;
    this.call = undefined;
    if (call) {
      if (this.welcomed && call.writable && !final) {
        call.write({ goodbye: { reason } });
        call.end();
        await this.within(STOP_GRACE_MS, new Promise<void>((resolve) => call.once('status', () => resolve())));
      }
      call.cancel();
      if (this.welcomed) this.emit({ type: 'disconnected', reason });
      this.welcomed = false;
    }
    if (abandoned) await this.within(TASK_UNWIND_MS, abandoned.done);
    this.outbox = [];
    for (const c of [...this.clients, ...this.transferClients]) c.close();
    this.stateValue = 'stopped';
    this.log.info({ reason }, 'session stopped');
    this.channel.close();
    this.resolveStopped(this.finalReason);
  }

  /** Waits for `promise`, but no longer than `ms` (on the session's clock). */
  private async within(ms: number, promise: Promise<unknown>): Promise<void> {
    let timer: TimerHandle | undefined;
    await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, ms)))]);
    timer?.cancel();
  }
}
