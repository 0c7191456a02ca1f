/** A task run every `everyMs` on an injectable clock, with idempotent start/stop and no timer left behind. */
import type { Clock, TimerHandle } from './clock';

/** Runs `task` periodically between start() and stop(). */
export class Periodic {
  private timer?: TimerHandle;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly task: () => void,
  ) {}

  /** Starts the schedule; the first run is one period from now. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the schedule and cancels the pending timer. Idempotent. */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.task();
      this.schedule();
    }, this.everyMs);
  }
}
