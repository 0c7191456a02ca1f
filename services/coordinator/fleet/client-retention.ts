/**
 * Forgets clients that stay disconnected: without it every client id ever
 * seen (a fleet's churn, or an attacker's made-up ids) is kept in memory and
 * in the store for good.
 */
import type { Clock } from '../../../common/clock';
import { Periodic } from '../../../common/periodic';
import type { SessionRegistry } from './session-registry';

/** Periodically forgets clients disconnected for longer than `forgetAfterMs`. */
export class ClientRetention {
  private readonly periodic: Periodic;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly clock: Clock,
    private readonly forgetAfterMs: number,
  ) {
    // A quarter of the retention, but at least every minute (and not busier than 20 times a second).
    this.periodic = new Periodic(clock, Math.max(50, Math.min(60_000, forgetAfterMs / 4)), () => this.sweep());
  }

  /** Starts sweeping. */
  start(): void {
    this.periodic.start();
  }

  /** Stops sweeping; idempotent. */
  stop(): void {
    this.periodic.stop();
  }

  /** Forgets the clients disconnected for too long now; returns how many. */
  sweep(): number {
    return this.registry.forgetDisconnectedBefore(this.clock.now() - this.forgetAfterMs);
  }
}
