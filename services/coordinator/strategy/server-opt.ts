/**
 * Small pure helpers the server-optimiser strategies share. Every element is
 * computed in double and stored as float32 (Math.fround happens on the store),
 * one element at a time in index order, so results are deterministic.
 */
import type { CommitInput, CommitResult, StrategyState } from './types';

/** ‖a − b‖₂ in double. */
export function distance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** A state vector of the model's length: the stored one, or zeros before the first commit. */
export function stateVector(state: StrategyState | undefined, name: string, length: number): Float32Array {
  const v = state?.vectors[name];
  if (v && v.length !== length) throw new Error(`strategy state vector ${name} has ${v.length} values, the model ${length}`);
  return v ?? new Float32Array(length);
}

/** The metrics every strategy reports: how far the clients moved the model, and how far the server did. */
export function stepMetrics(previous: Float32Array, average: Float32Array, next: Float32Array): CommitResult['metrics'] {
  return { update_norm: distance(average, previous), step_norm: distance(next, previous) };
}

/** The commit step of strategies without a server optimiser: the round's aggregate becomes the model. */
export function adoptAggregate({ previous, average }: CommitInput): CommitResult {
  return { weights: average, metrics: stepMetrics(previous, average, average) };
}

/** Which second-moment rule an adaptive optimiser uses (Reddi et al. 2021, Algorithm 2). */
export type SecondMoment = 'adam' | 'yogi' | 'adagrad';

/** Options of the adaptive optimisers; β2 is unused by Adagrad. */
export interface AdaptiveOptions {
  serverLr: number;
  beta1: number;
  beta2: number;
  tau: number;
}

/**
 * One step of FedAdam / FedYogi / FedAdagrad, Reddi et al. 2021 ("Adaptive
 * Federated Optimization", Algorithm 2): Δ = average − x, m = β1·m + (1−β1)·Δ,
 * v by the rule, x' = x + η·m / (√v + τ). m and v start at zero, as in Flower.
 * No bias correction, as in the paper (Flower's FedAdam adds one; see fedadam.ts).
 */
export function adaptiveStep(rule: SecondMoment, previous: Float32Array, average: Float32Array, state: StrategyState | undefined, o: AdaptiveOptions): { weights: Float32Array; state: StrategyState } {
  const n = previous.length;
  const mOld = stateVector(state, 'm', n);
  const vOld = stateVector(state, 'v', n);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  const weights = new Float32Array(n);
  const { serverLr, beta1, beta2, tau } = o;
  for (let i = 0; i < n; i++) {
    const delta = Math.fround(average[i] - previous[i]);
    m[i] = beta1 * mOld[i] + (1 - beta1) * delta;
    const d2 = delta * delta;
    if (rule === 'adam') v[i] = beta2 * vOld[i] + (1 - beta2) * d2;
    else if (rule === 'yogi') v[i] = vOld[i] - (1 - beta2) * d2 * Math.sign(vOld[i] - d2);
    else v[i] = vOld[i] + d2;
    weights[i] = previous[i] + (serverLr * m[i]) / (Math.sqrt(v[i]) + tau);
  }
  return { weights, state: { vectors: { m, v }, scalars: {} } };
}
