/**
 * A reproducible normal source for tests: the production polar transform fed
 * with bits from the seeded mulberry32 generator instead of node:crypto, so a
 * test gets the same samples on every run and exercises the real transform.
 */
import { createRng } from '../../common/random';
import { polarNormalSource, type NormalSource } from '../../services/coordinator/privacy/gaussian-noise';

/** A deterministic `NormalSource`: the same seed gives the same samples. Not for production (predictable). */
export function seededNormalSource(seed: number): NormalSource {
  const rng = createRng(seed);
  return polarNormalSource((words) => {
    // mulberry32 returns k / 2^32 for a 32-bit k, so this recovers k exactly.
    for (let i = 0; i < words.length; i++) words[i] = rng() * 4_294_967_296;
  });
}
