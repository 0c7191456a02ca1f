/**
 * The one subscription behind every open dashboard page: run events from the
 * run manager's in-process bus and client changes from the session registry
 * and link tracker, fanned out to each page's event stream. Both are
 * coalesced: a round's changes go out at most every `runsEveryMs` (its latest
 * state), client snapshots at most every `clientsEveryMs`, so neither a large
 * round nor a fleet's heartbeats turn into a storm of frames. On an HA standby
 * no run events come (another coordinator drives the runs): the feed reads the
 * shared store every `standbyPollMs` instead, once for all pages, and sends
 * what changed.
 */
import type { Clock, TimerHandle } from '../../../common/clock';
import type { Logger } from '../../../common/logger';
import type { Subscription } from '../../../common/event-bus';
import { Periodic } from '../../../common/periodic';
import type { RunEvent } from '../rounds/run-driver';
import type { DashboardSource } from './dashboard-source';
import { runEventView } from './dashboard-views';
import { DASHBOARD_EVENTS, SSE_KEEPALIVE, sseFrame } from './sse';

/** Where the feed writes: one page's stream. */
export interface FeedSink {
  send(frame: string): void;
}

/** Timing of the feed. */
export interface FeedOptions {
  /** Shortest gap between two client snapshots, ms. @default 1000 */
  clientsEveryMs?: number;
  /** How long changes of a run are gathered before its latest state goes out, ms. @default 250 */
  runsEveryMs?: number;
  /** A comment is sent this often so idle streams stay open through proxies, ms. @default 15000 */
  keepAliveMs?: number;
  /** How often a standby reads the shared store for changes of runs, ms. @default 1000 */
  standbyPollMs?: number;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Fans the coordinator's events out to the open pages. */
export class DashboardFeed {
  private readonly sinks = new Set<FeedSink>();
  private subscriptions: Array<Subscription<unknown>> = [];
  private pumping: Array<Promise<void>> = [];
  private unsubscribeClients?: () => void;
  private clientsTimer?: TimerHandle;
  private readonly keepAlive: Periodic;
  private readonly follower: Periodic;
  /** On a standby: what was last sent of each run (undefined: not following now, the next read is a baseline). */
  private followed?: Map<string, { seen: string; terminal: boolean }>;
  private following?: Promise<void>;
  private lastClientsAtMs = Number.NEGATIVE_INFINITY;
  /** Run events waiting to go out: the latest per run (and round attempt), in the order they last changed. */
  private readonly pendingRuns = new Map<string, RunEvent>();
  private runsTimer?: TimerHandle;
  private readonly runsEveryMs: number;
  private readonly clientsEveryMs: number;

  constructor(
    private readonly source: DashboardSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: FeedOptions = {},
  ) {
    this.clientsEveryMs = options.clientsEveryMs ?? 1000;
    this.runsEveryMs = options.runsEveryMs ?? 250;
    this.keepAlive = new Periodic(clock, options.keepAliveMs ?? 15_000, () => this.broadcast(SSE_KEEPALIVE));
    this.follower = new Periodic(clock, options.standbyPollMs ?? 1000, () => this.followStore());
  }

  /** Subscribes to the coordinator's events; idempotent. */
  start(): void {
    if (this.subscriptions.length) return;
    const runs = this.source.runEvents();
    const links = this.source.linkEvents();
    this.subscriptions = [runs, links];
    this.pumping = [
      this.pump(runs, (e) => this.runChanged(e)),
      this.pump(links, () => this.clientsChanged()),
    ];
    this.unsubscribeClients = this.source.onFleetChange(() => this.clientsChanged());
    this.keepAlive.start();
    if (this.source.standby) this.follower.start();
  }

  /** Unsubscribes and cancels its timers; idempotent. Pages' streams are the server's to close. */
  async stop(): Promise<void> {
    // No page left: events still draining from the subscriptions, or a store read under way, schedule nothing.
    this.sinks.clear();
    for (const s of this.subscriptions) s.close();
    this.unsubscribeClients?.();
    this.keepAlive.stop();
    this.follower.stop();
    await Promise.all([...this.pumping, this.following]);
    this.clientsTimer?.cancel();
    this.runsTimer?.cancel();
    this.clientsTimer = this.runsTimer = this.unsubscribeClients = undefined;
    this.pendingRuns.clear();
    this.followed = undefined;
    this.subscriptions = [];
    this.pumping = [];
  }

  /** Adds a page; returns its removal. */
  add(sink: FeedSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Open pages. */
  get size(): number {
    return this.sinks.size;
  }

  /** Feeds a subscription to `each` until it is closed; a failure is logged, never left unhandled. */
  private async pump<T>(events: Subscription<T>, each: (e: T) => void): Promise<void> {
    try {
      for await (const e of events) each(e);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'dashboard feed stopped');
    }
  }

  private broadcast(frame: string): void {
    for (const s of this.sinks) s.send(frame);
  }

  private runChanged(e: RunEvent): void {
    if (this.sinks.size === 0) return;
    const key = e.round ? `${e.run.runId}/${e.round.round}/${e.round.attempt}` : e.run.runId;
    // Re-inserted, so the frame sent last carries the newest run state.
    this.pendingRuns.delete(key);
    this.pendingRuns.set(key, e);
    this.runsTimer ??= this.clock.setTimeout(() => {
      this.runsTimer = undefined;
      const events = [...this.pendingRuns.values()];
      this.pendingRuns.clear();
      for (const pending of events) this.broadcast(sseFrame(DASHBOARD_EVENTS.run, runEventView(pending)));
    }, this.runsEveryMs);
  }

  private clientsChanged(): void {
    if (this.clientsTimer || this.sinks.size === 0) return;
    const wait = Math.max(0, this.lastClientsAtMs + this.clientsEveryMs - this.clock.now());
    this.clientsTimer = this.clock.setTimeout(() => {
      this.clientsTimer = undefined;
      this.lastClientsAtMs = this.clock.now();
      this.broadcast(sseFrame(DASHBOARD_EVENTS.clients, this.source.clients()));
    }, wait);
  }

  /** One read of the store on a standby (skipped while a read is under way or nobody watches). */
  private followStore(): void {
    if (!this.source.standby?.()) {
      // Leading: run events flow; a later standby starts from a fresh baseline.
      this.followed = undefined;
      return;
    }
    if (this.following || this.sinks.size === 0) return;
    this.following = this.readStore()
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'dashboard: cannot read runs from the store'))
      .finally(() => (this.following = undefined));
  }

  /** Sends every run whose state or latest round changed since the last read; the first read only takes note of finished runs. */
  private async readStore(): Promise<void> {
    const baseline = this.followed === undefined;
    const followed = (this.followed ??= new Map());
    for (const run of await this.source.listRuns()) {
      const last = followed.get(run.runId);
      if (last?.terminal) continue;
      const terminal = TERMINAL.has(run.state);
      if (!last && terminal && baseline) {
        followed.set(run.runId, { seen: '', terminal });
        continue;
      }
      const round = (await this.source.listRounds(run.runId)).at(-1);
      const seen = JSON.stringify([run.state, run.updatedAtMs, round?.round, round?.attempt, round?.state, round?.clients.map((c) => c.state)]);
      if (last?.seen === seen) continue;
      followed.set(run.runId, { seen, terminal });
      this.runChanged(round ? { run, round } : { run });
    }
  }
}
