/**
 * Rényi-DP accountant for central DP-FedAvg (McMahan et al. 2018, "Learning
 * Differentially Private Recurrent Language Models"): every round samples each
 * client independently with probability q and adds Gaussian noise of stddev σ·S
 * to the sum of updates clipped to norm S. That round is one step of the
 * Poisson-subsampled Gaussian mechanism; its RDP follows Mironov, Talwar & Zhang
 * 2019 ("Rényi Differential Privacy of the Sampled Gaussian Mechanism"), computed
 * as TF Privacy's `compute_rdp` does in its maintained home, Google's
 * dp_accounting (`_compute_log_a_int`, `_compute_log_a_frac`), so fedlink's ε can
 * be checked against theirs figure for figure.
 *
 * Integer orders are exact. Fractional orders take the smaller of two upper
 * bounds: dp_accounting's series (since 2024 it sums the generalised binomial
 * series in absolute value, which never under-reports, where the alternating
 * exact sum can lose all its digits to cancellation), and the chord between the
 * neighbouring integer orders (log A_α is convex in α, a log-moment generating
 * function). The series is tight where fractional orders matter (little noise,
 * large ε) and matches dp_accounting there; the chord caps it where it is loose
 * (large σ) or does not converge, where dp_accounting gives up with ∞.
 *
 * fedlink reports ε from the improved RDP → (ε, δ) conversion (Canonne, Kamath &
 * Steinke 2020, Prop. 12; Asoodeh et al. 2020; Balle et al. 2020): it is a valid
 * guarantee, always at least as tight as the classic one, and what TF Privacy,
 * dp_accounting and Opacus report today. `epsilonClassic` (Mironov 2017,
 * Prop. 3; the moments accountant of Abadi et al. 2016) stays for comparing with
 * figures published before 2021.
 */
import { InvalidArgumentError } from '../../../common/errors';

/** One step of the mechanism: sampling probability q and noise multiplier σ (noise stddev / clip norm). */
export interface MechanismStep {
  q: number;
  sigma: number;
}

/** An (ε, δ) guarantee's ε and the RDP order that gave it. */
export interface PrivacySpent {
  epsilon: number;
  order: number;
}

/**
 * The RDP orders fedlink tracks: TF Privacy's `compute_dp_sgd_privacy` list, fine
 * where small ε is optimal, up to 512 where large ε (little noise) is.
 */
export const DEFAULT_ORDERS: ReadonlyArray<number> = Object.freeze([
  1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5,
  ...Array.from({ length: 59 }, (_, i) => i + 5),
  128, 256, 512,
]);

/** The series bound gives up (∞, so the integer chord decides) after this many terms, as dp_accounting does. */
const MAX_FRACTIONAL_TERMS = 1000;

/** log(e^x + e^y) without overflow. */
function logAdd(x: number, y: number): number {
  const lo = Math.min(x, y);
  const hi = Math.max(x, y);
  if (lo === -Infinity) return hi;
  return hi + Math.log1p(Math.exp(lo - hi));
}

/**
 * log(erfc(x)) to about 1e-15 relative for every real x, including where erfc
 * itself underflows (x > 27): the fractional-order series needs the Gaussian
 * tail far out. Maclaurin series of erf near 0, Laplace's continued fraction
 * (modified Lentz) from 0.5 on, erfc(x) = 2 − erfc(−x) below −0.5.
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < -0.5) return Math.log(2 - Math.exp(logErfcTail(-x)));
  if (x < 0.5) return Math.log1p(-erfSmall(x));
  return logErfcTail(x);
}

/** erf(x) for |x| < 0.5 from its Maclaurin series (terms fall by x² per step, no cancellation). */
function erfSmall(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 40; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** log(erfc(x)) for x ≥ 0.5: erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))). */
function logErfcTail(x: number): number {
  if (x === Infinity) return -Infinity;
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 2000; n++) {
    const a = n / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const step = c * d;
    f *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return -x * x - 0.5 * Math.log(Math.PI) - Math.log(f);
}

/** log A_α for integer α ≥ 2, 0 < q < 1: log Σᵢ C(α,i) qⁱ (1−q)^{α−i} e^{(i²−i)/(2σ²)}. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  let logBinom = 0;
  let logA = -Infinity;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log(alpha - i + 1) - Math.log(i);
    logA = logAdd(logA, logBinom + i * logQ + (alpha - i) * log1mQ + (i * i - i) / twoSigma2);
  }
  return logA;
}

/** An upper bound on log A_α for fractional α, 0 < q < 1: the smaller of the series bound and the integer chord. */
function logAFractional(q: number, sigma: number, alpha: number): number {
  const below = Math.floor(alpha);
  const t = alpha - below;
  // log A_1 = 0: the mixture integrates to one.
  const chord = (1 - t) * (below === 1 ? 0 : logAInteger(q, sigma, below)) + t * logAInteger(q, sigma, below + 1);
  return Math.min(chord, logASeries(q, sigma, alpha));
}

/**
 * The series bound on log A_α for fractional α: the integral split at z0 where
 * both mixture terms are equal, each half a binomial series weighted by Gaussian
 * tails (Mironov et al. 2019, Sec. 3.3), summed in absolute value as
 * dp_accounting does; ∞ if it has not converged after MAX_FRACTIONAL_TERMS terms.
 */
function logASeries(q: number, sigma: number, alpha: number): number {
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  const twoSigma2 = 2 * sigma * sigma;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  let logAbsBinom = 0;
  for (let i = 0; i < MAX_FRACTIONAL_TERMS; i++) {
    if (i > 0) logAbsBinom += Math.log(Math.abs(alpha - i + 1)) - Math.log(i);
    const j = alpha - i;
    const s0 = logAbsBinom + i * logQ + j * log1mQ + (i * i - i) / twoSigma2 + Math.log(0.5) + logErfc((i - z0) / sqrt2Sigma);
    const s1 = logAbsBinom + j * logQ + i * log1mQ + (j * j - j) / twoSigma2 + Math.log(0.5) + logErfc((z0 - j) / sqrt2Sigma);
    logA0 = logAdd(logA0, s0);
    logA1 = logAdd(logA1, s1);
    const total = logAdd(logA0, logA1);
    // Stop once both halves are past their peaks and 30 nats below the sum.
    if (s0 < lastS0 && s1 < lastS1 && Math.max(s0, s1) < total - 30) return total;
    lastS0 = s0;
    lastS1 = s1;
  }
  return Infinity;
}

function checkStep(q: number, sigma: number): void {
  if (!(q >= 0 && q <= 1)) throw new InvalidArgumentError(`sampling probability q must be in [0, 1], got ${q}`);
  if (!(sigma >= 0 && Number.isFinite(sigma))) throw new InvalidArgumentError(`noise multiplier sigma must be finite and >= 0, got ${sigma}`);
}

function checkOrders(orders: ReadonlyArray<number>): void {
  if (orders.length === 0) throw new InvalidArgumentError('at least one RDP order is needed');
  for (const a of orders) if (!(a > 1)) throw new InvalidArgumentError(`RDP orders must be > 1, got ${a}`);
}

function checkDelta(delta: number): void {
  if (!(delta > 0 && delta < 1)) throw new InvalidArgumentError(`delta must be in (0, 1), got ${delta}`);
}

/** RDP at each order of one step of the Poisson-subsampled Gaussian mechanism. */
export function rdpSubsampledGaussian(q: number, sigma: number, orders: ReadonlyArray<number> = DEFAULT_ORDERS): number[] {
  checkStep(q, sigma);
  checkOrders(orders);
  return orders.map((alpha) => {
    if (q === 0) return 0;
    if (sigma === 0 || alpha === Infinity) return Infinity;
    if (q === 1) return alpha / (2 * sigma * sigma);
    const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha);
    // A Rényi divergence is never negative; a tiny negative is rounding in log A ≈ 0.
    return Math.max(0, logA / (alpha - 1));
  });
}

/** Total RDP of a sequence of steps (RDP adds up under composition); identical steps are computed once. */
export function composeRdp(steps: ReadonlyArray<MechanismStep>, orders: ReadonlyArray<number> = DEFAULT_ORDERS): number[] {
  checkOrders(orders);
  const groups = new Map<string, { step: MechanismStep; count: number }>();
  for (const step of steps) {
    checkStep(step.q, step.sigma);
    const key = `${step.q}/${step.sigma}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { step, count: 1 });
  }
  const total = orders.map(() => 0);
  for (const { step, count } of groups.values()) {
    rdpSubsampledGaussian(step.q, step.sigma, orders).forEach((r, k) => (total[k] += count * r));
  }
  return total;
}

function checkRdp(rdp: ReadonlyArray<number>, orders: ReadonlyArray<number>, delta: number): void {
  checkOrders(orders);
  checkDelta(delta);
  if (rdp.length !== orders.length) throw new InvalidArgumentError(`${rdp.length} RDP values for ${orders.length} orders`);
  for (const r of rdp) if (Number.isNaN(r) || r < 0) throw new InvalidArgumentError(`RDP values must be >= 0, got ${r}`);
}

/** ε at δ from RDP values, by the improved conversion ε = r + log(1 − 1/α) − log(δα)/(α − 1); the best order wins. */
export function epsilonFromRdp(rdp: ReadonlyArray<number>, delta: number, orders: ReadonlyArray<number> = DEFAULT_ORDERS): PrivacySpent {
  checkRdp(rdp, orders, delta);
  let best: PrivacySpent = { epsilon: Infinity, order: orders[0] };
  orders.forEach((alpha, k) => {
    const r = rdp[k];
    let epsilon: number;
    // TV ≤ √(1 − e^{−KL}) (Bretagnolle–Huber) and KL ≤ D_α = r, so (0, δ)-DP already holds when δ² ≥ 1 − e^{−r}.
    if (delta * delta + Math.expm1(-r) > 0) epsilon = 0;
    // The bound is numerically unstable as α → 1 and useless there anyway.
    else if (alpha > 1.01) epsilon = r + Math.log1p(-1 / alpha) - Math.log(delta * alpha) / (alpha - 1);
    else epsilon = Infinity;
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  });
  return { epsilon: Math.max(0, best.epsilon), order: best.order };
}

/** ε at δ by the classic conversion ε = r + log(1/δ)/(α − 1) (Mironov 2017, Prop. 3), for comparing with older published figures. */
export function epsilonClassic(rdp: ReadonlyArray<number>, delta: number, orders: ReadonlyArray<number> = DEFAULT_ORDERS): PrivacySpent {
  checkRdp(rdp, orders, delta);
  let best: PrivacySpent = { epsilon: Infinity, order: orders[0] };
  orders.forEach((alpha, k) => {
    const epsilon = rdp[k] - Math.log(delta) / (alpha - 1);
    if (epsilon < best.epsilon) best = { epsilon, order: alpha };
  });
  return best;
}

/** (ε, δ) spent by a sequence of steps (each round's q and σ), by the improved conversion. */
export function privacySpent(steps: ReadonlyArray<MechanismStep>, delta: number, orders: ReadonlyArray<number> = DEFAULT_ORDERS): PrivacySpent {
  checkDelta(delta);
  return epsilonFromRdp(composeRdp(steps, orders), delta, orders);
}

/** Whether committing one more step would push ε at δ over the target: the run stops before such a round. */
export function wouldExceed(
  steps: ReadonlyArray<MechanismStep>,
  next: MechanismStep,
  delta: number,
  targetEpsilon: number,
  orders: ReadonlyArray<number> = DEFAULT_ORDERS,
): boolean {
  if (!(targetEpsilon >= 0)) throw new InvalidArgumentError(`target epsilon must be >= 0, got ${targetEpsilon}`);
  return privacySpent([...steps, next], delta, orders).epsilon > targetEpsilon;
}
