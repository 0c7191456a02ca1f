/** `multi-krum:<f>:<m>`: the example-weighted mean of the m updates with the best Krum scores. */
import { krumScores, krumSelect } from '../aggregation/robust/krum';
import { krumNote } from './krum-note';
import { adoptAggregate } from './server-opt';
import type { Strategy } from './types';

/** Multi-Krum. */
export const multiKrumStrategy: Strategy<{ byzantine: number; krumSelect: number }> = {
  name: 'multi-krum',
  help: 'Multi-Krum: average the m best Krum-scored updates (multi-krum:<f>:<m>, --byzantine, --krum-select; needs 2f + 3 updates; spools updates to disk)',
  source: 'Blanchard et al. 2017 (Multi-Krum, section 4); selection by score and weighted average as Flower\'s aggregate_krum',
  defaults: { byzantine: 1, krumSelect: 5 },
  positional: ['byzantine', 'krumSelect'],
  minUpdates: ({ byzantine }) => 2 * byzantine + 3,
  aggregate(updates, { byzantine, krumSelect: m }) {
    const scores = krumScores(updates, byzantine);
    // At most K − f: the f worst are assumed Byzantine whatever m asks.
    const kept = krumSelect(scores, Math.min(m, updates.updates.length - byzantine));
    return krumNote(updates, scores, kept, 'multi-krum');
  },
  commit: adoptAggregate,
};
