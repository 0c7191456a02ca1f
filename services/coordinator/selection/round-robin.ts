/** `round-robin`: fairness — the least recently selected clients go first. */
import { byClientId, rankable, selectionTarget, takeFirst, type Ranked } from './pick';
import type { SelectionPolicy } from './types';

/**
 * Picks never-selected candidates first, then by oldest lastSelectedRound;
 * ties by fewer times selected, then client id.
 */
export const roundRobinPolicy: SelectionPolicy = (candidates, ctx) => {
  const target = selectionTarget(ctx, candidates.length);
  const last = (r: Ranked) => r.candidate.history.lastSelectedRound ?? -Infinity;
  const ordered = rankable(candidates, ctx).sort(
    (a, b) => compare(last(a), last(b)) || a.candidate.history.timesSelected - b.candidate.history.timesSelected || byClientId(a, b),
  );
  return takeFirst(ordered, target, (r) => {
    const round = r.candidate.history.lastSelectedRound;
    return round === undefined ? 'not picked: never selected, like the picked clients (ties go by client id)' : `not picked: selected more recently (round ${round})`;
  });
};

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
