/**
 * Krum and Multi-Krum (Blanchard et al. 2017, "Machine Learning with
 * Adversaries: Byzantine Tolerant Gradient Descent"). Each update is scored by
 * the sum of its squared distances to its K − f − 2 nearest other updates
 * (at least 1, as in Flower's aggregate_krum); Krum keeps the update with the
 * lowest score, Multi-Krum the m lowest, averaged by example count (Flower's
 * choice; the paper averages them unweighted). Ties go to the lower client id.
 *
 * Distances take one pass over the spooled updates (K² sums in double), the
 * average of the kept ones a second.
 */
import type { DenseUpdates } from '../dense-updates';

/** Nearest neighbours a score sums: K − f − 2, at least 1. */
export function krumNeighbours(updates: number, f: number): number {
  return Math.max(1, updates - f - 2);
}

/** Every update's Krum score, in `updates` order. */
export function krumScores(updates: DenseUpdates, f: number): number[] {
  const k = updates.updates.length;
  const d2 = new Float64Array(k * k);
  updates.forEachBlock((_start, rows) => {
    const n = rows[0].length;
    for (let a = 0; a < k; a++) {
      const ra = rows[a];
      for (let b = a + 1; b < k; b++) {
        const rb = rows[b];
        let s = 0;
        for (let j = 0; j < n; j++) {
          const d = ra[j] - rb[j];
          s += d * d;
        }
        d2[a * k + b] += s;
      }
    }
  });
  const near = krumNeighbours(k, f);
  return Array.from({ length: k }, (_, a) => {
    const others: number[] = [];
    for (let b = 0; b < k; b++) if (b !== a) others.push(a < b ? d2[a * k + b] : d2[b * k + a]);
    others.sort((x, y) => x - y);
    return others.slice(0, near).reduce((s, v) => s + v, 0);
  });
}

/** Indices (into `updates.updates`) of the m best-scored updates, best first. */
export function krumSelect(scores: readonly number[], m: number): number[] {
  return scores
    .map((s, i) => ({ s, i }))
    .sort((x, y) => x.s - y.s || x.i - y.i)
    .slice(0, Math.max(1, Math.min(m, scores.length)))
    .map((x) => x.i);
}

/** The example-weighted mean of the selected updates (the update itself for one). */
export function meanOf(updates: DenseUpdates, selected: readonly number[]): Float32Array {
  const out = new Float32Array(updates.size);
  const order = [...selected].sort((a, b) => a - b);
  const total = order.reduce((s, i) => s + updates.updates[i].numExamples, 0);
  const acc = new Float64Array(out.length);
  updates.forEachBlock((start, rows) => {
    const n = rows[0].length;
    for (const i of order) {
      const w = updates.updates[i].numExamples / total;
      const row = rows[i];
      for (let j = 0; j < n; j++) acc[start + j] += w * row[j];
    }
  });
  out.set(acc);
  return out;
}
