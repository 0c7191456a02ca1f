/** `trimmed-mean:<β>`: per parameter, the mean of the updates' values without the ⌊β·K⌋ smallest and largest. */
import { trimmedCount, trimmedMean } from '../aggregation/robust/trimmed-mean';
import { adoptAggregate } from './server-opt';
import type { Strategy } from './types';

/** FedTrimmedAvg. */
export const trimmedMeanStrategy: Strategy<{ trimRatio: number }> = {
  name: 'trimmed-mean',
  help: 'coordinate-wise β-trimmed mean (trimmed-mean:<β>, --trim-ratio; robust; spools updates to disk)',
  source: 'Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates"; β = 0.2 as Flower\'s FedTrimmedAvg',
  defaults: { trimRatio: 0.2 },
  positional: ['trimRatio'],
  aggregate(updates, { trimRatio }) {
    const k = updates.updates.length;
    const cut = trimmedCount(k, trimRatio);
    return { values: trimmedMean(updates, trimRatio), metrics: { trimmed_each_end: cut }, note: `β = ${trimRatio} trimmed mean: ${cut} of ${k} value(s) cut from each end of every parameter` };
  },
  commit: adoptAggregate,
};
