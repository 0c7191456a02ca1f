/**
 * Per-round metrics of a run as a table for notebooks and experiment trackers
 * (`fedlink runs metrics`): one row per round attempt, the columns declared
 * once below, written as CSV (header row, empty cell for "not known") or as
 * JSON lines (null for "not known").
 */
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import { isoTime } from './json-view';

/** A cell: a number, a string, or null when the round did not have it. */
export type MetricValue = number | string | null;

/** One column: its name (CSV header, JSON key) and how a round gives it. */
interface MetricColumn {
  name: string;
  value: (round: Round__Output) => MetricValue;
}

const DROPPED = new Set(['dropped', 'rejected']);
const finished = (r: Round__Output) => r.clients.filter((c) => c.state === 'finished');
const committed = (r: Round__Output) => r.state === 'committed' && Number(r.endedAtMs) > 0;
const ms = (v: number | string) => (Number(v) > 0 ? Number(v) : null);

/** Mean train accuracy of the clients that reported, weighted by their examples (as the mean loss is). */
function meanTrainAccuracy(r: Round__Output): number | null {
  const done = finished(r);
  const examples = done.reduce((n, c) => n + Number(c.numExamples), 0);
  if (!examples) return null;
  return done.reduce((sum, c) => sum + c.trainAccuracy * Number(c.numExamples), 0) / examples;
}

/** The columns, in output order. */
export const METRIC_COLUMNS: readonly MetricColumn[] = [
  { name: 'round', value: (r) => r.round },
  { name: 'attempt', value: (r) => r.attempt },
  { name: 'state', value: (r) => r.state },
  { name: 'startedAt', value: (r) => isoTime(r.startedAtMs) },
  { name: 'committedAt', value: (r) => (committed(r) ? isoTime(r.endedAtMs) : null) },
  { name: 'committedAtMs', value: (r) => (committed(r) ? ms(r.endedAtMs) : null) },
  { name: 'durationMs', value: (r) => (ms(r.startedAtMs) && ms(r.endedAtMs) ? Number(r.endedAtMs) - Number(r.startedAtMs) : null) },
  { name: 'trainLoss', value: (r) => (r.reported > 0 ? r.meanTrainLoss : null) },
  { name: 'trainAccuracy', value: meanTrainAccuracy },
  { name: 'testLoss', value: (r) => r.eval?.loss ?? null },
  // A regression's evaluation has errors instead of an accuracy.
  { name: 'testAccuracy', value: (r) => (r.eval && (r.eval.mae === undefined || r.eval.mae === null) ? r.eval.accuracy : null) },
  { name: 'testMae', value: (r) => r.eval?.mae ?? null },
  { name: 'testMse', value: (r) => r.eval?.mse ?? null },
  { name: 'testExamples', value: (r) => (r.eval ? Number(r.eval.numExamples) : null) },
  { name: 'clientsSelected', value: (r) => r.clients.length },
  { name: 'clientsReported', value: (r) => r.reported },
  { name: 'clientsDropped', value: (r) => r.clients.filter((c) => DROPPED.has(c.state)).length },
  { name: 'bytesDown', value: (r) => Number(r.bytesDown) },
  { name: 'bytesUp', value: (r) => Number(r.bytesUp) },
];

/** The formats `runs metrics --format` takes. */
export const METRIC_FORMATS = ['csv', 'jsonl'] as const;

/** One of METRIC_FORMATS. */
export type MetricFormat = (typeof METRIC_FORMATS)[number];

/** A round as one row; the strategy's own metrics (update_norm, ...) follow as `strategy.<name>`. */
export function metricRow(round: Round__Output, strategyKeys: readonly string[]): Record<string, MetricValue> {
  const row: Record<string, MetricValue> = {};
  for (const c of METRIC_COLUMNS) row[c.name] = c.value(round);
  for (const k of strategyKeys) row[`strategy.${k}`] = round.strategyMetrics?.[k] ?? null;
  return row;
}

function csvCell(v: MetricValue): string {
  if (v === null) return '';
  const text = String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The rounds in `format`, in round then attempt order; CSV has a header row even with no rounds. */
export function formatRoundMetrics(rounds: Round__Output[], format: MetricFormat): string {
  const sorted = [...rounds].sort((a, b) => a.round - b.round || a.attempt - b.attempt);
  const strategyKeys = [...new Set(sorted.flatMap((r) => Object.keys(r.strategyMetrics ?? {})))].sort();
  const rows = sorted.map((r) => metricRow(r, strategyKeys));
  if (format === 'jsonl') return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
  const header = [...METRIC_COLUMNS.map((c) => c.name), ...strategyKeys.map((k) => `strategy.${k}`)];
  return [header.join(','), ...rows.map((row) => header.map((h) => csvCell(row[h])).join(','))].map((line) => `${line}\n`).join('');
}
