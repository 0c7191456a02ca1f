import { describe, expect, it } from 'vitest';
import { nextDelay } from '../../clients/daemon/backoff';
import { createRng } from '../../common/random';

describe('daemon backoff', () => {
  it('grows exponentially from the initial delay when the jitter is at its top', () => {
    const top = () => 0.999999;
    const delays = [0, 1, 2, 3].map((attempt) => nextDelay(attempt, { initialMs: 100, maxMs: 10_000, rng: top }));
    expect(delays).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    for (const attempt of [10, 20, 100, 5000]) {
      expect(nextDelay(attempt, { initialMs: 500, maxMs: 15_000, rng: () => 0.999999 })).toBeLessThanOrEqual(15_000);
    }
  });

  it('jitters over the whole window [0, cap] (full jitter)', () => {
    const rng = createRng(7);
    const samples = Array.from({ length: 2000 }, () => nextDelay(6, { initialMs: 500, maxMs: 15_000, rng }));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(15_000);
    // Spread across the window, not clustered at the top as "equal jitter" would be.
    expect(Math.min(...samples)).toBeLessThan(1_000);
    expect(Math.max(...samples)).toBeGreaterThan(14_000);
  });

  it('is deterministic with a seeded rng', () => {
    const run = () => {
      const rng = createRng(42);
      return Array.from({ length: 8 }, (_, attempt) => nextDelay(attempt, { initialMs: 500, maxMs: 15_000, rng }));
    };
    expect(run()).toEqual(run());
  });

  it('returns integer milliseconds', () => {
    const rng = createRng(1);
    for (let attempt = 0; attempt < 10; attempt++) expect(Number.isInteger(nextDelay(attempt, { initialMs: 3, maxMs: 1000, rng }))).toBe(true);
  });
});
