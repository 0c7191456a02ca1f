/** Uniform random client selection, seeded so a run's choices are reproducible. */
import type { ClientId } from '../../../common/types';
import { shuffleInPlace, type Rng } from '../../../common/random';

/** Picks up to `count` of `candidates` uniformly at random. */
export function selectRandom(candidates: ClientId[], count: number, rng: Rng): ClientId[] {
  // Sort first: the order clients connected in must not change a seeded choice.
  const pool = [...candidates].sort();
  return shuffleInPlace(pool, rng).slice(0, Math.max(0, count));
}
