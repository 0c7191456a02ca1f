/** `random`: uniform selection, seeded so a run's choices are reproducible. */
import { shuffleInPlace, type Rng } from '../../../common/random';
import type { ClientId } from '../../../common/types';
import { byClientId, rankable, selectionTarget, takeFirst } from './pick';
import type { SelectionPolicy } from './types';

/** Picks up to `count` of `candidates` uniformly at random. */
export function selectRandom(candidates: ClientId[], count: number, rng: Rng): ClientId[] {
  // Sort first: the order clients connected in must not change a seeded choice.
  const pool = [...candidates].sort();
  return shuffleInPlace(pool, rng).slice(0, Math.max(0, count));
}

/** Picks ceil(count × overSelection) candidates uniformly at random; ignores links and history. */
export const randomPolicy: SelectionPolicy = (candidates, ctx) => {
  const target = selectionTarget(ctx, candidates.length);
  const ranked = rankable(candidates, ctx).sort(byClientId);
  return takeFirst(shuffleInPlace(ranked, ctx.rng), target, () => 'not picked: random draw');
};
