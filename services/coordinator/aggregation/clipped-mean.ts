/**
 * The mean of the round's updates read whole (dense-updates.ts), for when they
 * must be clipped first: a norm bound on any strategy, and DP-FedAvg (McMahan
 * et al. 2018, "Learning Differentially Private Recurrent Language Models"),
 * which also weights every client alike, divides by a fixed denominator (the
 * expected cohort, so one client's presence cannot be read off the scale) and
 * adds Gaussian noise to the sum before dividing.
 *
 *   result_j = g_j + (Σ_k w_k·(x_kj − g_j) + noise_j) / D
 *
 * with x the clipped updates in client-id order, summed in double.
 */
import type { DenseUpdates } from './dense-updates';

/** Options of {@link clippedMean}. */
export interface ClippedMeanOptions {
  /** Weight every update 1 (DP) instead of by its example count. */
  uniform?: boolean;
  /** D: with uniform weights, the fixed denominator. @default the sum of the weights */
  denominator?: number;
  /** Gaussian noise added to each coordinate of the sum: fills `out` with N(0, stddev²) samples. */
  noise?: { fill(out: Float64Array, stddev: number): void; stddev: number };
}

/** The (possibly noised) mean of the updates around their global model; see the file comment. */
export function clippedMean(updates: DenseUpdates, options: ClippedMeanOptions = {}): Float32Array {
  const g = updates.global;
  const weights = updates.updates.map((u) => (options.uniform ? 1 : u.numExamples));
  const denominator = options.denominator ?? weights.reduce((s, w) => s + w, 0);
  const out = new Float32Array(updates.size);
  let sum = new Float64Array(0);
  updates.forEachBlock((start, rows) => {
    const n = rows[0].length;
    if (sum.length < n) sum = new Float64Array(n);
    const block = sum.subarray(0, n);
    if (options.noise) options.noise.fill(block, options.noise.stddev);
    else block.fill(0);
    for (let k = 0; k < rows.length; k++) {
      const w = weights[k];
      const row = rows[k];
      for (let j = 0; j < n; j++) block[j] += w * (row[j] - g[start + j]);
    }
    for (let j = 0; j < n; j++) out[start + j] = g[start + j] + block[j] / denominator;
  });
  return out;
}
