/**
 * The link emulator: a TCP proxy that applies a LinkProfile between a client (a daemon)
 * and a target (the coordinator). gRPC/HTTP/2 passes through unchanged because only
 * timing is touched, never bytes.
 *
 * Outages are modelled as a handover that breaks connections: when one starts, every open
 * connection is reset, and connections accepted during it are reset at once; when it ends,
 * new connections work again. Random resets reset every open connection at that moment
 * (a radio link failure). Connecting to the target does not add latency; the first bytes do.
 */
import net, { type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../common/clock';
import { FedlinkError } from '../../common/errors';
import { silentLogger, type Logger } from '../../common/logger';
import { createRng, type Rng } from '../../common/random';
import { formatHostPort, parseHostPort, type HostPort } from './host-port';
import { LinkConnection, hardClose } from './link-connection';
import type { DirectionShape } from './link-pipe';
import { LinkScheduler, linkSchedule, type LinkScheduleEvent } from './link-schedule';
import type { LinkProfile } from './profiles';
import { TokenBucket } from './token-bucket';

/** The emulator could not listen on its address. */
export class LinkemListenError extends FedlinkError {}

/** Settings of a LinkEmulator. */
export interface LinkEmulatorOptions {
  /** @default '127.0.0.1' */
  listenHost?: string;
  /** 0 picks a free port (start() resolves to it). */
  listenPort: number;
  /** `host:port` to forward to. */
  target: string;
  profile: LinkProfile;
  /** Seeds resets and jitter. @default 1 */
  seed?: number;
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
}

/** Counters since start. */
export interface LinkEmulatorStats {
  /** Connections open now. */
  connections: number;
  /** Connections accepted since start (including those refused during an outage). */
  accepted: number;
  /** Bytes delivered client → target. */
  bytesUp: number;
  /** Bytes delivered target → client. */
  bytesDown: number;
  /** Connections reset by the emulator (random resets, outage cuts, refusals during an outage). */
  resets: number;
  /** Outages started. */
  outages: number;
  /** Whether an outage is going on now. */
  inOutage: boolean;
}

const KiB = 1024;
const MAX_SLICE = 16 * KiB;
const MIN_SLICE = 1 * KiB;
// A slice is ~5 ms of line rate, so even slow links are paced in small steps rather than in bursts.
const SLICE_MS = 5;
// In-flight data must cover the bandwidth-delay product (or the proxy itself caps throughput), yet stay bounded.
const MIN_HIGH_WATER = 64 * KiB;
const MAX_HIGH_WATER = 4 * 1024 * KiB;

/** The shape of one direction for a profile, with a fresh (full) bucket. */
export function directionShape(profile: LinkProfile, mbps: number, clock: Clock): DirectionShape {
  const rate = mbps > 0 ? (mbps * 1e6) / 8 : Infinity;
  const burstBytes = profile.burstKiB * KiB;
  const sliceBytes = rate === Infinity ? Infinity : Math.min(burstBytes, Math.max(MIN_SLICE, Math.min(MAX_SLICE, Math.round((rate * SLICE_MS) / 1000))));
  const bdp = rate === Infinity ? MAX_HIGH_WATER : 2 * rate * ((profile.latencyMs + profile.jitterMs) / 1000) + burstBytes;
  return {
    latencyMs: profile.latencyMs,
    jitterMs: profile.jitterMs,
    bucket: new TokenBucket({ rateBytesPerSec: rate, burstBytes, clock }),
    sliceBytes,
    highWaterBytes: Math.min(MAX_HIGH_WATER, Math.max(MIN_HIGH_WATER, bdp)),
  };
}

/** A userspace link-emulating TCP proxy; see the module comment for how failures are modelled. */
export class LinkEmulator {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly target: HostPort;
  private readonly scheduleRng: Rng;
  private readonly jitterRng: Rng;
  private readonly connections = new Set<LinkConnection>();
  // Clients whose connection to the target is still being set up, with that upstream socket.
  private readonly pending = new Map<Socket, Socket>();
  private profile: LinkProfile;
  private up!: DirectionShape;
  private down!: DirectionShape;
  private server: Server | undefined;
  private scheduler: LinkScheduler | undefined;
  private stopping: Promise<void> | undefined;
  private counters = { accepted: 0, bytesUp: 0, bytesDown: 0, resets: 0, outages: 0 };
  private outageUntil: number | undefined;

  constructor(private readonly options: LinkEmulatorOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger()).child({ component: 'linkem' });
    this.target = parseHostPort(options.target);
    const seed = options.seed ?? 1;
    // Separate streams, so the failure schedule for a seed does not depend on how much traffic flowed.
    this.scheduleRng = createRng(seed);
    this.jitterRng = createRng(seed ^ 0x5bd1e995);
    this.profile = options.profile;
    this.applyShapes();
  }

  /** Listens and starts the failure schedule; resolves to the bound port. */
  async start(): Promise<number> {
    if (this.server) throw new FedlinkError('link emulator already started');
    const host = this.options.listenHost ?? '127.0.0.1';
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new LinkemListenError(`cannot listen on ${formatHostPort({ host, port: this.options.listenPort })}: ${err.message}`, { cause: err })));
      server.listen(this.options.listenPort, host, () => resolve());
    });
    server.on('error', (err) => this.log.error({ err }, 'listener error'));
    this.startSchedule();
    const port = (server.address() as net.AddressInfo).port;
    this.log.info({ listen: formatHostPort({ host, port }), target: formatHostPort(this.target), profile: this.profile.name }, 'link emulator listening');
    return port;
  }

  /** Closes the listener and every connection and clears all timers. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Switches to another profile now (e.g. a handover to another radio); open connections adopt it for new data. */
  setProfile(profile: LinkProfile): void {
    this.log.info({ from: this.profile.name, to: profile.name }, 'link profile changed');
    this.profile = profile;
    this.applyShapes();
    // The new radio has its own failure pattern, counted from now; an outage in progress ends with the switch.
    this.outageUntil = undefined;
    if (this.server && !this.stopping) this.startSchedule();
  }

  /** The profile in force. */
  currentProfile(): LinkProfile {
    return this.profile;
  }

  /** Counters since start. */
  stats(): LinkEmulatorStats {
    return { connections: this.connections.size, ...this.counters, inOutage: this.outageUntil !== undefined };
  }

  private applyShapes(): void {
    this.up = directionShape(this.profile, this.profile.upMbps, this.clock);
    this.down = directionShape(this.profile, this.profile.downMbps, this.clock);
  }

  private startSchedule(): void {
    this.scheduler?.stop();
    this.scheduler = new LinkScheduler(linkSchedule(this.profile, this.scheduleRng, this.clock.now()), this.clock, (e) => this.onScheduleEvent(e));
    this.scheduler.start();
  }

  private onScheduleEvent(event: LinkScheduleEvent): void {
    if (event.type === 'outage-start') {
      this.outageUntil = event.endsAtMs;
      this.counters.outages++;
      this.log.info({ connections: this.connections.size, durationMs: event.endsAtMs - event.atMs }, 'outage: link down, resetting connections');
      this.resetAll();
    } else if (event.type === 'outage-end') {
      this.outageUntil = undefined;
      this.log.info('outage over: link up');
    } else if (this.connections.size > 0) {
      this.log.info({ connections: this.connections.size }, 'random reset');
      this.resetAll();
    }
  }

  /** Resets every open connection now, like a radio link failure (tests and `fedlink linkem` operators). */
  resetNow(): void {
    this.log.info({ connections: this.connections.size }, 'reset on request');
    this.resetAll();
  }

  private resetAll(): void {
    for (const connection of [...this.connections]) {
      this.connections.delete(connection);
      this.counters.resets++;
      connection.reset();
    }
    for (const [client, upstream] of this.pending) {
      this.counters.resets++;
      hardClose(client);
      upstream.destroy();
    }
    this.pending.clear();
  }

  private accept(client: Socket): void {
    this.counters.accepted++;
    client.on('error', () => undefined);
    if (this.stopping) return void client.destroy();
    if (this.outageUntil !== undefined) {
      this.counters.resets++;
      return hardClose(client);
    }
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    upstream.on('error', () => undefined);
    this.pending.set(client, upstream);
    upstream.once('error', (err) => {
      // Target refused or unreachable: the client sees a reset, as it would without the proxy in between.
      if (this.pending.delete(client)) {
        this.log.debug({ err: err.message }, 'target unreachable');
        hardClose(client);
      }
    });
    client.once('close', () => {
      if (this.pending.delete(client)) upstream.destroy();
    });
    upstream.once('connect', () => {
      if (!this.pending.delete(client)) return void upstream.destroy();
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      const connection = new LinkConnection({
        client,
        upstream,
        clock: this.clock,
        rng: this.jitterRng,
        up: () => this.up,
        down: () => this.down,
        onBytes: (direction, bytes) => {
          if (direction === 'up') this.counters.bytesUp += bytes;
          else this.counters.bytesDown += bytes;
        },
        onClose: () => this.connections.delete(connection),
      });
      this.connections.add(connection);
      connection.start();
    });
  }

  private async shutdown(): Promise<void> {
    this.scheduler?.stop();
    this.scheduler = undefined;
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    for (const [client, upstream] of this.pending) {
      client.destroy();
      upstream.destroy();
    }
    this.pending.clear();
    const server = this.server;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.log.info(this.stats(), 'link emulator stopped');
  }
}
