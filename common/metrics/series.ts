/**
 * Prometheus series declared as data: each side (coordinator, daemon) lists its
 * series once in a table, and the metrics objects, docs/metrics.md and the
 * Grafana dashboard's test all derive from that table.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Prefix of every fedlink series (the process metrics of collectDefaultMetrics included). */
export const SERIES_PREFIX = 'fedlink_';

/** One series: its full name, kind, help text and label names (each label's values are bounded). */
export interface SeriesDef {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels: readonly string[];
  /** Histogram buckets (upper bounds, in the series' unit). */
  buckets?: readonly number[];
}

/** The prom-client object a definition becomes. */
export type SeriesOf<D extends SeriesDef> = D['type'] extends 'counter'
  ? Counter<D['labels'][number]>
  : D['type'] extends 'gauge'
    ? Gauge<D['labels'][number]>
    : Histogram<D['labels'][number]>;

/** A table of series, by the short name code refers to them with. */
export type SeriesTable = Readonly<Record<string, SeriesDef>>;

/** Seconds buckets for durations from 10 ms to 30 min. */
export const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

/**
 * Registers every series of `table` in a fresh registry, with the process metrics.
 * `collect` names, per series, what to read just before that series is scraped (gauges of current state).
 */
export function createSeries<T extends SeriesTable>(
  table: T,
  collect: { [K in keyof T]?: () => void } = {},
): { registry: Registry; series: { [K in keyof T]: SeriesOf<T[K]> } } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: SERIES_PREFIX });
  const series = Object.fromEntries(
    Object.entries(table).map(([key, d]) => {
      const hook = collect[key];
      const common = { name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry], ...(hook && { collect: () => hook() }) };
      if (d.type === 'counter') return [key, new Counter(common)];
      if (d.type === 'gauge') return [key, new Gauge(common)];
      return [key, new Histogram({ ...common, buckets: [...(d.buckets ?? DURATION_BUCKETS)] })];
    }),
  ) as { [K in keyof T]: SeriesOf<T[K]> };
  return { registry, series };
}

/**
 * The names a registry exposes for PromQL: every series, and a histogram's
 * `_bucket`, `_sum` and `_count` (what a dashboard query may name).
 */
export async function exposedNames(registry: Registry): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    // prom-client's types say a numeric enum; at run time it is the Prometheus type name.
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}
