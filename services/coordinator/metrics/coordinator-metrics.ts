/**
 * The coordinator's Prometheus metrics: the series of series.ts, fed by the
 * run driver (RoundRecorder), the store (timed-store.ts), the gRPC server
 * (refusal-interceptor.ts) and the link tracker's events, and read at scrape
 * time from the session registry and the run manager. Served by a
 * MetricsServer from start() to stop().
 */
import type { Registry } from 'prom-client';
import { parseEncoding } from '../../../common/codecs/encoding';
import type { Logger } from '../../../common/logger';
import { createSeries } from '../../../common/metrics/series';
import { MetricsServer } from '../../../common/metrics/metrics-server';
import type { LinkEstimate } from '../../../common/link';
import type { Subscription } from '../../../common/event-bus';
import type { RoundRecord, RunRecord } from '../../../common/types';
import type { LinkTrackerEvent } from '../link/link-tracker';
import { classifyDrop } from './classify-drop';
import type { DriverPhase, RoundRecorder } from './recorder';
import { COORDINATOR_SERIES, PRESENCES } from './series';

/** What the metrics read at scrape time. */
export interface CoordinatorGauges {
  connectedClients(): number;
  activeRuns(): number;
  presenceCounts(): Map<LinkEstimate['presence'], number>;
  linkEvents(): Subscription<LinkTrackerEvent>;
}

/** Options of the coordinator's metrics. */
export interface CoordinatorMetricsOptions {
  /** Where /metrics is served; port 0 picks a free one. */
  host?: string;
  port: number;
  logger: Logger;
  /**
   * Milliseconds from a monotonic source, for durations (a wall clock stepped by NTP would
   * make some negative). @default performance.now
   */
  monotonicMs?: () => number;
}

/** A duration or rate that can be a sample: finite and not negative. */
function usable(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Round attempts followed at once; far more than a coordinator runs (one per active run). */
const MAX_OPEN_ATTEMPTS = 10_000;

/** Round states the counter has seen per attempt; an attempt's entry goes when it ends. */
type SeenStates = Map<string, Set<string>>;

/** An encoding as a label: top-k loses its fraction, which would make the label unbounded. */
export function encodingLabel(encoding: string | undefined): string {
  if (!encoding) return 'float32';
  try {
    const e = parseEncoding(encoding);
    return e.kind === 'topk' ? (e.values === 'int8' ? 'topk+int8' : 'topk') : e.kind;
  } catch {
    return 'other';
  }
}

/** The coordinator's series and their listener. */
export class CoordinatorMetrics implements RoundRecorder {
  readonly registry: Registry;
  private readonly series: ReturnType<typeof createSeries<typeof COORDINATOR_SERIES>>['series'];
  private readonly server: MetricsServer;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly seen: SeenStates = new Map();
  private linkFeed?: Subscription<LinkTrackerEvent>;
  private linkLoop?: Promise<void>;

  constructor(
    private readonly gauges: CoordinatorGauges,
    options: CoordinatorMetricsOptions,
  ) {
    // Current state is read when scraped: nothing to keep in step between scrapes.
    const { registry, series } = createSeries(COORDINATOR_SERIES, {
      clientsConnected: () => this.series.clientsConnected.set(gauges.connectedClients()),
      runsActive: () => this.series.runsActive.set(gauges.activeRuns()),
      linkClients: () => this.countLinks(),
    });
    this.registry = registry;
    this.series = series;
    this.now = options.monotonicMs ?? (() => performance.now());
    this.server = new MetricsServer(registry, { host: options.host, port: options.port }, options.logger);
    this.logger = options.logger;
  }

  /** The port /metrics is served on (after start). */
  get port(): number {
    return this.server.port;
  }

  /** Serves /metrics and follows the link tracker; resolves with the port. */
  async start(): Promise<number> {
    // The port first: if it is taken, nothing is left following the tracker.
    const port = await this.server.start();
    this.linkFeed = this.gauges.linkEvents();
    this.linkLoop = this.followLinks(this.linkFeed);
    return port;
  }

  /** Stops serving and following; idempotent. */
  async stop(): Promise<void> {
    this.linkFeed?.close();
    await this.linkLoop;
    await this.server.stop();
  }

  /** Tracked clients by presence, every presence present (a 0 is news too). */
  private countLinks(): void {
    const counts = this.gauges.presenceCounts();
    for (const presence of PRESENCES) this.series.linkClients.set({ presence }, counts.get(presence) ?? 0);
  }

  /** Counts the state a round attempt entered (once), and folds in its detail when it ended. */
  roundSaved(record: RoundRecord, run: RunRecord): void {
    const key = `${record.runId}/${record.round}/${record.attempt}`;
    const states = this.seen.get(key) ?? new Set<string>();
    if (states.has(record.state)) return;
    states.add(record.state);
    this.series.rounds.inc({ state: record.state });
    if (record.state !== 'committed' && record.state !== 'failed') {
      this.seen.set(key, states);
      // Attempts that never end here (this coordinator stood down mid-round) must not pile up.
      if (this.seen.size > MAX_OPEN_ATTEMPTS) this.seen.delete(this.seen.keys().next().value!);
      return;
    }
    this.seen.delete(key);
    try {
      this.roundEnded(record, run);
    } catch (err) {
      // Metrics never fail a round save: a value prom-client refuses costs its sample, nothing more.
      this.logger.warn({ err: (err as Error).message, runId: record.runId, round: record.round }, 'round left out of the metrics');
    }
  }

  /** Times a phase of the run driver; call what it returns when the phase ends. */
  startPhase(phase: DriverPhase): () => void {
    const started = this.now();
    return () => this.series.phaseDuration.observe({ phase }, (this.now() - started) / 1000);
  }

  /** One store operation took `seconds`. */
  storeOperation(operation: string, seconds: number, ok: boolean): void {
    this.series.storeDuration.observe({ operation, outcome: ok ? 'ok' : 'error' }, seconds);
  }

  /** A call was answered with a status other than OK. */
  refused(method: string, code: string): void {
    this.series.rpcRefusals.inc({ method, code });
  }

  /** Folds a finished attempt's per-client detail into the series. */
  private roundEnded(record: RoundRecord, run: RunRecord): void {
    const s = this.series;
    if (record.endedAtMs !== undefined) s.roundDuration.observe({ state: record.state }, Math.max(0, record.endedAtMs - record.startedAtMs) / 1000);
    s.clientsSelected.inc(record.clients.length);
    const down = encodingLabel(run.config.downlink);
    for (const c of record.clients) {
      const up = encodingLabel(c.encoding);
      const dropped = classifyDrop(c);
      if (dropped) s.clientsDropped.inc({ reason: dropped });
      // Training time is the client's own word: only plausible values count.
      const [downloadMs, trainMs, uploadMs] = [c.downloadMs, c.durationMs, c.uploadMs].map(usable);
      if (downloadMs !== undefined) s.phaseDuration.observe({ phase: 'download' }, downloadMs / 1000);
      if (trainMs !== undefined) s.phaseDuration.observe({ phase: 'train' }, trainMs / 1000);
      if (uploadMs !== undefined) s.phaseDuration.observe({ phase: 'upload' }, uploadMs / 1000);
      if (c.bytesDown > 0) s.transferBytes.inc({ direction: 'down', encoding: down }, c.bytesDown);
      if (c.bytesUp > 0) s.transferBytes.inc({ direction: 'up', encoding: up }, c.bytesUp);
      if (c.bytesDown > 0 && downloadMs) s.transferThroughput.observe({ direction: 'down', encoding: down }, c.bytesDown / (downloadMs / 1000));
      if (c.bytesUp > 0 && uploadMs) s.transferThroughput.observe({ direction: 'up', encoding: up }, c.bytesUp / (uploadMs / 1000));
      if (c.resumes) s.transferResumes.inc(c.resumes);
    }
  }

  private async followLinks(feed: Subscription<LinkTrackerEvent>): Promise<void> {
    for await (const e of feed) {
      if (e.type !== 'updated') continue;
      // Estimates smooth what clients report: only plausible values count, so the loop never dies on one.
      const [rttMs, upMbps, downMbps] = [e.estimate.rttMs, e.estimate.upMbps, e.estimate.downMbps].map(usable);
      if (rttMs !== undefined) this.series.linkRtt.observe(rttMs / 1000);
      if (upMbps !== undefined) this.series.linkRate.observe({ direction: 'up' }, upMbps);
      if (downMbps !== undefined) this.series.linkRate.observe({ direction: 'down' }, downMbps);
    }
  }
}
