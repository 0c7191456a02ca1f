/**
 * `fedadagrad`: Adagrad on the server (Reddi et al. 2021, Algorithm 2): v = v + Δ².
 * Defaults are Flower's FedAdagrad (framework/py/flwr/server/strategy/fedadagrad.py):
 * η = 0.1, τ = 1e-9, and β1 = 0 (no first-moment averaging; the paper allows β1 > 0).
 */
import { adaptiveStep, stepMetrics } from './server-opt';
import type { Strategy } from './types';

interface FedAdagradOptions {
  serverLr: number;
  beta1: number;
  tau: number;
}

/** FedAdagrad. */
export const fedadagradStrategy: Strategy<FedAdagradOptions> = {
  name: 'fedadagrad',
  help: 'FedAdagrad: Adagrad on the server, the sum of squared updates scales each step (--server-lr, --beta1, --tau)',
  source: 'Reddi et al. 2021, "Adaptive Federated Optimization", Algorithm 2; defaults from Flower\'s fedadagrad.py',
  defaults: { serverLr: 0.1, beta1: 0, tau: 1e-9 },
  commit({ previous, average, state }, o) {
    const next = adaptiveStep('adagrad', previous, average, state, { ...o, beta2: 0 });
    return { weights: next.weights, metrics: stepMetrics(previous, average, next.weights), state: next.state };
  },
};
