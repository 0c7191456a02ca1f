/**
 * Completion-time predictor: download + local compute + upload, from the
 * client's link estimate and its own history in this run, falling back to
 * deliberately conservative priors for whatever is unknown.
 */
import type { Candidate, ClientHistory, ClientRoundHistory, Prediction, SelectionContext } from './types';

/** Downlink assumed when neither link data nor history says otherwise, Mbit/s. */
export const PRIOR_DOWN_MBPS = 1;
/** Uplink assumed when neither link data nor history says otherwise, Mbit/s. */
export const PRIOR_UP_MBPS = 1;
/** Round-trip time assumed when unknown, ms. */
export const PRIOR_RTT_MS = 100;
/** Training throughput assumed before a client has reported, examples (× epochs) per second. */
export const PRIOR_EXAMPLES_PER_SEC = 2000;
/** Weight of the newest sample in the history EWMAs. */
export const HISTORY_ALPHA = 0.5;
/** Weight of measured transfer times when blended with the link-based estimate. */
export const HISTORY_WEIGHT = 0.5;
/** Loss is clamped here so a bad estimate cannot divide by zero. */
export const MAX_LOSS = 0.9;

/** Predicts how long a candidate would take from dispatch to update in, ms. */
export function predictCompletion(c: Candidate, ctx: SelectionContext): Prediction {
  const link = c.link;
  const loss = Math.min(MAX_LOSS, Math.max(0, finite(link?.loss) ?? 0));
  const rttMs = positive(link?.rttMs) ?? PRIOR_RTT_MS;
  const rounds = c.history.rounds;

  const down = transfer(ctx.modelBytes, positive(link?.downMbps), rttMs, loss, ewma(rounds, (r) => positive(r.downloadMs)), PRIOR_DOWN_MBPS);
  const up = transfer(ctx.updateBytes, positive(link?.upMbps), rttMs, loss, ewma(rounds, (r) => positive(r.uploadMs)), PRIOR_UP_MBPS);

  const perSec = throughputPerSec(c.history, ctx.localEpochs);
  const examples = c.datasetSize > 0 ? c.datasetSize : (lastReported(rounds)?.examples ?? 0);
  const computeMs = ((examples * ctx.localEpochs) / (perSec ?? PRIOR_EXAMPLES_PER_SEC)) * 1000;

  const usedLink = down.usedLink || up.usedLink;
  const usedHistory = down.usedHistory || up.usedHistory || perSec !== undefined;
  const basis = usedLink ? (usedHistory ? 'link+history' : 'link') : usedHistory ? 'history' : 'prior';
  const totalMs = down.ms + computeMs + up.ms;
  // A client cut off at the deadline last time it was asked took at least that long, whatever its
  // link figures say (an upload that never finished leaves no throughput sample behind).
  const miss = lastMiss(rounds);
  if (miss !== undefined && miss * MISSED_DEADLINE_FACTOR > totalMs) {
    return { downloadMs: down.ms, computeMs, uploadMs: miss * MISSED_DEADLINE_FACTOR - down.ms - computeMs, totalMs: miss * MISSED_DEADLINE_FACTOR, basis: usedLink ? 'link+history' : 'history' };
  }
  return { downloadMs: down.ms, computeMs, uploadMs: up.ms, totalMs, basis };
}

/** How much longer than its missed deadline a client is assumed to need. */
export const MISSED_DEADLINE_FACTOR = 1.25;

/** Working time of the most recent selected round, if that round ended in a missed deadline. */
function lastMiss(rounds: ClientRoundHistory[]): number | undefined {
  for (let i = rounds.length - 1; i >= 0; i--) {
    const r = rounds[i];
    if (!r.selected) continue;
    return r.reported ? undefined : positive(r.missedDeadlineMs);
  }
  return undefined;
}

/**
 * The client's training throughput in examples × epochs per second: an EWMA
 * over its reported rounds, or undefined before the first. History is per
 * run, so the run's epochs apply to every past round.
 */
export function throughputPerSec(history: ClientHistory, localEpochs: number): number | undefined {
  return ewma(history.rounds, (r) => {
    const examples = positive(r.examples);
    const ms = positive(r.computeMs);
    return r.reported && examples !== undefined && ms !== undefined ? (examples * localEpochs * 1000) / ms : undefined;
  });
}

/** Mean |actual − predicted| over past rounds that have both, ms; undefined when none do. */
export function predictionError(history: ClientHistory): number | undefined {
  const errors = history.rounds.flatMap((r) =>
    finite(r.actualMs) !== undefined && finite(r.predictedMs) !== undefined ? [Math.abs(r.actualMs! - r.predictedMs!)] : [],
  );
  return errors.length ? errors.reduce((s, e) => s + e, 0) / errors.length : undefined;
}

function transfer(
  bytes: number,
  linkMbps: number | undefined,
  rttMs: number,
  loss: number,
  measuredMs: number | undefined,
  priorMbps: number,
): { ms: number; usedLink: boolean; usedHistory: boolean } {
  if (linkMbps !== undefined) {
    const fromLink = wireMs(bytes, linkMbps, rttMs, loss);
    if (measuredMs === undefined) return { ms: fromLink, usedLink: true, usedHistory: false };
    return { ms: HISTORY_WEIGHT * measuredMs + (1 - HISTORY_WEIGHT) * fromLink, usedLink: true, usedHistory: true };
  }
  if (measuredMs !== undefined) return { ms: measuredMs, usedLink: false, usedHistory: true };
  return { ms: wireMs(bytes, priorMbps, rttMs, loss), usedLink: false, usedHistory: false };
}

// Serialisation time plus one round trip, stretched by retransmissions.
function wireMs(bytes: number, mbps: number, rttMs: number, loss: number): number {
  return ((bytes * 8) / (mbps * 1e6) * 1000 + rttMs) / (1 - loss);
}

function ewma(rounds: ClientRoundHistory[], sample: (r: ClientRoundHistory) => number | undefined): number | undefined {
  let value: number | undefined;
  for (const r of rounds) {
    const x = sample(r);
    if (x === undefined) continue;
    value = value === undefined ? x : HISTORY_ALPHA * x + (1 - HISTORY_ALPHA) * value;
  }
  return value;
}

function lastReported(rounds: ClientRoundHistory[]): ClientRoundHistory | undefined {
  for (let i = rounds.length - 1; i >= 0; i--) if (rounds[i].reported) return rounds[i];
  return undefined;
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

function positive(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : undefined;
}
