/** `median`: the coordinate-wise median of the round's updates (aggregation/robust/median.ts). */
import { coordinateMedian } from '../aggregation/robust/median';
import { adoptAggregate } from './server-opt';
import type { Strategy } from './types';

/** FedMedian: robust to a minority of arbitrary updates, per parameter. */
export const medianStrategy: Strategy<Record<never, number>> = {
  name: 'median',
  help: 'coordinate-wise median of the updates (robust; spools updates to disk)',
  source: 'Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates"; as Flower\'s FedMedian',
  defaults: {},
  aggregate(updates) {
    return { values: coordinateMedian(updates), metrics: {}, note: `coordinate-wise median of ${updates.updates.length} update(s)` };
  },
  commit: adoptAggregate,
};
