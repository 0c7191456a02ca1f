/**
 * `utility` (Oort-style): rank explored clients by statistical utility (how
 * much their data still has to teach: examples × recent training loss) times
 * a system factor that penalises clients slower than the preferred round
 * duration; reserve a share of the round for unexplored clients; never let a
 * client wait more than FAIRNESS_ROUNDS; never pick one predicted to miss the
 * deadline.
 */
import { shuffleInPlace } from '../../../common/random';
import { partitionByDeadline } from './deadline';
import { byClientId, formatSeconds, predictedMs, rankable, selectionTarget, type Ranked } from './pick';
import type { ClientHistory, SelectionContext, SelectionPolicy, SelectionResult } from './types';

/** Share of the target reserved for never-selected clients, drawn at random. */
export const EXPLORATION_SHARE = 0.2;
/** A client that has waited more than this many rounds since its last selection is picked first. */
export const FAIRNESS_ROUNDS = 10;
/** Exponent of the penalty for clients slower than the preferred duration. */
export const UTILITY_ALPHA = 2;
/** Preferred round duration as a share of the round deadline. */
export const PREFERRED_DURATION_SHARE = 0.5;
/** Loss assumed for a client that was selected but never reported one. */
export const UTILITY_PRIOR_LOSS = 1;

/**
 * Rounds a client has waited since its last selection. Never-selected clients
 * count the trailing rounds recorded as candidate-but-not-picked (0 when the
 * coordinator records none); exploration is what serves them.
 */
export function roundsWaiting(history: ClientHistory, round: number): number {
  if (history.lastSelectedRound !== undefined) return Math.max(0, round - history.lastSelectedRound - 1);
  let n = 0;
  for (let i = history.rounds.length - 1; i >= 0 && !history.rounds[i].selected; i--) n++;
  return n;
}

/**
 * The duration beyond which the system factor penalises a client, ms: a pacer in
 * the spirit of Oort's preferred round duration, the prediction of the
 * ceil(target/2)-th fastest explored client (capped at half the deadline), so
 * the round runs at the pace of the faster half of what it needs. Before any
 * client is explored: half the deadline, or the median prediction without one.
 */
export function preferredDurationMs(fit: Ranked[], ctx: SelectionContext, target = 0): number {
  const d = ctx.roundDeadlineMs;
  const cap = Number.isFinite(d) && d > 0 ? d * PREFERRED_DURATION_SHARE : Infinity;
  const explored = fit.filter((r) => r.candidate.history.timesSelected > 0).map((r) => r.prediction.totalMs).sort((a, b) => a - b);
  if (target > 0 && explored.length > 0) return Math.min(cap, explored[Math.min(explored.length, Math.ceil(target / 2)) - 1]);
  if (cap < Infinity) return cap;
  const sorted = fit.map((r) => r.prediction.totalMs).sort((a, b) => a - b);
  if (!sorted.length) return Infinity;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** datasetSize × (last reported train loss, else UTILITY_PRIOR_LOSS) × (T / predicted)^alpha when slower than T. */
export function clientUtility(r: Ranked, preferredMs: number): number {
  const statistical = r.candidate.datasetSize * (lastLoss(r.candidate.history) ?? UTILITY_PRIOR_LOSS);
  const predicted = r.prediction.totalMs;
  const system = predicted > preferredMs ? Math.pow(preferredMs / predicted, UTILITY_ALPHA) : 1;
  return statistical * system;
}

/** Overdue first, then an exploration share at random, then the highest utility. */
export const utilityPolicy: SelectionPolicy = (candidates, ctx) => {
  const target = selectionTarget(ctx, candidates.length);
  const ranked = rankable(candidates, ctx).sort(byClientId);
  const { fit, missed } = partitionByDeadline(ranked, ctx);
  const preferredMs = preferredDurationMs(fit, ctx, target);
  const utility = new Map(fit.map((r) => [r, clientUtility(r, preferredMs)]));
  const waited = new Map(fit.map((r) => [r, roundsWaiting(r.candidate.history, ctx.round)]));

  const picked: Ranked[] = [];
  const take = (rs: Ranked[], n: number) => {
    for (const r of rs.slice(0, Math.max(0, n))) picked.push(r);
  };

  const overdue = fit.filter((r) => waited.get(r)! > FAIRNESS_ROUNDS).sort((a, b) => waited.get(b)! - waited.get(a)! || byClientId(a, b));
  take(overdue, target);

  const rest = fit.filter((r) => !picked.includes(r));
  const unexplored = shuffleInPlace(rest.filter((r) => r.candidate.history.timesSelected === 0), ctx.rng);
  take(unexplored, Math.min(Math.round(EXPLORATION_SHARE * target), target - picked.length));

  const explored = rest.filter((r) => r.candidate.history.timesSelected > 0).sort((a, b) => utility.get(b)! - utility.get(a)! || byClientId(a, b));
  take(explored, target - picked.length);
  // Too few explored clients to fill the round: more exploration, still at random.
  take(unexplored.filter((r) => !picked.includes(r)), target - picked.length);

  const skipped: SelectionResult['skipped'] = [...missed];
  for (const r of new Set([...overdue, ...explored, ...unexplored])) {
    if (picked.includes(r)) continue;
    skipped.push({ clientId: r.candidate.clientId, reason: skipReason(r, waited.get(r)!, utility.get(r)!), predictedMs: predictedMs(r) });
  }
  return { selected: picked.map((r) => ({ clientId: r.candidate.clientId, predictedMs: predictedMs(r) })), skipped };
};

function skipReason(r: Ranked, waited: number, utility: number): string {
  if (waited > FAIRNESS_ROUNDS) return `not picked: waited ${waited} rounds, but longer-waiting clients filled the round`;
  if (r.candidate.history.timesSelected === 0) return 'not picked: unexplored, not drawn for exploration';
  return `not picked: lower utility (${formatUtility(utility)}; predicted ${formatSeconds(r.prediction.totalMs)})`;
}

function lastLoss(history: ClientHistory): number | undefined {
  for (let i = history.rounds.length - 1; i >= 0; i--) {
    const r = history.rounds[i];
    if (r.reported && r.trainLoss !== undefined && Number.isFinite(r.trainLoss)) return r.trainLoss;
  }
  return undefined;
}

function formatUtility(u: number): string {
  return u >= 100 ? String(Math.round(u)) : String(Number(u.toPrecision(3)));
}
