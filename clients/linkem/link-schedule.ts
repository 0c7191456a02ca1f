/**
 * When a link breaks: scheduled outages merged with random resets (a Poisson process),
 * as a pure, seeded, time-ordered sequence, plus a small driver that plays it on a Clock.
 * Keeping the sequence pure is what makes "the same seed gives the same failures" testable.
 */
import type { Clock, TimerHandle } from '../../common/clock';
import type { Rng } from '../../common/random';
import type { LinkProfile } from './profiles';

/** Something that happens to the whole link at `atMs`. */
export type LinkScheduleEvent =
  | { type: 'outage-start'; atMs: number; endsAtMs: number }
  | { type: 'outage-end'; atMs: number }
  | { type: 'reset'; atMs: number };

/** Exponential inter-arrival time, in ms, for a rate per minute. */
function nextGap(perMinute: number, rng: Rng): number {
  return (-Math.log(1 - rng()) / perMinute) * 60_000;
}

/** The endless event sequence of a profile from `startMs` (outages at every, 2·every, …; resets at random). */
export function* linkSchedule(profile: Pick<LinkProfile, 'outage' | 'resetsPerMinute'>, rng: Rng, startMs: number): Generator<LinkScheduleEvent> {
  const outage = profile.outage;
  let outageAt = outage ? startMs + outage.everyMs : Infinity;
  let outageEndAt = Infinity;
  let resetAt = profile.resetsPerMinute > 0 ? startMs + nextGap(profile.resetsPerMinute, rng) : Infinity;
  while (outage || resetAt !== Infinity) {
    const next = Math.min(outageAt, outageEndAt, resetAt);
    if (next === outageEndAt) {
      outageEndAt = Infinity;
      yield { type: 'outage-end', atMs: next };
    } else if (next === outageAt && outage) {
      outageEndAt = outageAt + outage.durationMs;
      outageAt += outage.everyMs;
      yield { type: 'outage-start', atMs: next, endsAtMs: outageEndAt };
    } else {
      resetAt += nextGap(profile.resetsPerMinute, rng);
      yield { type: 'reset', atMs: next };
    }
  }
}

/** Plays a schedule on a clock: one pending timer at a time, cancelled by `stop`. */
export class LinkScheduler {
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly events: Iterator<LinkScheduleEvent>,
    private readonly clock: Clock,
    private readonly onEvent: (event: LinkScheduleEvent) => void,
  ) {}

  /** Arms the timer for the first event. */
  start(): void {
    this.armNext();
  }

  /** Cancels the pending timer; nothing fires afterwards. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private armNext(): void {
    if (this.stopped) return;
    const next = this.events.next();
    if (next.done) return;
    const event = next.value;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.onEvent(event);
      this.armNext();
    }, Math.max(0, event.atMs - this.clock.now()));
  }
}
