/**
 * The coordinate-wise rules (median, trimmed mean) look at one parameter of
 * every update at a time: this hands them each parameter's values sorted.
 */
import type { DenseUpdates } from '../dense-updates';

/** Calls `each(index, column)` for every parameter with its values across updates, ascending; writes what it returns into the result. */
export function mapSortedColumns(updates: DenseUpdates, each: (column: Float64Array) => number): Float32Array {
  const out = new Float32Array(updates.size);
  const column = new Float64Array(updates.updates.length);
  updates.forEachBlock((start, rows) => {
    const n = rows[0].length;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < rows.length; k++) column[k] = rows[k][j];
      column.sort();
      out[start + j] = each(column);
    }
  });
  return out;
}
