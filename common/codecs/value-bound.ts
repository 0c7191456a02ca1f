/**
 * The per-element bound every update value must respect before it may be
 * folded into a round's sum (see docs/aggregation.md). With the fold weights
 * summing to 1, a sum of values bounded by B stays within about B, so a bound
 * well below float32's maximum (3.4e38) means no accepted update can
 * overflow the aggregate, whatever the others sent.
 */
import { InvalidArgumentError } from '../errors';

/** Default bound on |value| of an update element: far above any trained weight, far below float32's overflow. */
export const DEFAULT_VALUE_BOUND = 1e30;

/** Checks a bound is usable: positive, finite, and at most float32's maximum. */
export function checkValueBound(bound: number): number {
  if (!(bound > 0) || !(bound <= 3.4028234663852886e38)) throw new InvalidArgumentError(`value bound must be a positive finite float32, got ${bound}`);
  return bound;
}

/** Index of the first value in [from, from + n) that is NaN, ±Inf or outside [−bound, bound]; −1 if none. */
export function firstOutOfBound(values: Float32Array, from: number, n: number, bound: number): number {
  // One branch-free pass (Math.max propagates NaN), then a search only if it failed.
  let max = 0;
  for (let i = from; i < from + n; i++) max = Math.max(max, Math.abs(values[i]));
  if (max <= bound) return -1;
  for (let i = from; i < from + n; i++) if (!(Math.abs(values[i]) <= bound)) return i;
  return -1;
}

/** The refusal for a value outside the bound, naming it. */
export function outOfBoundError(value: number, where: string, bound: number): InvalidArgumentError {
  return Number.isFinite(value)
    ? new InvalidArgumentError(`value ${value} at ${where} is outside the update value bound of ±${bound}`)
    : new InvalidArgumentError(`non-finite value ${value} at ${where}`);
}
