/** `fcfs`: first come, first served — the clients that have been idle longest go first. */
import { byClientId, formatSeconds, rankable, selectionTarget, takeFirst } from './pick';
import type { SelectionPolicy } from './types';

/** Picks the candidates with the earliest idleSinceMs; ties by client id. */
export const fcfsPolicy: SelectionPolicy = (candidates, ctx) => {
  const target = selectionTarget(ctx, candidates.length);
  const ordered = rankable(candidates, ctx).sort((a, b) => a.candidate.idleSinceMs - b.candidate.idleSinceMs || byClientId(a, b));
  return takeFirst(ordered, target, (r) =>
    `not picked: idle for ${formatSeconds(ctx.nowMs - r.candidate.idleSinceMs)}, the picked clients were idle longer`,
  );
};
