/**
 * `deadline` (FedCS-style): predict each candidate's download + compute +
 * upload time, drop those that would miss the round deadline, and pick the
 * fastest of the rest.
 */
import { byClientId, formatSeconds, predictedMs, rankable, selectionTarget, takeFirst, type Ranked } from './pick';
import type { SelectionContext, SelectionPolicy, SelectionResult } from './types';

/** Share of the round deadline a prediction may use; the rest absorbs prediction error. */
export const DEADLINE_SAFETY_MARGIN = 0.9;

/** The longest prediction that still counts as making the round, ms; Infinity when the round has no deadline. */
export function deadlineBudgetMs(ctx: Pick<SelectionContext, 'roundDeadlineMs'>): number {
  const d = ctx.roundDeadlineMs;
  return Number.isFinite(d) && d > 0 ? d * DEADLINE_SAFETY_MARGIN : Infinity;
}

/** Why a candidate is predicted to miss the deadline, or undefined when it is predicted to make it. */
export function deadlineMiss(r: Ranked, ctx: Pick<SelectionContext, 'roundDeadlineMs'>): string | undefined {
  const budget = deadlineBudgetMs(ctx);
  const total = r.prediction.totalMs;
  if (total <= budget) return undefined;
  const deadline = formatSeconds(ctx.roundDeadlineMs);
  return total > ctx.roundDeadlineMs
    ? `predicted ${formatSeconds(total)} exceeds the ${deadline} deadline`
    : `predicted ${formatSeconds(total)} exceeds the ${formatSeconds(budget)} budget (${DEADLINE_SAFETY_MARGIN} × the ${deadline} deadline)`;
}

/** Splits candidates into those predicted to make the deadline and skip entries for the rest. */
export function partitionByDeadline(ranked: Ranked[], ctx: SelectionContext): { fit: Ranked[]; missed: SelectionResult['skipped'] } {
  const fit: Ranked[] = [];
  const missed: SelectionResult['skipped'] = [];
  for (const r of ranked) {
    const reason = deadlineMiss(r, ctx);
    if (reason === undefined) fit.push(r);
    else missed.push({ clientId: r.candidate.clientId, reason, predictedMs: predictedMs(r) });
  }
  return { fit, missed };
}

/** Excludes candidates predicted to miss the deadline, then picks the fastest of the rest up to the target. */
export const deadlinePolicy: SelectionPolicy = (candidates, ctx) => {
  const target = selectionTarget(ctx, candidates.length);
  const ranked = rankable(candidates, ctx).sort((a, b) => a.prediction.totalMs - b.prediction.totalMs || byClientId(a, b));
  const { fit, missed } = partitionByDeadline(ranked, ctx);
  const result = takeFirst(fit, target, (r) => `not picked: predicted ${formatSeconds(r.prediction.totalMs)} fits, but enough faster clients do too`);
  return { selected: result.selected, skipped: [...missed, ...result.skipped] };
};
