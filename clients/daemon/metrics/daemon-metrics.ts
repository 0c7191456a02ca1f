/**
 * An edge daemon's Prometheus metrics: fed by the session's events
 * (connections, tasks), its transfers and link reports, and a trainer wrapper
 * that times local training; served by a MetricsServer from start() to stop().
 */
import type { Registry } from 'prom-client';
import type { LinkReport } from '../../../common/link';
import type { Logger } from '../../../common/logger';
import { MetricsServer } from '../../../common/metrics/metrics-server';
import { createSeries } from '../../../common/metrics/series';
import type { Trainer } from '../run-task';
import type { SessionEvent } from '../session';
import { DAEMON_SERIES, TASK_OUTCOMES } from './series';

/** The `outcome` label of each task event. */
const TASK_OUTCOME: Record<'task-started' | 'task-finished' | 'task-failed', (typeof TASK_OUTCOMES)[number]> = {
  'task-started': 'started',
  'task-finished': 'finished',
  'task-failed': 'failed',
};

/** Options of a daemon's metrics. */
export interface DaemonMetricsOptions {
  /** Where /metrics is served; port 0 picks a free one. */
  host?: string;
  port: number;
  logger: Logger;
  /** Milliseconds from a monotonic source, for durations. @default performance.now */
  monotonicMs?: () => number;
}

/** The daemon's series and their listener. */
export class DaemonMetrics {
  readonly registry: Registry;
  private readonly series: ReturnType<typeof createSeries<typeof DAEMON_SERIES>>['series'];
  private readonly server: MetricsServer;
  private readonly now: () => number;
  private sessions = 0;
  private feed?: AsyncIterator<SessionEvent>;
  private loop?: Promise<void>;

  constructor(options: DaemonMetricsOptions) {
    const { registry, series } = createSeries(DAEMON_SERIES);
    this.registry = registry;
    this.series = series;
    this.now = options.monotonicMs ?? (() => performance.now());
    this.server = new MetricsServer(registry, { host: options.host, port: options.port }, options.logger);
    series.connected.set(0);
  }

  /** The port /metrics is served on (after start). */
  get port(): number {
    return this.server.port;
  }

  /** Follows a session's events and serves /metrics; resolves with the port. */
  async start(events: AsyncIterable<SessionEvent>): Promise<number> {
    // Subscribed first, so nothing the session does meanwhile is missed; let go if the port is taken.
    const feed = events[Symbol.asyncIterator]();
    let port: number;
    try {
      port = await this.server.start();
    } catch (err) {
      await feed.return?.();
      throw err;
    }
    this.feed = feed;
    this.loop = (async () => {
      for (let next = await feed.next(); !next.done; next = await feed.next()) this.sessionEvent(next.value);
    })();
    return port;
  }

  /** Stops following and serving; idempotent. */
  async stop(): Promise<void> {
    await this.feed?.return?.();
    this.feed = undefined;
    await this.loop;
    await this.server.stop();
  }

  /** Folds in one session event. */
  sessionEvent(e: SessionEvent): void {
    const s = this.series;
    switch (e.type) {
      case 'connected':
        s.connected.set(1);
        if (this.sessions++ > 0) s.reconnects.inc();
        return;
      case 'disconnected':
      case 'ended':
        s.connected.set(0);
        return;
      case 'reconnecting':
        s.reconnectAttempts.inc();
        return;
      case 'task-started':
      case 'task-finished':
      case 'task-failed':
        s.tasks.inc({ outcome: TASK_OUTCOME[e.type] });
        return;
    }
  }

  /** A finished transfer, and how often it resumed after a break (the session's onTransfer). */
  transfer(direction: 'up' | 'down', bytes: number, ms: number, resumes = 0): void {
    this.series.transferBytes.inc({ direction }, bytes);
    // ms comes from the wall clock, which may step back.
    this.series.transferDuration.observe({ direction }, Math.max(0, ms) / 1000);
    if (resumes > 0) this.series.transferResumes.inc({ direction }, resumes);
  }

  /** A link report that went out (the session's onLinkReport). */
  linkReport(report: LinkReport): void {
    // Called from the heartbeat: a value prom-client would refuse is skipped, never thrown.
    if (Number.isFinite(report.rttMs)) this.series.linkRtt.set(report.rttMs! / 1000);
    if (Number.isFinite(report.upMbps)) this.series.linkRate.set({ direction: 'up' }, report.upMbps!);
    if (Number.isFinite(report.downMbps)) this.series.linkRate.set({ direction: 'down' }, report.downMbps!);
  }

  /** `trainer`, with each train() timed (successful or not). */
  timed(trainer: Trainer): Trainer {
    return {
      ...(trainer.prepare && { prepare: (task, opts) => trainer.prepare!(task, opts) }),
      train: async (task, weights, opts) => {
        const started = this.now();
        try {
          return await trainer.train(task, weights, opts);
        } finally {
          this.series.trainingDuration.observe((this.now() - started) / 1000);
        }
      },
    };
  }
}
