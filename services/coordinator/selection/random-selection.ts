/** Kept for existing importers; the random policy lives in `random.ts`. */
export { selectRandom } from './random';
