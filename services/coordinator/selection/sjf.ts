/** `sjf`: shortest job first — the clients predicted to finish soonest go first. */
import { byClientId, formatSeconds, rankable, selectionTarget, takeFirst } from './pick';
import type { SelectionPolicy } from './types';

/** Picks the candidates with the shortest predicted completion; ties by client id. */
export const sjfPolicy: SelectionPolicy = (candidates, ctx) => {
  const target = selectionTarget(ctx, candidates.length);
  const ordered = rankable(candidates, ctx).sort((a, b) => a.prediction.totalMs - b.prediction.totalMs || byClientId(a, b));
  return takeFirst(ordered, target, (r) => `not picked: predicted ${formatSeconds(r.prediction.totalMs)}, slower than the picked clients`);
};
