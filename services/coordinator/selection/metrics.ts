/** Classic scheduling metrics of one round, from its per-client timestamps. */
import type { SchedulingMetrics } from '../../../common/types';

/** One selected client's timeline in a round. */
export interface ScheduledClient {
  selectedAtMs: number;
  dispatchedAtMs?: number;
  acceptedAtMs?: number;
  reported: boolean;
  predictedMs?: number;
  actualMs?: number;
}

/** The metric figures; the round adds the policy name. */
export type SchedulingFigures = Omit<SchedulingMetrics, 'policy'>;

/**
 * Waiting = selected → dispatched, response = dispatched → accepted (clients
 * lacking the timestamps are left out of each), drop rate = selected that did
 * not report / selected, prediction error = mean |actual − predicted|. p95 by
 * nearest rank; 0 wherever there is nothing to average.
 */
export function schedulingMetrics(clients: ScheduledClient[]): SchedulingFigures {
  const waits = clients.flatMap((c) => (c.dispatchedAtMs !== undefined ? [c.dispatchedAtMs - c.selectedAtMs] : []));
  const responses = clients.flatMap((c) =>
    c.dispatchedAtMs !== undefined && c.acceptedAtMs !== undefined ? [c.acceptedAtMs - c.dispatchedAtMs] : [],
  );
  const errors = clients.flatMap((c) => (c.predictedMs !== undefined && c.actualMs !== undefined ? [Math.abs(c.actualMs - c.predictedMs)] : []));
  return {
    meanWaitMs: mean(waits),
    p95WaitMs: nearestRank(waits, 0.95),
    meanResponseMs: mean(responses),
    p95ResponseMs: nearestRank(responses, 0.95),
    dropRate: clients.length ? clients.filter((c) => !c.reported).length / clients.length : 0,
    meanAbsPredictionErrorMs: mean(errors),
  };
}

/** Arithmetic mean; 0 for none. */
export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0;
}

/** The p-quantile by nearest rank: the ceil(p·n)-th smallest value; 0 for none. */
export function nearestRank(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length - 1e-9))) - 1];
}
