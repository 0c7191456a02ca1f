import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { TokenBucket } from '../../clients/linkem/token-bucket';

describe('linkem token bucket', () => {
  it('token bucket - lets a full burst through at once, then makes the next bytes wait at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ rateBytesPerSec: 1000, burstBytes: 500, clock });
    expect(bucket.delayFor(500)).toBe(0);
    expect(bucket.reserve(500)).toBe(0);
    expect(bucket.delayFor(100)).toBeCloseTo(100);
    expect(bucket.delayFor(1000)).toBeCloseTo(1000);
  });

  it('token bucket - refills with time but never above the burst', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ rateBytesPerSec: 1000, burstBytes: 500, clock });
    bucket.reserve(500);
    clock.advance(200);
    expect(bucket.available()).toBeCloseTo(200);
    clock.advance(10_000);
    expect(bucket.available()).toBe(500);
  });

  it('token bucket - reservations go into debt, so back-to-back chunks are spaced at the rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ rateBytesPerSec: 10_000, burstBytes: 1000, clock });
    const waits = [1000, 1000, 1000, 1000].map((n) => bucket.reserve(n));
    expect(waits.map((w) => Math.round(w))).toEqual([0, 100, 200, 300]);
    expect(bucket.available()).toBeCloseTo(-3000);
    clock.advance(300);
    expect(bucket.delayFor(1)).toBeCloseTo(0.1);
  });

  it('token bucket - a chunk larger than the burst waits for the part not yet earned', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ rateBytesPerSec: 1000, burstBytes: 100, clock });
    expect(bucket.reserve(600)).toBeCloseTo(500);
  });

  it('token bucket - a rate of 0 means unlimited', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ rateBytesPerSec: 0, burstBytes: 1, clock });
    expect(bucket.unlimited).toBe(true);
    expect(bucket.reserve(1e9)).toBe(0);
    expect(bucket.delayFor(1e9)).toBe(0);
  });
});
