/** `krum:<f>`: the one update closest to its K − f − 2 nearest neighbours (aggregation/robust/krum.ts). */
import { krumScores, krumSelect } from '../aggregation/robust/krum';
import { krumNote } from './krum-note';
import { adoptAggregate } from './server-opt';
import type { Strategy } from './types';

/** Krum: keeps one update whole. */
export const krumStrategy: Strategy<{ byzantine: number }> = {
  name: 'krum',
  help: 'Krum: keep the single update nearest its K − f − 2 neighbours (krum:<f>, --byzantine; needs 2f + 3 updates; spools updates to disk)',
  source: 'Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent"; scores as Flower\'s aggregate_krum',
  defaults: { byzantine: 1 },
  positional: ['byzantine'],
  minUpdates: ({ byzantine }) => 2 * byzantine + 3,
  aggregate(updates, { byzantine }) {
    const scores = krumScores(updates, byzantine);
    const kept = krumSelect(scores, 1);
    return krumNote(updates, scores, kept, 'krum');
  },
  commit: adoptAggregate,
};
