/**
 * `fedadam`: Adam on the server (Reddi et al. 2021, Algorithm 2). Defaults are
 * Flower's FedAdam (framework/py/flwr/server/strategy/fedadam.py): η = 0.1,
 * β1 = 0.9, β2 = 0.99, τ = 1e-9. Flower's current FedAdam also scales η by a
 * bias correction √(1−β2^(t+1))/(1−β1^(t+1)); the paper's algorithm has none,
 * and neither has this one.
 */
import { adaptiveStep, stepMetrics, type AdaptiveOptions } from './server-opt';
import type { Strategy } from './types';

/** FedAdam. */
export const fedadamStrategy: Strategy<AdaptiveOptions> = {
  name: 'fedadam',
  help: 'FedAdam: Adam on the server over the averaged update (--server-lr, --beta1, --beta2, --tau)',
  source: 'Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2; defaults from Flower\'s fedadam.py',
  defaults: { serverLr: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 },
  commit({ previous, average, state }, o) {
    const next = adaptiveStep('adam', previous, average, state, o);
    return { weights: next.weights, metrics: stepMetrics(previous, average, next.weights), state: next.state };
  },
};
