/**
 * EventTransport over a real NATS server (@nats-io/transport-node v3).
 *
 * Losing the server degrades, never breaks: the client reconnects forever and
 * re-sends its subscriptions itself. Publishes while disconnected are held
 * here, up to a byte budget (oldest dropped and counted), and sent in order
 * once connected: the v3 client itself discards its outbound buffer on every
 * dial attempt, so it would lose them. If the server is down at start,
 * start() still resolves and a background loop keeps dialling.
 * (The client's own `waitOnFirstConnect` would retry too, but its connect()
 * promise cannot be cancelled, so stop() could not end it; our loop can.)
 */
import { connect, type NatsConnection, type Status, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import { systemClock, type Clock, type TimerHandle } from '../clock';
import { InvalidArgumentError } from '../errors';
import { EventBus } from '../event-bus';
import { silentLogger, type Logger } from '../logger';
import { natsConnectionOptions, natsServers, type NatsAuthOptions, type NatsConnectOptions, type NatsTlsFiles } from '../nats-options';
import { EmbeddedTransport } from './embedded-transport';
import type { EventTransport, Subscription, TransportMessage, TransportStats, TransportStatus } from './event-transport';
import { decodePayload, encodePayload } from './message-codec';
import { createMessageQueue, DEFAULT_MAX_BACKLOG, type MessageQueue } from './message-queue';
import { redactUrl } from './nats-url';
import { PublishBuffer } from './publish-buffer';
import { assertValidSubject } from './subject-pattern';

/** Options of a NatsTransport. */
export interface NatsTransportOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a NATS `.creds` file (JWT + nkey seed). */
  credsFile?: string;
  /** TLS files: CA to verify the server, and a client certificate + key. */
  tls?: NatsTlsFiles;
  /** Connection name shown by the server's monitoring. */
  name?: string;
  /** @default silent */
  logger?: Logger;
  /** Pause between connection attempts. @default 1000 */
  reconnectTimeWaitMs?: number;
  /** Time one connection attempt may take. @default 5000 */
  connectTimeoutMs?: number;
  /** Bytes of publishes held while disconnected; beyond it the oldest are dropped. @default 8 MiB */
  maxBufferedBytes?: number;
  /** Undelivered messages kept per subscription before the oldest are dropped. @default 10000 */
  maxBacklog?: number;
  /** @default systemClock */
  clock?: Clock;
}

/** A subscription of ours, which outlives connections: attached to each new one. */
interface LocalSubscription {
  pattern: string;
  queue: MessageQueue<TransportMessage>;
  nats?: NatsSubscription;
}

/** How long stop() lets in-flight messages drain before it closes anyway. */
const DRAIN_TIMEOUT_MS = 2000;

/** EventTransport backed by a NATS connection. */
export class NatsTransport implements EventTransport {
  readonly kind = 'nats' as const;
  private readonly servers: string[];
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly statusBus = new EventBus<TransportStatus>();
  private readonly subs = new Set<LocalSubscription>();
  private readonly counters = { published: 0, received: 0, malformed: 0, dropped: 0 };
  private state: 'new' | 'started' | 'stopped' = 'new';
  private nc?: NatsConnection;
  private connected = false;
  /** Publishes waiting for a connection. */
  private readonly held: PublishBuffer;
  private attempt?: Promise<void>;
  private retryTimer?: TimerHandle;
  private statusLoop?: Promise<void>;
  private failuresLogged = 0;
  /** Servers, credentials and TLS as nats.js takes them (files read by start()). */
  private connectOptions?: NatsAuthOptions;

  constructor(private readonly options: NatsTransportOptions) {
    this.servers = (Array.isArray(options.servers) ? options.servers : [options.servers]).filter((s) => s.length > 0);
    if (this.servers.length === 0) throw new InvalidArgumentError('NATS transport: no server URL given');
    this.log = (options.logger ?? silentLogger()).child({ component: 'nats-transport' });
    this.clock = options.clock ?? systemClock;
    this.held = new PublishBuffer(options.maxBufferedBytes ?? 8 * 1024 * 1024);
  }

  /** Makes one connection attempt; if it fails, keeps retrying in the background and resolves anyway. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'started';
    const o = this.options;
    try {
      this.connectOptions = await natsConnectionOptions({ url: this.servers.join(','), user: o.user, pass: o.pass, token: o.token, creds: o.credsFile, tls: o.tls });
    } catch (err) {
      this.state = 'stopped';
      throw err;
    }
    this.log.info({ servers: this.connectOptions.servers, tls: this.connectOptions.tls !== undefined }, 'connecting to NATS');
    await this.tryConnect();
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    // An attempt in flight sees state 'stopped' when it lands and closes its connection.
    await this.attempt;
    const nc = this.nc;
    this.nc = undefined;
    if (nc) {
      // drain() delivers what is in flight and flushes with a server round trip, which
      // would wait forever while disconnected: only when connected, and bounded.
      if (this.connected) await this.bounded(nc.drain(), DRAIN_TIMEOUT_MS).catch((err) => this.log.debug({ err: (err as Error).message }, 'NATS drain failed, closing'));
      await nc.close().catch(() => {});
    }
    await this.statusLoop;
    for (const m of this.held.take()) this.drop('stopped before reconnecting', m.subject);
    for (const s of this.subs) s.queue.end();
    this.subs.clear();
    this.connected = false;
    this.statusBus.closeAll();
    this.log.info(this.counters, 'NATS transport stopped');
  }

  publish(subject: string, payload: unknown): void {
    assertValidSubject(subject, false);
    const data = encodePayload(payload);
    if (this.state !== 'started') return this.drop('transport not started', subject);
    if (this.nc && this.connected) return this.send(this.nc, subject, data);
    for (const evicted of this.held.push({ subject, data })) this.drop('reconnect buffer full', evicted.subject);
  }

  subscribe(subject: string): Subscription<TransportMessage> {
    assertValidSubject(subject, true);
    const local: LocalSubscription = {
      pattern: subject,
      queue: createMessageQueue<TransportMessage>({
        maxBacklog: this.options.maxBacklog ?? DEFAULT_MAX_BACKLOG,
        onDrop: () => this.counters.dropped++,
        onClose: () => this.detach(local),
      }),
    };
    if (this.state === 'stopped') {
      local.queue.end();
      return local.queue.subscription;
    }
    this.subs.add(local);
    if (this.nc) this.attach(this.nc, local);
    return local.queue.subscription;
  }

  status(): AsyncIterable<TransportStatus> {
    const sub = this.statusBus.subscribe();
    if (this.state === 'stopped') sub.close();
    return sub;
  }

  stats(): TransportStats {
    return { ...this.counters, connected: this.connected };
  }

  /** Resolves with `p`, or rejects after `ms`. */
  private bounded<T>(p: Promise<T>, ms: number): Promise<T> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = this.clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
    return Promise.race([p, timeout]).finally(() => timer?.cancel());
  }

  private send(nc: NatsConnection, subject: string, data: Uint8Array): void {
    try {
      nc.publish(subject, data);
      this.counters.published++;
    } catch (err) {
      // e.g. over the server's max_payload: the caller cannot fix it at runtime, so count and move on.
      this.drop((err as Error).message, subject);
    }
  }

  /** Sends what was held, in order, before any newer publish can go out. */
  private flushHeld(nc: NatsConnection): void {
    for (const m of this.held.take()) this.send(nc, m.subject, m.data);
  }

  private drop(reason: string, subject: string): void {
    this.counters.dropped++;
    this.log.debug({ subject, reason }, 'NATS publish dropped');
  }

  private tryConnect(): Promise<void> {
    this.attempt = this.connectOnce().finally(() => (this.attempt = undefined));
    return this.attempt;
  }

  private async connectOnce(): Promise<void> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        ...this.connectOptions,
        name: this.options.name,
        // Once connected, never give up: the coordinator must outlive any NATS outage.
        maxReconnectAttempts: -1,
        reconnectTimeWait: this.options.reconnectTimeWaitMs ?? 1000,
        timeout: this.options.connectTimeoutMs ?? 5000,
        // Rotated or fixed credentials on the server side must be picked up, not end the connection.
        ignoreAuthErrorAbort: true,
      });
    } catch (err) {
      if (this.state !== 'started') return;
      // The first failure is worth a warning; the retries every second are not.
      // nats.js reports a TLS handshake the server refused (no or wrong client certificate) as a timeout.
      const tlsHint = this.connectOptions?.tls && /timeout/i.test((err as Error).message) ? ' (if the server refused the TLS client certificate, its log says so: check --nats-pki / --nats-tls-* against its CA and its --client list)' : '';
      this.log[this.failuresLogged++ === 0 ? 'warn' : 'debug']({ err: (err as Error).message }, `cannot connect to NATS, retrying in the background${tlsHint}`);
      this.statusBus.publish({ type: 'reconnecting' });
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = undefined;
        if (this.state === 'started') this.tryConnect().catch((err: Error) => this.log.error({ err: err.message }, 'NATS reconnect attempt failed'));
      }, this.options.reconnectTimeWaitMs ?? 1000);
      return;
    }
    if (this.state !== 'started') {
      await nc.close().catch(() => {});
      return;
    }
    this.adopt(nc);
  }

  /** Takes a fresh connection into use: subscriptions attached, status watched. */
  private adopt(nc: NatsConnection): void {
    this.nc = nc;
    this.failuresLogged = 0;
    for (const s of this.subs) this.attach(nc, s);
    this.flushHeld(nc);
    this.connected = true;
    this.statusLoop = this.watch(nc);
    this.log.info({ server: nc.getServer() }, 'connected to NATS');
    this.statusBus.publish({ type: 'connected' });
  }

  private attach(nc: NatsConnection, local: LocalSubscription): void {
    local.nats = nc.subscribe(local.pattern, {
      callback: (err, msg) => {
        if (err) {
          // e.g. a permission violation: the server refused this subscription.
          this.log.warn({ subject: local.pattern, err: err.message }, 'NATS subscription error');
          this.statusBus.publish({ type: 'error', error: err });
          return;
        }
        const decoded = decodePayload(msg.data);
        if (!decoded.ok) {
          this.counters.malformed++;
          this.log.debug({ subject: msg.subject }, 'dropped a message that is not JSON');
          return;
        }
        this.counters.received++;
        local.queue.push({ subject: msg.subject, payload: decoded.payload });
      },
    });
  }

  private detach(local: LocalSubscription): void {
    this.subs.delete(local);
    try {
      local.nats?.unsubscribe();
    } catch {
      // The connection is already closed: nothing left to unsubscribe from.
    }
    local.nats = undefined;
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) this.onStatus(s);
    // Ends on close. Unexpected while started (reconnects are unlimited), but dial again rather than go deaf.
    if (this.state === 'started' && this.nc === nc) {
      this.log.error('NATS connection closed unexpectedly, dialling again');
      this.nc = undefined;
      this.connected = false;
      this.statusBus.publish({ type: 'disconnected' });
      this.tryConnect().catch((err: Error) => this.log.error({ err: err.message }, 'NATS reconnect attempt failed'));
    }
  }

  private onStatus(s: Status): void {
    switch (s.type) {
      case 'disconnect':
        this.connected = false;
        this.log.warn({ server: redactUrl(s.server) }, 'disconnected from NATS, reconnecting');
        this.statusBus.publish({ type: 'disconnected' });
        break;
      case 'reconnecting':
        this.log.debug('NATS reconnect attempt');
        this.statusBus.publish({ type: 'reconnecting' });
        break;
      case 'reconnect':
        if (this.nc) this.flushHeld(this.nc);
        this.connected = true;
        this.log.info({ server: redactUrl(s.server) }, 'reconnected to NATS');
        this.statusBus.publish({ type: 'reconnected' });
        break;
      case 'error':
        this.log.warn({ err: s.error.message }, 'NATS error');
        this.statusBus.publish({ type: 'error', error: s.error });
        break;
      case 'staleConnection':
        this.log.warn('NATS connection stale, reconnecting');
        break;
      default:
        break;
    }
  }
}

/** Event transport options as the CLI flags give them. */
export interface CreateEventTransportOptions {
  /** NATS connection; none (or no URL in it) means in-process events only. */
  nats?: NatsConnectOptions;
  /** Connection name shown by the server. */
  name?: string;
  logger?: Logger;
}

/** A NatsTransport when a NATS URL is given, else an EmbeddedTransport. */
export function createEventTransport(options: CreateEventTransportOptions): EventTransport {
  const nats = options.nats;
  const servers = natsServers(nats?.url ?? '');
  if (!nats || servers.length === 0) return new EmbeddedTransport();
  return new NatsTransport({
    servers,
    user: nats.user,
    pass: nats.pass,
    token: nats.token,
    credsFile: nats.creds,
    tls: nats.tls,
    name: options.name,
    logger: options.logger,
  });
}
