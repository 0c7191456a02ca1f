/**
 * Coordinate-wise median (Yin et al. 2018, "Byzantine-Robust Distributed
 * Learning: Towards Optimal Statistical Rates"): every parameter is the median
 * of the updates' values, unweighted, as Flower's FedMedian (numpy's median:
 * the mean of the two middle values for an even count).
 */
import type { DenseUpdates } from '../dense-updates';
import { mapSortedColumns } from './sorted-columns';

/** The coordinate-wise median of the updates. */
export function coordinateMedian(updates: DenseUpdates): Float32Array {
  const k = updates.updates.length;
  const mid = k >> 1;
  return mapSortedColumns(updates, (c) => (k % 2 === 1 ? c[mid] : (c[mid - 1] + c[mid]) / 2));
}
