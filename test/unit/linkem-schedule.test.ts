import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { createRng } from '../../common/random';
import { LinkScheduler, linkSchedule, type LinkScheduleEvent } from '../../clients/linkem/link-schedule';

function take(events: Iterator<LinkScheduleEvent>, n: number): LinkScheduleEvent[] {
  const out: LinkScheduleEvent[] = [];
  for (let i = 0; i < n; i++) out.push(events.next().value as LinkScheduleEvent);
  return out;
}

describe('linkem failure schedule', () => {
  it('schedule - cuts the link for its duration at every period, starting one period in', () => {
    const events = take(linkSchedule({ outage: { durationMs: 3000, everyMs: 20_000 }, resetsPerMinute: 0 }, createRng(1), 0), 4);
    expect(events).toEqual([
      { type: 'outage-start', atMs: 20_000, endsAtMs: 23_000 },
      { type: 'outage-end', atMs: 23_000 },
      { type: 'outage-start', atMs: 40_000, endsAtMs: 43_000 },
      { type: 'outage-end', atMs: 43_000 },
    ]);
  });

  it('schedule - is the same for the same seed and differs for another seed', () => {
    const profile = { outage: { durationMs: 3000, everyMs: 20_000 }, resetsPerMinute: 2 };
    const a = take(linkSchedule(profile, createRng(7), 0), 30);
    const b = take(linkSchedule(profile, createRng(7), 0), 30);
    const c = take(linkSchedule(profile, createRng(8), 0), 30);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const times = a.map((e) => e.atMs);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('schedule - resets arrive at about the configured mean rate', () => {
    const resets = take(linkSchedule({ outage: null, resetsPerMinute: 1 }, createRng(3), 0), 2000);
    const minutes = resets[resets.length - 1].atMs / 60_000;
    expect(resets.every((e) => e.type === 'reset')).toBe(true);
    expect(resets.length / minutes).toBeGreaterThan(0.9);
    expect(resets.length / minutes).toBeLessThan(1.1);
  });

  it('schedule - is empty for a profile that never fails', () => {
    expect(linkSchedule({ outage: null, resetsPerMinute: 0 }, createRng(1), 0).next().done).toBe(true);
  });

  it('scheduler - fires the events at their times on the clock and leaves no timer after stop', () => {
    const clock = new FakeClock(0);
    const fired: Array<[string, number]> = [];
    const scheduler = new LinkScheduler(linkSchedule({ outage: { durationMs: 1000, everyMs: 5000 }, resetsPerMinute: 0 }, createRng(1), 0), clock, (e) =>
      fired.push([e.type, clock.now()]),
    );
    scheduler.start();
    clock.advance(11_000);
    expect(fired).toEqual([
      ['outage-start', 5000],
      ['outage-end', 6000],
      ['outage-start', 10_000],
      ['outage-end', 11_000],
    ]);
    scheduler.stop();
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(fired).toHaveLength(4);
  });
});
