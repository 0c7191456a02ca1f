/**
 * `fedavgm`: FedAvg with server momentum (Hsu et al. 2019), in the PyTorch SGD
 * convention Flower's FedAvgM follows: g = x − average (a pseudo-gradient),
 * v = g on the first round and β·v + g after, x' = x − η·v.
 */
import { stateVector, stepMetrics } from './server-opt';
import type { Strategy } from './types';

interface FedAvgMOptions {
  serverLr: number;
  serverMomentum: number;
}

/** FedAvgM: server SGD with momentum on the pseudo-gradient. */
export const fedavgmStrategy: Strategy<FedAvgMOptions> = {
  name: 'fedavgm',
  help: 'FedAvgM: server SGD with momentum on the averaged update (--server-lr η, --server-momentum β)',
  source:
    'Hsu et al. 2019, "Measuring the Effects of Non-Identical Data Distribution for Federated Visual Classification"; update rule and η = 1 as in Flower\'s fedavgm.py; ' +
    'β = 0.9 (Flower\'s default 0 would make it FedAvg)',
  defaults: { serverLr: 1, serverMomentum: 0.9 },
  commit({ previous, average, state }, { serverLr, serverMomentum }) {
    const n = previous.length;
    const first = state === undefined;
    const old = stateVector(state, 'momentum', n);
    const momentum = new Float32Array(n);
    const weights = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const g = Math.fround(previous[i] - average[i]);
      momentum[i] = first ? g : serverMomentum * old[i] + g;
      weights[i] = previous[i] - serverLr * momentum[i];
    }
    return { weights, metrics: stepMetrics(previous, average, weights), state: { vectors: { momentum }, scalars: {} } };
  },
};
