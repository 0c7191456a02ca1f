/**
 * Closes sessions whose client has gone silent. A TCP connection can stay
 * "open" long after a phone lost its radio; heartbeats are what tell us.
 */
import type { Clock, TimerHandle } from '../../../common/clock';
import type { Logger } from '../../../common/logger';
import type { SessionRegistry } from './session-registry';

/** Periodically drops sessions silent for longer than `timeoutMs`. */
export class LivenessMonitor {
  private timer?: TimerHandle;
  private running = false;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly onSilent: (clientId: string, sessionId: string) => void,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts checking every quarter of the timeout. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops checking; idempotent. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      for (const { clientId, sessionId } of this.registry.silentFor(this.timeoutMs)) {
        this.logger.warn({ clientId, silentMs: this.timeoutMs }, 'client silent too long; closing its session');
        this.onSilent(clientId, sessionId);
      }
      this.schedule();
    }, Math.max(50, this.timeoutMs / 4));
  }
}
