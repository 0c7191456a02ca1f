/**
 * The coordinator's picture of every client's link: client reports (over NATS
 * or heartbeats) and its own observations (probe RTT, transfer throughput,
 * disconnects) folded into EWMA estimates, with staleness, and presence that
 * turns offline after a patience. Selection, deadlines and the CLI read it;
 * changes come out of `events()` as a tagged union.
 *
 * Anyone who can name a client id can make the tracker hear of it, so it is
 * bounded: a client silent for `forgetAfterMs` is forgotten, and beyond
 * `maxClients` new ids are refused (counted) rather than stored.
 */
import type { Clock } from '../../../common/clock';
import { Periodic } from '../../../common/periodic';
import { EventBus, type Subscription } from '../../../common/event-bus';
import type { CoordinatorObservation, LinkEstimate, LinkReport, Presence } from '../../../common/link';
import type { ClientId } from '../../../common/types';

/** Options of the tracker, with their defaults. */
export interface LinkTrackerOptions {
  clock: Clock;
  /** Weight of a new sample in the moving averages. @default 0.3 */
  alpha?: number;
  /** No report or observation for this long makes an estimate stale. @default 15000 */
  staleAfterMs?: number;
  /** Silence for this long (or a disconnect) marks the client offline. @default 30000 */
  offlineAfterMs?: number;
  /** How often staleness and presence are re-evaluated. @default 1000 */
  sweepEveryMs?: number;
  /** A client silent for this long is forgotten (its estimate dropped). @default 600000 (10 min) */
  forgetAfterMs?: number;
  /** Most clients tracked at once; news of further ids is refused and counted. @default 100000 */
  maxClients?: number;
}

/** Default of LinkTrackerOptions.forgetAfterMs. */
export const DEFAULT_LINK_FORGET_AFTER_MS = 10 * 60_000;
/** Default of LinkTrackerOptions.maxClients. */
export const DEFAULT_MAX_TRACKED_CLIENTS = 100_000;

/** What changed, as `events()` reports it. */
export type LinkTrackerEvent =
  | { type: 'updated'; estimate: LinkEstimate }
  | { type: 'stale'; estimate: LinkEstimate }
  | { type: 'presence'; estimate: LinkEstimate; previous: LinkEstimate['presence'] }
  | { type: 'forgotten'; clientId: ClientId };

const ewma = (prev: number | undefined, sample: number, alpha: number) => (prev === undefined ? sample : prev + alpha * (sample - prev));

/** Smoothed link estimates per client. */
export class LinkTracker {
  private readonly estimates = new Map<ClientId, LinkEstimate & { lastRttSample?: number }>();
  private readonly bus = new EventBus<LinkTrackerEvent>();
  private readonly periodic: Periodic;
  private readonly alpha: number;
  private readonly staleAfterMs: number;
  private readonly offlineAfterMs: number;
  private readonly sweepEveryMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxClients: number;
  private refused = 0;
  private forgotten = 0;

  constructor(private readonly options: LinkTrackerOptions) {
    this.alpha = options.alpha ?? 0.3;
    this.staleAfterMs = options.staleAfterMs ?? 15_000;
    this.offlineAfterMs = options.offlineAfterMs ?? 30_000;
    this.sweepEveryMs = options.sweepEveryMs ?? 1000;
    this.forgetAfterMs = options.forgetAfterMs ?? DEFAULT_LINK_FORGET_AFTER_MS;
    this.maxClients = options.maxClients ?? DEFAULT_MAX_TRACKED_CLIENTS;
    this.periodic = new Periodic(options.clock, this.sweepEveryMs, () => this.sweep());
  }

  /** Starts the periodic staleness sweep. */
  start(): void {
    this.periodic.start();
  }

  /** Stops the sweep and ends every events() iterator; idempotent. */
  stop(): void {
    this.periodic.stop();
    this.bus.closeAll();
  }

  /** Change events from now on. */
  events(): Subscription<LinkTrackerEvent> {
    return this.bus.subscribe();
  }

  /** The estimate of one client (a copy), if it was ever heard of. */
  get(clientId: ClientId): LinkEstimate | undefined {
    const e = this.estimates.get(clientId);
    return e && this.view(e);
  }

  /** How many clients are tracked, how many were forgotten, and news of how many new ids was refused (tracker full). */
  stats(): { tracked: number; forgotten: number; refused: number } {
    return { tracked: this.estimates.size, forgotten: this.forgotten, refused: this.refused };
  }

  /** How many tracked clients have each presence (without copying the estimates, for metrics scrapes). */
  presenceCounts(): Map<LinkEstimate['presence'], number> {
    const counts = new Map<LinkEstimate['presence'], number>();
    for (const e of this.estimates.values()) counts.set(e.presence, (counts.get(e.presence) ?? 0) + 1);
    return counts;
  }

  /** Every estimate, by client id. */
  list(): LinkEstimate[] {
    return [...this.estimates.values()].map((e) => this.view(e)).sort((a, b) => a.clientId.localeCompare(b.clientId));
  }

  /** Folds in a client's own report. */
  report(r: LinkReport): void {
    const e = this.entry(r.clientId);
    if (!e) return;
    const a = this.alpha;
    e.radio = r.radio;
    if (r.slice !== undefined) e.slice = r.slice;
    if (r.rttMs !== undefined) e.rttMs = ewma(e.rttMs, r.rttMs, a);
    if (r.jitterMs !== undefined) e.jitterMs = ewma(e.jitterMs, r.jitterMs, a);
    if (r.upMbps !== undefined) e.upMbps = ewma(e.upMbps, r.upMbps, a);
    if (r.downMbps !== undefined) e.downMbps = ewma(e.downMbps, r.downMbps, a);
    if (r.loss !== undefined) e.loss = ewma(e.loss, r.loss, a);
    if (r.resets) e.resets += r.resets;
    if (r.metered !== undefined) e.metered = r.metered;
    if (r.battery !== undefined) e.battery = r.battery;
    if (r.charging !== undefined) e.charging = r.charging;
    e.lastReportMs = this.options.clock.now();
    this.touched(e, 'online');
  }

  /** Folds in something the coordinator measured itself. */
  observe(o: CoordinatorObservation): void {
    const e = this.entry(o.clientId);
    if (!e) return;
    const a = this.alpha;
    switch (o.kind) {
      case 'heartbeat-rtt':
        // RFC 3550-style jitter: the smoothed difference between consecutive RTT samples.
        if (e.lastRttSample !== undefined) e.jitterMs = ewma(e.jitterMs, Math.abs(o.rttMs - e.lastRttSample), a);
        e.lastRttSample = o.rttMs;
        e.rttMs = ewma(e.rttMs, o.rttMs, a);
        this.touched(e, 'online');
        return;
      case 'transfer': {
        if (o.seconds <= 0 || o.bytes <= 0) return;
        const mbps = (o.bytes * 8) / o.seconds / 1e6;
        if (o.bound) {
          // Only an upper bound (a transfer that broke off short): it can lower the estimate, never raise it.
          if (o.direction === 'up') e.upMbps = e.upMbps === undefined ? mbps : Math.min(e.upMbps, mbps);
          else e.downMbps = e.downMbps === undefined ? mbps : Math.min(e.downMbps, mbps);
        } else if (o.direction === 'up') e.upMbps = ewma(e.upMbps, mbps, a);
        else e.downMbps = ewma(e.downMbps, mbps, a);
        this.touched(e, 'online');
        return;
      }
      case 'disconnect':
        e.disconnects++;
        this.touched(e, 'offline');
        return;
    }
  }

  /** A presence announcement (from the client, or the session registry). */
  presence(clientId: ClientId, status: Presence): void {
    const e = this.entry(clientId);
    if (e) this.touched(e, status);
  }

  /** The client's entry, created if there is room; undefined (and counted) when the tracker is full. */
  private entry(clientId: ClientId): (LinkEstimate & { lastRttSample?: number }) | undefined {
    let e = this.estimates.get(clientId);
    if (!e) {
      if (this.estimates.size >= this.maxClients) {
        this.refused++;
        return undefined;
      }
      e = { clientId, presence: 'unknown', radio: 'unknown', resets: 0, disconnects: 0, lastUpdateMs: this.options.clock.now(), stale: false, samples: 0 };
      this.estimates.set(clientId, e);
    }
    return e;
  }

  private touched(e: LinkEstimate, presence: Presence): void {
    e.lastUpdateMs = this.options.clock.now();
    e.samples++;
    e.stale = false;
    const previous = e.presence;
    e.presence = presence;
    if (previous !== presence) this.bus.publish({ type: 'presence', estimate: this.view(e), previous });
    this.bus.publish({ type: 'updated', estimate: this.view(e) });
  }

  private sweep(): void {
    const now = this.options.clock.now();
    for (const e of this.estimates.values()) {
      const silent = now - e.lastUpdateMs;
      if (silent >= this.forgetAfterMs) {
        // Deleting the current entry while iterating a Map is safe.
        this.estimates.delete(e.clientId);
        this.forgotten++;
        this.bus.publish({ type: 'forgotten', clientId: e.clientId });
        continue;
      }
      if (!e.stale && silent >= this.staleAfterMs) {
        e.stale = true;
        this.bus.publish({ type: 'stale', estimate: this.view(e) });
      }
      if (e.presence !== 'offline' && silent >= this.offlineAfterMs) {
        const previous = e.presence;
        e.presence = 'offline';
        this.bus.publish({ type: 'presence', estimate: this.view(e), previous });
      }
    }
  }

  private view(e: LinkEstimate & { lastRttSample?: number }): LinkEstimate {
    const { lastRttSample: _ignored, ...rest } = e;
    return { ...rest };
  }
}
