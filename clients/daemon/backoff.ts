/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture
 * blog, "Exponential Backoff And Jitter"). Full jitter spreads a fleet of
 * daemons that lost the same coordinator across the whole window, so they do
 * not all knock on the restarted coordinator in the same millisecond.
 */
import type { Rng } from '../../common/random';

/** Bounds of the backoff and the randomness that jitters it. */
export interface BackoffOptions {
  /** Ceiling of the first delay, ms. */
  initialMs: number;
  /** Largest ceiling any delay can have, ms. */
  maxMs: number;
  /** Uniform [0, 1) source; inject a seeded one for reproducible tests. @default Math.random */
  rng?: Rng;
}

/** Delay before reconnect attempt `attempt` (0-based): uniform in [0, min(maxMs, initialMs · 2^attempt)). */
export function nextDelay(attempt: number, options: BackoffOptions): number {
  const { initialMs, maxMs, rng = Math.random } = options;
  // 2 ** attempt overflows to Infinity for huge attempts; Math.min keeps the cap.
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  return Math.floor(rng() * ceiling);
}
