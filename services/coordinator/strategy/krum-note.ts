/** What Krum and Multi-Krum report: the kept updates' mean, and who was left out. */
import type { DenseUpdates } from '../aggregation/dense-updates';
import { meanOf } from '../aggregation/robust/krum';
import type { AggregateResult } from './types';

/** Names listed in a note before "and N more". */
const LISTED = 8;

/** The aggregate of the `kept` updates, with metrics and a note naming the discarded clients. */
export function krumNote(updates: DenseUpdates, scores: readonly number[], kept: readonly number[], rule: string): AggregateResult {
  const keptSet = new Set(kept);
  const dropped = updates.updates.filter((_, i) => !keptSet.has(i)).map((u) => u.clientId);
  const list = (ids: string[]) => (ids.length > LISTED ? `${ids.slice(0, LISTED).join(', ')} and ${ids.length - LISTED} more` : ids.join(', '));
  const best = updates.updates[kept[0]].clientId;
  return {
    values: meanOf(updates, kept),
    metrics: { krum_kept: kept.length, krum_best_score: scores[kept[0]] },
    note: `${rule} kept ${kept.length} of ${updates.updates.length} update(s) (best: ${best})${dropped.length ? `; left out ${list(dropped)}` : ''}`,
  };
}
