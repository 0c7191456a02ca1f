/**
 * Closes sessions whose client has gone silent. A TCP connection can stay
 * "open" long after a phone lost its radio; heartbeats are what tell us.
 */
import type { Clock } from '../../../common/clock';
import { Periodic } from '../../../common/periodic';
import type { Logger } from '../../../common/logger';
import type { SessionRegistry } from './session-registry';

/** Periodically drops sessions silent for longer than `timeoutMs`. */
export class LivenessMonitor {
  private readonly periodic: Periodic;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly onSilent: (clientId: string, sessionId: string) => void,
    clock: Clock,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    // Check four times per timeout, so a silent client is closed at most a quarter late.
    this.periodic = new Periodic(clock, Math.max(50, timeoutMs / 4), () => this.check());
  }

  /** Starts checking. */
  start(): void {
    this.periodic.start();
  }

  /** Stops checking; idempotent. */
  stop(): void {
    this.periodic.stop();
  }

  private check(): void {
    for (const { clientId, sessionId } of this.registry.silentFor(this.timeoutMs)) {
      this.logger.warn({ clientId, silentMs: this.timeoutMs }, 'client silent too long; closing its session');
      this.onSilent(clientId, sessionId);
    }
  }
}
