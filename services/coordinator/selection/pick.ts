/**
 * Building blocks every policy shares: how many to pick, predictions for all
 * candidates, and turning a ranking into a SelectionResult with reasons.
 */
import { InvalidArgumentError } from '../../../common/errors';
import { predictCompletion } from './predictor';
import type { Candidate, Prediction, SelectionContext, SelectionResult } from './types';

/** A candidate with its predicted completion time. */
export interface Ranked {
  candidate: Candidate;
  prediction: Prediction;
}

/** How many clients a policy picks: ceil(count × overSelection), at most the number of candidates. */
export function selectionTarget(ctx: Pick<SelectionContext, 'count' | 'overSelection'>, available: number): number {
  if (!Number.isInteger(ctx.count) || ctx.count < 0) throw new InvalidArgumentError(`clients per round must be a non-negative integer, got ${ctx.count}`);
  if (!Number.isFinite(ctx.overSelection) || ctx.overSelection < 1) throw new InvalidArgumentError(`over-selection must be a finite number >= 1, got ${ctx.overSelection}`);
  // The epsilon keeps float noise (10 × 1.3 = 13.000000000000002) from adding a client.
  return Math.min(available, Math.ceil(ctx.count * ctx.overSelection - 1e-9));
}

/** Predicts every candidate once, in input order. */
export function rankable(candidates: Candidate[], ctx: SelectionContext): Ranked[] {
  return candidates.map((candidate) => ({ candidate, prediction: predictCompletion(candidate, ctx) }));
}

/** Orders by client id, the last tie-breaker of every policy. */
export function byClientId(a: Ranked, b: Ranked): number {
  return a.candidate.clientId < b.candidate.clientId ? -1 : a.candidate.clientId > b.candidate.clientId ? 1 : 0;
}

/** Predicted ms as recorded on a round: whole milliseconds. */
export function predictedMs(r: Ranked): number {
  return Math.round(r.prediction.totalMs);
}

/** Takes the first `target` of `ordered`; everyone after is skipped with `reason(r)`. */
export function takeFirst(ordered: Ranked[], target: number, reason: (r: Ranked) => string): SelectionResult {
  return {
    selected: ordered.slice(0, target).map((r) => ({ clientId: r.candidate.clientId, predictedMs: predictedMs(r) })),
    skipped: ordered.slice(target).map((r) => ({ clientId: r.candidate.clientId, reason: reason(r), predictedMs: predictedMs(r) })),
  };
}

/** "48.2 s", "30 s": one decimal, none when it is zero. */
export function formatSeconds(ms: number): string {
  if (!Number.isFinite(ms)) return `${ms} s`;
  const tenths = Math.round(ms / 100);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)} s`;
}
