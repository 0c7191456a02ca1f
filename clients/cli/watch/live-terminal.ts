/**
 * Redraws a block of lines in place on a terminal (ANSI cursor movement, no
 * dependency): at most once per `minIntervalMs` however fast events come, and
 * every `tickMs` anyway so elapsed times and countdowns move.
 */
import type { Clock, TimerHandle } from '../../../common/clock';
import { Periodic } from '../../../common/periodic';
import type { Output } from '../context';

/** Fewest ms between two redraws. */
export const MIN_REDRAW_MS = 250;
/** Redraw period without events, ms. */
export const TICK_MS = 1000;

/** Moves to the start of the line `n` lines up. */
const up = (n: number) => `\u001b[${n}F`;
/** Clears to the end of the line / of the screen. */
const CLEAR_LINE = '\u001b[K';
const CLEAR_BELOW = '\u001b[J';

/** A block of lines kept up to date at the bottom of a terminal. */
export class LiveTerminal {
  private drawn = 0;
  private running = false;
  private lastDrawMs = Number.NEGATIVE_INFINITY;
  private pending?: TimerHandle;
  private readonly ticker: Periodic;

  constructor(
    private readonly out: Output,
    private readonly clock: Clock,
    /** The lines to show now. */
    private readonly lines: () => string[],
    private readonly minIntervalMs = MIN_REDRAW_MS,
    tickMs = TICK_MS,
  ) {
    this.ticker = new Periodic(clock, tickMs, () => this.draw());
  }

  /** Draws once and starts the periodic redraw. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.draw();
    this.ticker.start();
  }

  /** Something changed: redraw now, or as soon as the rate limit allows. */
  changed(): void {
    if (this.pending || !this.running) return;
    const wait = this.lastDrawMs + this.minIntervalMs - this.clock.now();
    if (wait <= 0) return this.draw();
    this.pending = this.clock.setTimeout(() => this.draw(), wait);
  }

  /** Draws the final state once more and stops every timer; the lines stay on screen. Idempotent. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.ticker.stop();
    this.draw();
  }

  private draw(): void {
    this.pending?.cancel();
    this.pending = undefined;
    this.lastDrawMs = this.clock.now();
    const lines = this.lines();
    // One write per frame, so the terminal never shows half a redraw.
    this.out.write(`${this.drawn ? up(this.drawn) : ''}${lines.map((l) => `${l}${CLEAR_LINE}`).join('\n')}\n${CLEAR_BELOW}`);
    this.drawn = lines.length;
  }
}
