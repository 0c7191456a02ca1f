/**
 * Coordinate-wise trimmed mean (Yin et al. 2018): per parameter, drop the
 * ⌊β·K⌋ smallest and largest of the K updates' values and average the rest,
 * unweighted, as Flower's FedTrimmedAvg (scipy's trim_mean cut).
 */
import { InvalidArgumentError } from '../../../../common/errors';
import type { DenseUpdates } from '../dense-updates';
import { mapSortedColumns } from './sorted-columns';

/** Values cut from each end of every parameter's K values. */
export function trimmedCount(updates: number, beta: number): number {
  return Math.floor(beta * updates);
}

/** The coordinate-wise β-trimmed mean of the updates (β in [0, 0.5)). */
export function trimmedMean(updates: DenseUpdates, beta: number): Float32Array {
  const k = updates.updates.length;
  const cut = trimmedCount(k, beta);
  if (!(beta >= 0 && beta < 0.5) || k - 2 * cut < 1) throw new InvalidArgumentError(`trimmed mean with β = ${beta} leaves nothing of ${k} update(s)`);
  const kept = k - 2 * cut;
  return mapSortedColumns(updates, (c) => {
    let sum = 0;
    for (let i = cut; i < k - cut; i++) sum += c[i];
    return sum / kept;
  });
}
