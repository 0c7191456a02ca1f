/**
 * The RDP accountant and the Gaussian noise source of central DP-FedAvg.
 *
 * Expected values come from three kinds of source, cited where used:
 * - published test figures of TF Privacy (github tensorflow/privacy) and of its
 *   successor dp_accounting (github google/differential-privacy), and figures
 *   printed in papers and READMEs;
 * - independent derivations in this file: the naive binomial sum in plain double
 *   for integer orders, and a trapezoid quadrature of A_α = E_{z~N(0,σ²)}[((1−q) +
 *   q·e^{(2z−1)/(2σ²)})^α] for any order, which reproduces TF Privacy's exact
 *   fractional-order figures that fedlink's (upper-bound) series must not undercut;
 * - log(erfc) at 40 digits from mpmath 1.3.0 (mpmath.log(mpmath.erfc(x))).
 * Figures computed with the classic RDP → (ε, δ) conversion are checked with
 * `epsilonClassic`, later ones with the improved conversion fedlink reports.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import {
  DEFAULT_ORDERS,
  composeRdp,
  epsilonClassic,
  epsilonFromRdp,
  logErfc,
  privacySpent,
  rdpSubsampledGaussian,
  wouldExceed,
  type MechanismStep,
} from '../../services/coordinator/privacy/rdp-accountant';
import { polarNormalSource, secureNormalSource } from '../../services/coordinator/privacy/gaussian-noise';
import { seededNormalSource } from '../helpers/seeded-normal';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const repeat = (step: MechanismStep, times: number): MechanismStep[] => Array.from({ length: times }, () => step);
const scaled = (values: number[], by: number): number[] => values.map((v) => v * by);

function expectClose(got: number, want: number, rtol: number): void {
  if (want === Infinity) {
    expect(got).toBe(Infinity);
    return;
  }
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rtol * Math.abs(want));
}

/** RDP at an integer order from the closed binomial sum Σ C(α,i) qⁱ(1−q)^{α−i} e^{(i²−i)/(2σ²)}, plain double, no logs. */
function naiveIntegerRdp(q: number, sigma: number, alpha: number): number {
  let a = 0;
  let binom = 1;
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) binom = (binom * (alpha - i + 1)) / i;
    a += binom * q ** i * (1 - q) ** (alpha - i) * Math.exp((i * i - i) / (2 * sigma * sigma));
  }
  return Math.log(a) / (alpha - 1);
}

/**
 * RDP at any order by trapezoid quadrature of A_α − 1 = E[(1 + q(e^t − 1))^α − 1],
 * t = (2z − 1)/(2σ²), z ~ N(0, σ²): the definition (Mironov et al. 2019, Sec. 3),
 * with no series. Written as A − 1 so tiny RDPs keep their digits; the trapezoid
 * rule is spectrally accurate for this smooth, fast-decaying integrand.
 */
function quadratureRdp(q: number, sigma: number, alpha: number): number {
  const h = sigma / 64;
  const from = -16 * sigma - 1;
  const to = alpha + 16 * sigma + 1;
  let sum = 0;
  for (let z = from; z <= to; z += h) {
    const logDensity = (-z * z) / (2 * sigma * sigma) - Math.log(sigma * Math.sqrt(2 * Math.PI));
    const x = alpha * Math.log1p(q * Math.expm1((2 * z - 1) / (2 * sigma * sigma)));
    sum += x > 1 ? Math.exp(logDensity + x) - Math.exp(logDensity) : Math.exp(logDensity) * Math.expm1(x);
  }
  return Math.log1p(sum * h) / (alpha - 1);
}

describe('rdp accountant - published figures', () => {
  // TF Privacy, tensorflow_privacy/privacy/analysis/rdp_accountant_test.py at
  // ee35642b90e65a38f9d393aa8146380f1c35780d (its last version before RDP moved to dp_accounting).
  it('rdp accountant - gives 0 without data and α/(2σ²) without sampling, as TF Privacy does', () => {
    expect(rdpSubsampledGaussian(0, 10, [20])).toEqual([0]); // test_compute_rdp_no_data
    expect(rdpSubsampledGaussian(1, 10, [20])).toEqual([0.1]); // test_compute_rdp_no_sampling
  });

  it('rdp accountant - matches TF Privacy compute_rdp(0.1, 2, 10, 5) = 0.07737 to 5 places', () => {
    // test_compute_rdp_scalar: assertAlmostEqual(rdp, 0.07737, places=5).
    const rdp = rdpSubsampledGaussian(0.1, 2, [5])[0] * 10;
    expect(Math.abs(rdp - 0.07737)).toBeLessThan(5e-6);
  });

  it("rdp accountant - matches dp_accounting's sequence figures and stays at or above TF Privacy's exact ones", () => {
    const orders = [1.5, 2.5, 5, 50, 100, Infinity];
    const got = scaled(rdpSubsampledGaussian(0.01, 2.5, orders), 50);
    // dp_accounting python/dp_accounting/dp_accounting/rdp/rdp_privacy_accountant_test.py
    // (test_compute_rdp_poisson_sampled_gaussian, since commit 0b109e9, 2024: absolute-value
    // series at fractional orders), published to 9 digits; checked to 1e-8 relative.
    const dpAccounting = [6.70579741e-4, 1.0854871e-3, 2.18075656e-3, 2.38460375e-2, 1.67416308e2, Infinity];
    got.forEach((v, k) => expectClose(v, dpAccounting[k], 1e-8));
    // TF Privacy test_compute_rdp_sequence (exact alternating series), rtol 1e-4 as there.
    const tfPrivacy = [6.5007e-4, 1.0854e-3, 2.1808e-3, 2.3846e-2, 1.6742e2, Infinity];
    [2, 3, 4, 5].forEach((k) => expectClose(got[k], tfPrivacy[k], 1e-4));
    expectClose(got[1], tfPrivacy[1], 1e-4); // order 2.5: the series bound is tight here.
    // Order 1.5: an upper bound, 3.2% above the exact value, which the quadrature reproduces.
    expect(got[0]).toBeGreaterThan(tfPrivacy[0]);
    expect(got[0]).toBeLessThan(tfPrivacy[0] * 1.04);
    expectClose(quadratureRdp(0.01, 2.5, 1.5) * 50, tfPrivacy[0], 1e-4);
  });

  it('rdp accountant - reproduces Abadi et al. 2016: q = 0.01, σ = 4, T = 10000, δ = 1e-5 gives ε ≈ 1.26', () => {
    // "Deep Learning with Differential Privacy", Sec. 3.1: "with L = 0.01N, σ = 4, δ = 10⁻⁵ and
    // T = 10000, we have ε ≈ 1.26 using the moments accountant". The moments accountant at λ is
    // RDP at α = λ + 1 with the classic conversion; the paper used λ ≤ 32, so orders 2..33, and
    // states two decimals, hence the 0.005 tolerance.
    const orders = range(2, 33);
    const rdp = composeRdp(repeat({ q: 0.01, sigma: 4 }, 10_000), orders);
    const classic = epsilonClassic(rdp, 1e-5, orders);
    expect(Math.abs(classic.epsilon - 1.26)).toBeLessThan(0.005);
    // TF Privacy's test_get_privacy_spent_check_target_delta before the improved conversion
    // (rdp_accountant_test.py at 8d53d8cc59c65a671865fb8d16f8f1ef4e87c823): orders 2..32,
    // eps 1.258575 to 5 places, order 20.
    const tf = epsilonClassic(composeRdp(repeat({ q: 0.01, sigma: 4 }, 10_000), range(2, 32)), 1e-5, range(2, 32));
    expect(Math.abs(tf.epsilon - 1.258575)).toBeLessThan(5e-6);
    expect(tf.order).toBe(20);
    // The improved conversion fedlink reports is tighter on the same RDP.
    expect(epsilonFromRdp(rdp, 1e-5, orders).epsilon).toBeLessThan(classic.epsilon - 0.2);
  });

  it('rdp accountant - matches TF Privacy compute_dp_sgd_privacy figures under both conversions', () => {
    // tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py: classic figures before
    // commit be8175b (Dec 2020), improved ones after (current file); orders are DEFAULT_ORDERS,
    // q = batch/n, steps = ceil(epochs·n/batch). TF checks 7 places; Test2's ε is ~6e6, so it is
    // checked relatively (its last digits moved between TF Privacy versions too).
    const cases = [
      { n: 60_000, batch: 150, sigma: 1.3, epochs: 15, delta: 1e-5, classic: 0.941870567, improved: 0.7242234026109595, order: 19, tol: 1e-7 },
      { n: 100_000, batch: 100, sigma: 1.0, epochs: 30, delta: 1e-7, classic: 1.70928734, improved: 1.4154988495444842, order: 13, tol: 1e-7 },
      { n: 100_000_000, batch: 1024, sigma: 0.1, epochs: 10, delta: 1e-7, classic: 5907984.81339406, improved: 5907982.3113984, order: 1.25, tol: 1e-11 * 6e6 },
    ];
    for (const c of cases) {
      const rdp = composeRdp(repeat({ q: c.batch / c.n, sigma: c.sigma }, Math.ceil((c.epochs * c.n) / c.batch)));
      const classic = epsilonClassic(rdp, c.delta);
      const improved = privacySpent(repeat({ q: c.batch / c.n, sigma: c.sigma }, Math.ceil((c.epochs * c.n) / c.batch)), c.delta);
      expect(Math.abs(classic.epsilon - c.classic)).toBeLessThan(c.tol);
      expect(Math.abs(improved.epsilon - c.improved)).toBeLessThan(c.tol);
      expect(classic.order).toBe(c.order);
      expect(improved.order).toBe(c.order);
    }
  });

  it("rdp accountant - reproduces TF Privacy's MNIST tutorial table (ε at δ = 1e-5, two decimals)", () => {
    // tutorials/README.md at 0776ed124b4b5aa04d21db8b7cffcdf2b9e4312b: N = 60000, batch 256,
    // classic conversion. The first two rows come from compute_dp_sgd_privacy (DEFAULT_ORDERS);
    // the third from mnist_dpsgd_tutorial.py's finer orders 1.1..10.9 step 0.1, then 12..63.
    const tutorialOrders = [...range(1, 99).map((x) => 1 + x / 10), ...range(12, 63)];
    const rows = [
      { sigma: 1.3, epochs: 15, eps: 1.19, orders: DEFAULT_ORDERS },
      { sigma: 1.1, epochs: 60, eps: 3.01, orders: DEFAULT_ORDERS },
      { sigma: 0.7, epochs: 45, eps: 7.1, orders: tutorialOrders },
    ];
    for (const row of rows) {
      const steps = repeat({ q: 256 / 60_000, sigma: row.sigma }, Math.ceil((row.epochs * 60_000) / 256));
      const { epsilon } = epsilonClassic(composeRdp(steps, row.orders), 1e-5, row.orders);
      expect(Math.abs(epsilon - row.eps)).toBeLessThan(0.005);
    }
  });

  it("rdp accountant - reproduces TF Privacy's composition figure as an upper bound", () => {
    // rdp_accountant_test.py test_check_composition (classic conversion, exact series at the
    // fractional optimum 2.5): eps 8.509656 to 5 places, order 2.5. The quadrature reproduces it;
    // fedlink's series bound at 2.5 is a little higher, never lower.
    const orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 64, 256];
    const steps = [...repeat({ q: 1e-4, sigma: 0.4 }, 40_000), ...repeat({ q: 0.1, sigma: 2 }, 100)];
    const ours = epsilonClassic(composeRdp(steps, orders), 1e-5, orders);
    expect(ours.order).toBe(2.5);
    expect(ours.epsilon).toBeGreaterThanOrEqual(8.509656);
    expect(ours.epsilon).toBeLessThan(8.509656 * 1.001);
    const exact = orders.map((a) => 40_000 * quadratureRdp(1e-4, 0.4, a) + 100 * quadratureRdp(0.1, 2, a));
    const fromQuadrature = epsilonClassic(exact, 1e-5, orders);
    expect(Math.abs(fromQuadrature.epsilon - 8.509656)).toBeLessThan(5e-6);
    expect(fromQuadrature.order).toBe(2.5);
  });

  it("rdp accountant - the improved conversion matches TF Privacy's hand-computed and Gaussian figures", () => {
    // rdp_accountant_test.py (after be8175b) test_get_privacy_spent_check_target_delta:
    // constant RDP 1.1 at orders 2..32 is pure DP; the largest order wins, ε = 1.32783806176.
    const orders = range(2, 32);
    const pure = epsilonFromRdp(orders.map(() => 1.1), 1e-5, orders);
    expect(pure.order).toBe(32);
    expect(Math.abs(pure.epsilon - 1.32783806176)).toBeLessThan(5e-8);
    // Same test, second half: σ = 4.530877117 without sampling is exactly (1, 1e-6)-DP; a fine
    // grid of orders (1.001..99.999; TF starts at 1.0, where α − 1 = 0) recovers ε = 1 to 7 places.
    const fine = range(1001, 99_999).map((i) => i / 1000);
    const gaussian = privacySpent([{ q: 1, sigma: 4.530877117 }], 1e-6, fine);
    expect(Math.abs(gaussian.epsilon - 1)).toBeLessThan(5e-8);
  });

  it('rdp accountant - DEFAULT_ORDERS is the order list of TF Privacy compute_dp_sgd_privacy', () => {
    expect(DEFAULT_ORDERS).toEqual([1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...range(5, 63), 128, 256, 512]);
  });
});

describe('rdp accountant - independent derivations', () => {
  it('rdp accountant - without sampling every order gives exactly α/(2σ²)', () => {
    const sigma = 1.7;
    rdpSubsampledGaussian(1, sigma).forEach((r, k) => expect(r).toBe(DEFAULT_ORDERS[k] / (2 * sigma * sigma)));
  });

  it('rdp accountant - integer orders equal the naive binomial sum in plain double', () => {
    for (const [q, sigma] of [[0.01, 1], [0.05, 2], [0.2, 1.5], [0.5, 3], [0.9, 1.5]]) {
      const orders = [2, 3, 5, 8, 13, 21, 32];
      rdpSubsampledGaussian(q, sigma, orders).forEach((r, k) => expectClose(r, naiveIntegerRdp(q, sigma, orders[k]), 1e-9));
    }
  });

  it('rdp accountant - equals the quadrature at integer orders and bounds it from above at fractional ones', () => {
    const cases = [[0.01, 2.5], [0.1, 1], [0.1, 4], [0.3, 10], [0.05, 0.7], [1e-3, 1.1]];
    for (const [q, sigma] of cases) {
      const orders = [1.25, 1.5, 1.75, 2, 2.5, 3, 4.5, 5, 7, 12];
      const rdp = rdpSubsampledGaussian(q, sigma, orders);
      rdp.forEach((r, k) => {
        const alpha = orders[k];
        const exact = quadratureRdp(q, sigma, alpha);
        if (Number.isInteger(alpha)) expectClose(r, exact, 1e-8);
        else {
          expect(r).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
          // RDP grows with the order, and the chord keeps the bound there even where the
          // series is loose (q = 0.3, σ = 10: the series alone is 8x the order-2 value at 1.75).
          expect(r).toBeLessThanOrEqual(rdp[orders.indexOf(Math.ceil(alpha))]);
        }
      });
    }
  });

  it('rdp accountant - never reports ∞ where the series diverges (q = 0.1, σ = 1: dp_accounting gives ∞ at 1.25 and 1.5)', () => {
    const [r125, r15, r2] = rdpSubsampledGaussian(0.1, 1, [1.25, 1.5, 2]);
    expect(Number.isFinite(r125) && Number.isFinite(r15)).toBe(true);
    expect(r125).toBeLessThanOrEqual(r2);
    expect(r125).toBeGreaterThanOrEqual(quadratureRdp(0.1, 1, 1.25));
  });

  it('rdp accountant - ε grows with q, with the number of steps and with 1/σ', () => {
    const eps = (q: number, sigma: number, steps: number): number => privacySpent(repeat({ q, sigma }, steps), 1e-5).epsilon;
    const qs = [0, 1e-4, 1e-3, 0.01, 0.05, 0.2, 0.6, 1];
    qs.slice(1).forEach((q, k) => expect(eps(q, 1.2, 100)).toBeGreaterThan(eps(qs[k], 1.2, 100)));
    const sigmas = [0.5, 0.8, 1, 1.5, 3, 10];
    sigmas.slice(1).forEach((s, k) => expect(eps(0.02, s, 100)).toBeLessThan(eps(0.02, sigmas[k], 100)));
    const counts = [1, 2, 10, 100, 1000];
    counts.slice(1).forEach((t, k) => expect(eps(0.02, 1.2, t)).toBeGreaterThan(eps(0.02, 1.2, counts[k])));
    // And per order, RDP itself is monotone in q.
    const rdps = qs.map((q) => rdpSubsampledGaussian(q, 1.2));
    rdps.slice(1).forEach((r, k) => r.forEach((v, o) => expect(v).toBeGreaterThanOrEqual(rdps[k][o])));
  });

  it('rdp accountant - T identical steps compose to T times one step; mixed steps add up', () => {
    const one = rdpSubsampledGaussian(0.03, 1.1);
    composeRdp(repeat({ q: 0.03, sigma: 1.1 }, 250)).forEach((r, k) => expectClose(r, 250 * one[k], 1e-12));
    const other = rdpSubsampledGaussian(0.2, 3);
    const mixed = composeRdp([{ q: 0.03, sigma: 1.1 }, { q: 0.2, sigma: 3 }, { q: 0.03, sigma: 1.1 }]);
    mixed.forEach((r, k) => expectClose(r, 2 * one[k] + other[k], 1e-12));
    expect(privacySpent([], 1e-5).epsilon).toBe(0);
  });

  it('rdp accountant - ε from the improved conversion never undercuts the exact Gaussian curve (Balle & Wang 2018, Thm. 8)', () => {
    // Without sampling, T steps of σ are one Gaussian with μ = √T/σ, whose exact
    // δ(ε) = Φ(μ/2 − ε/μ) − e^ε Φ(−μ/2 − ε/μ); an RDP bound may only be looser.
    const logPhi = (x: number): number => Math.log(0.5) + logErfc(-x / Math.SQRT2);
    for (const [sigma, steps] of [[1, 1], [2, 10], [0.8, 4], [5, 100]]) {
      const mu = Math.sqrt(steps) / sigma;
      for (const delta of [1e-3, 1e-5, 1e-9]) {
        const { epsilon } = privacySpent(repeat({ q: 1, sigma }, steps), delta);
        const exactDelta = Math.exp(logPhi(mu / 2 - epsilon / mu)) - Math.exp(epsilon + logPhi(-mu / 2 - epsilon / mu));
        expect(exactDelta).toBeLessThanOrEqual(delta);
      }
    }
  });

  it('rdp accountant - the improved conversion is never looser than the classic one', () => {
    for (const [q, sigma, t] of [[0.01, 1, 1000], [0.1, 0.7, 50], [1, 5, 3]]) {
      const rdp = composeRdp(repeat({ q, sigma }, t));
      expect(epsilonFromRdp(rdp, 1e-5).epsilon).toBeLessThanOrEqual(epsilonClassic(rdp, 1e-5).epsilon);
    }
  });

  it('rdp accountant - log(erfc) matches mpmath to 1e-14 across its range, where erfc itself underflows too', () => {
    const reference: Array<[number, number]> = [
      [-5, 0.69314718055917657952], [-1, 0.61123231767807049464], [-0.5, 0.41903914777555958036],
      [-0.3, 0.28414589714140825002], [0.1, -0.11930497373739560532], [0.3, -0.3984300514400852726],
      [0.5, -0.73501112983708440303], [0.7, -1.1325865135143412341], [1, -1.8496055099332482486],
      [2, -5.3649412646166375745], [3.5, -14.112437402148173755], [5, -27.200889545537434422],
      [10, -102.87988902484488857], [27, -732.86888650789741098], [30, -903.97411711064387808],
      [100, -10005.177585122664333], [1e4, -100000009.7827053199],
    ];
    for (const [x, want] of reference) expectClose(logErfc(x), want, 1e-14);
    expect(Math.abs(logErfc(0))).toBe(0);
    expect(logErfc(Infinity)).toBe(-Infinity);
    expectClose(logErfc(-Infinity), Math.LN2, 1e-15);
  });
});

describe('rdp accountant - budget and inputs', () => {
  it('rdp accountant - wouldExceed stops before the round whose commit would cross the target', () => {
    const step = { q: 0.01, sigma: 1.1 };
    const done = repeat(step, 99);
    const now = privacySpent(done, 1e-5).epsilon;
    const after = privacySpent([...done, step], 1e-5).epsilon;
    expect(after).toBeGreaterThan(now);
    expect(wouldExceed(done, step, 1e-5, (now + after) / 2)).toBe(true);
    expect(wouldExceed(done, step, 1e-5, after)).toBe(false);
    expect(wouldExceed(done, { q: 0, sigma: 1.1 }, 1e-5, now)).toBe(false);
    expect(wouldExceed([], { q: 0.5, sigma: 0 }, 1e-5, 1e6)).toBe(true);
  });

  it('rdp accountant - σ = 0 means no privacy: ε is ∞ unless nobody is sampled', () => {
    expect(rdpSubsampledGaussian(0.3, 0, [2, 1.5])).toEqual([Infinity, Infinity]);
    expect(rdpSubsampledGaussian(0, 0, [2])).toEqual([0]);
    expect(privacySpent([{ q: 0.3, sigma: 0 }], 1e-5).epsilon).toBe(Infinity);
  });

  it('rdp accountant - refuses out-of-range q, σ, δ, orders and targets', () => {
    const bad: Array<() => unknown> = [
      () => rdpSubsampledGaussian(-0.1, 1),
      () => rdpSubsampledGaussian(1.1, 1),
      () => rdpSubsampledGaussian(NaN, 1),
      () => rdpSubsampledGaussian(0.1, -1),
      () => rdpSubsampledGaussian(0.1, NaN),
      () => rdpSubsampledGaussian(0.1, Infinity),
      () => rdpSubsampledGaussian(0.1, 1, [1]),
      () => rdpSubsampledGaussian(0.1, 1, []),
      () => privacySpent([{ q: 0.1, sigma: 1 }], 0),
      () => privacySpent([{ q: 0.1, sigma: 1 }], 1),
      () => privacySpent([{ q: 0.1, sigma: 1 }], NaN),
      () => privacySpent([{ q: 2, sigma: 1 }], 1e-5),
      () => epsilonFromRdp([1, 2], 1e-5, [2]),
      () => epsilonClassic([-1], 1e-5, [2]),
      () => wouldExceed([], { q: 0.1, sigma: 1 }, 1e-5, -1),
      () => wouldExceed([], { q: 0.1, sigma: 1 }, 1e-5, NaN),
    ];
    for (const call of bad) expect(call).toThrow(InvalidArgumentError);
  });
});

describe('gaussian noise', () => {
  /** Sample moments of `xs` against N(0, sd²), each within 6 standard errors (a false alarm about once in 10⁸ runs). */
  function expectNormal(xs: Float32Array | Float64Array, sd: number): void {
    const n = xs.length;
    let sum = 0;
    let sum2 = 0;
    let sum4 = 0;
    let inside = 0;
    let lag = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      sum += x;
      sum2 += x * x;
      sum4 += x ** 4;
      if (Math.abs(x) < sd) inside++;
      if (i > 0) lag += x * xs[i - 1];
    }
    const s2 = sd * sd;
    expect(Math.abs(sum / n)).toBeLessThan((6 * sd) / Math.sqrt(n));
    expect(Math.abs(sum2 / n - s2)).toBeLessThan(6 * s2 * Math.sqrt(2 / n)); // Var(x²) = 2σ⁴
    expect(Math.abs(sum4 / n - 3 * s2 * s2)).toBeLessThan(6 * s2 * s2 * Math.sqrt(96 / n)); // Var(x⁴) = 96σ⁸
    const p = 0.6826894921370859; // P(|x| < σ)
    expect(Math.abs(inside / n - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / n));
    expect(Math.abs(lag / (n - 1))).toBeLessThan((6 * s2) / Math.sqrt(n - 1)); // neighbours uncorrelated
  }

  it('gaussian noise - the secure source gives N(0, σ²) moments over 1e6 samples, overwriting what was there', () => {
    const out = new Float64Array(1_000_000).fill(1e6);
    secureNormalSource().fill(out, 2.5);
    expectNormal(out, 2.5);
  });

  it('gaussian noise - the seeded source is reproducible and the transform is normal whatever the bit buffer size', () => {
    const a = new Float64Array(100_001);
    const b = new Float64Array(100_001);
    seededNormalSource(42).fill(a, 1);
    seededNormalSource(42).fill(b, 1);
    expect(b).toEqual(a);
    seededNormalSource(43).fill(b, 1);
    expect(b).not.toEqual(a);
    const big = new Float64Array(1_000_000);
    seededNormalSource(7).fill(big, 0.3);
    expectNormal(big, 0.3);
  });

  it('gaussian noise - a refill every candidate pair gives the same samples as the default buffer', () => {
    const bits = (seed: number) => {
      let state = seed;
      return (words: Uint32Array) => {
        for (let i = 0; i < words.length; i++) words[i] = state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      };
    };
    const small = new Float32Array(9_999);
    const large = new Float32Array(9_999);
    polarNormalSource(bits(5), 4).fill(small, 1);
    polarNormalSource(bits(5)).fill(large, 1);
    expect(small).toEqual(large);
  });

  it('gaussian noise - stddev 0 writes zeros, odd and tiny lengths are filled, nothing is NaN or infinite', () => {
    const source = secureNormalSource();
    const zeros = new Float32Array(1001).fill(7);
    source.fill(zeros, 0);
    expect(zeros.every((x) => x === 0)).toBe(true);
    for (const n of [0, 1, 2, 3, 16_385]) {
      const out = new Float32Array(n).fill(NaN);
      source.fill(out, 1);
      expect(out.every((x) => Number.isFinite(x))).toBe(true);
    }
  });

  it('gaussian noise - fills 10M+ float32 values with finite samples of the right scale', () => {
    const out = new Float32Array(10_000_001);
    secureNormalSource().fill(out, 0.01);
    let sum2 = 0;
    let finite = true;
    for (let i = 0; i < out.length; i++) {
      finite &&= Number.isFinite(out[i]);
      sum2 += out[i] * out[i];
    }
    expect(finite).toBe(true);
    expect(out[out.length - 1]).not.toBe(0);
    expect(Math.abs(sum2 / out.length / 1e-4 - 1)).toBeLessThan(6 * Math.sqrt(2 / out.length));
  });

  it('gaussian noise - refuses a negative, NaN or infinite stddev and a bad bit buffer size', () => {
    const source = seededNormalSource(1);
    for (const sd of [-1, NaN, Infinity]) expect(() => source.fill(new Float64Array(4), sd)).toThrow(InvalidArgumentError);
    for (const words of [0, 3, 6, 1.5]) expect(() => polarNormalSource(() => undefined, words)).toThrow(InvalidArgumentError);
  });
});
