/**
 * `fedyogi`: Yogi on the server (Reddi et al. 2021, Algorithm 2):
 * v = v − (1−β2)·Δ²·sign(v − Δ²). Defaults are Flower's FedYogi
 * (framework/py/flwr/server/strategy/fedyogi.py): η = 0.01, β1 = 0.9, β2 = 0.99, τ = 1e-3.
 */
import { adaptiveStep, stepMetrics, type AdaptiveOptions } from './server-opt';
import type { Strategy } from './types';

/** FedYogi. */
export const fedyogiStrategy: Strategy<AdaptiveOptions> = {
  name: 'fedyogi',
  help: 'FedYogi: Yogi on the server, a second moment that grows more cautiously than Adam\'s (--server-lr, --beta1, --beta2, --tau)',
  source: 'Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2; defaults from Flower\'s fedyogi.py',
  defaults: { serverLr: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-3 },
  commit({ previous, average, state }, o) {
    const next = adaptiveStep('yogi', previous, average, state, o);
    return { weights: next.weights, metrics: stepMetrics(previous, average, next.weights), state: next.state };
  },
};
