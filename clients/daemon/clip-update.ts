/**
 * Client-side clipping of an update to an L2 norm (`fedlink client --clip-norm`):
 * the first step of local differential privacy, and a bound on how far one
 * device can pull the global model whatever it trained on.
 */

/** What clipping did to one update. */
export interface ClipOutcome {
  /** L2 norm of the update before clipping. */
  norm: number;
  /** Factor the update was multiplied by: min(1, maxNorm / norm), a hair less when clipped. */
  scale: number;
  /** Whether the update was over the bound and scaled down. */
  clipped: boolean;
}

// Float32 rounding of each scaled value can add at most 2^-24 of it; aiming this much
// below the bound keeps the norm of the stored result at or under it, provably.
const ROUNDING_MARGIN = 1 - 2 ** -22;

/** L2 norm of `values`, accumulated in float64. */
export function l2Norm(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}

/**
 * Scales `delta` in place by min(1, maxNorm / ‖delta‖₂): the direction is kept,
 * the norm afterwards is at most `maxNorm`, and an update already within the
 * bound is left untouched (bit for bit).
 */
export function clipUpdate(delta: Float32Array, maxNorm: number): ClipOutcome {
  const norm = l2Norm(delta);
  if (!(norm > maxNorm)) return { norm, scale: 1, clipped: false };
  const scale = (maxNorm / norm) * ROUNDING_MARGIN;
  for (let i = 0; i < delta.length; i++) delta[i] *= scale;
  return { norm, scale, clipped: true };
}

/**
 * The raw-weights form of {@link clipUpdate}: rewrites `trained` in place as
 * global + scale·(trained − global). The norm of what the coordinator then
 * takes as the update is the bound up to float32 rounding of the sums.
 */
export function clipWeights(global: Float32Array, trained: Float32Array, maxNorm: number): ClipOutcome {
  let sum = 0;
  for (let i = 0; i < trained.length; i++) {
    const d = trained[i] - global[i];
    sum += d * d;
  }
  const norm = Math.sqrt(sum);
  if (!(norm > maxNorm)) return { norm, scale: 1, clipped: false };
  const scale = (maxNorm / norm) * ROUNDING_MARGIN;
  for (let i = 0; i < trained.length; i++) trained[i] = global[i] + (trained[i] - global[i]) * scale;
  return { norm, scale, clipped: true };
}
