/**
 * A token bucket on an injected clock. Tokens are bytes; they refill at `rateBytesPerSec`
 * up to `burstBytes`. `reserve` may take more than is there (the bucket goes into debt),
 * which lets a sender schedule each chunk's departure the moment it arrives instead of
 * polling: the returned wait is exactly when the link would have finished sending it.
 */
import type { Clock } from '../../common/clock';

/** Settings of a TokenBucket. */
export interface TokenBucketOptions {
  /** Refill rate; 0 or Infinity means unlimited (every wait is 0). */
  rateBytesPerSec: number;
  /** Bucket depth; the bucket starts full. */
  burstBytes: number;
  clock: Clock;
}

/** Byte-rate limiter: how long n bytes must wait, with debt allowed. */
export class TokenBucket {
  private readonly rate: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private updatedAt: number;

  constructor(options: TokenBucketOptions) {
    this.rate = options.rateBytesPerSec > 0 ? options.rateBytesPerSec : Infinity;
    this.burst = Math.max(1, options.burstBytes);
    this.clock = options.clock;
    this.tokens = this.burst;
    this.updatedAt = this.clock.now();
  }

  /** True when the bucket never makes anything wait. */
  get unlimited(): boolean {
    return this.rate === Infinity;
  }

  /** Tokens (bytes) available now; negative while in debt. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Milliseconds until `n` bytes could pass, without taking anything. */
  delayFor(n: number): number {
    if (this.unlimited) return 0;
    this.refill();
    return n <= this.tokens ? 0 : ((n - this.tokens) / this.rate) * 1000;
  }

  /** Takes `n` bytes now (into debt if need be) and returns the milliseconds until they may pass. */
  reserve(n: number): number {
    if (this.unlimited) return 0;
    const wait = this.delayFor(n);
    this.tokens -= n;
    return wait;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.updatedAt = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
  }
}
