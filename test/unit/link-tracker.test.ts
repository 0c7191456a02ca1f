import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { LinkTracker, type LinkTrackerEvent } from '../../services/coordinator/link/link-tracker';

function setup() {
  const clock = new FakeClock();
  const tracker = new LinkTracker({ clock, alpha: 0.5, staleAfterMs: 10_000, offlineAfterMs: 20_000, sweepEveryMs: 1000 });
  tracker.start();
  return { clock, tracker };
}

describe('link tracker', () => {
  it('link tracker - smooths reports with an exponentially weighted moving average', () => {
    const { tracker } = setup();
    tracker.report({ clientId: 'a', measuredAtMs: 0, radio: 'lte', rttMs: 40, upMbps: 8, downMbps: 30, loss: 0 });
    tracker.report({ clientId: 'a', measuredAtMs: 0, radio: 'lte', rttMs: 80, upMbps: 4, loss: 0.2, resets: 2 });
    const e = tracker.get('a')!;
    expect(e.rttMs).toBe(60);
    expect(e.upMbps).toBe(6);
    expect(e.downMbps).toBe(30);
    expect(e.loss).toBeCloseTo(0.1, 10);
    expect(e.resets).toBe(2);
    expect(e.radio).toBe('lte');
    expect(e.presence).toBe('online');
    tracker.stop();
  });

  it('link tracker - counts tracked clients by presence as the sweep moves them offline', () => {
    const { clock, tracker } = setup();
    tracker.report({ clientId: 'a', measuredAtMs: 0, radio: 'lte', rttMs: 40 });
    clock.advance(15_000);
    tracker.report({ clientId: 'b', measuredAtMs: 0, radio: 'wifi', rttMs: 10 });
    tracker.report({ clientId: 'c', measuredAtMs: 0, radio: 'wifi', rttMs: 10 });
    clock.advance(6000);
    expect(Object.fromEntries(tracker.presenceCounts())).toEqual({ offline: 1, online: 2 });
    expect(tracker.list().filter((e) => e.presence === 'offline').map((e) => e.clientId)).toEqual(['a']);
    tracker.stop();
  });

  it('link tracker - turns transfer observations into throughput and RTT samples into jitter', () => {
    const { tracker } = setup();
    tracker.observe({ kind: 'transfer', clientId: 'a', atMs: 0, direction: 'up', bytes: 1_000_000, seconds: 2 });
    tracker.observe({ kind: 'transfer', clientId: 'a', atMs: 0, direction: 'down', bytes: 5_000_000, seconds: 1 });
    tracker.observe({ kind: 'heartbeat-rtt', clientId: 'a', atMs: 0, rttMs: 100 });
    tracker.observe({ kind: 'heartbeat-rtt', clientId: 'a', atMs: 0, rttMs: 140 });
    const e = tracker.get('a')!;
    expect(e.upMbps).toBe(4);
    expect(e.downMbps).toBe(40);
    expect(e.rttMs).toBe(120);
    expect(e.jitterMs).toBe(40);
    tracker.stop();
  });

  it('link tracker - a broken-off transfer bounds the throughput from above: it lowers an estimate, never raises it', () => {
    const { tracker } = setup();
    // Nothing known yet: the bound is the estimate (1 MiB in 20 s ≈ 0.42 Mbit/s).
    tracker.observe({ kind: 'transfer', clientId: 'slow', atMs: 0, direction: 'up', bytes: 1 << 20, seconds: 20, bound: true });
    expect(tracker.get('slow')!.upMbps).toBeCloseTo(0.419, 3);
    // A known fast link is not lowered by a bound above it, and is by one below it.
    tracker.observe({ kind: 'transfer', clientId: 'fast', atMs: 0, direction: 'up', bytes: 5_000_000, seconds: 1 });
    tracker.observe({ kind: 'transfer', clientId: 'fast', atMs: 0, direction: 'up', bytes: 50_000_000, seconds: 1, bound: true });
    expect(tracker.get('fast')!.upMbps).toBe(40);
    tracker.observe({ kind: 'transfer', clientId: 'fast', atMs: 0, direction: 'up', bytes: 1_000_000, seconds: 1, bound: true });
    expect(tracker.get('fast')!.upMbps).toBe(8);
    tracker.stop();
  });

  it('link tracker - marks an estimate stale, then the client offline after the patience, and back online when heard', async () => {
    const { clock, tracker } = setup();
    const events: LinkTrackerEvent[] = [];
    const sub = tracker.events();
    const collecting = (async () => {
      for await (const ev of sub) events.push(ev);
    })();
    tracker.report({ clientId: 'a', measuredAtMs: 0, radio: 'wifi', rttMs: 5 });
    clock.advance(9000);
    expect(tracker.get('a')!.stale).toBe(false);
    clock.advance(1000);
    expect(tracker.get('a')).toMatchObject({ stale: true, presence: 'online' });
    clock.advance(10_000);
    expect(tracker.get('a')!.presence).toBe('offline');
    tracker.observe({ kind: 'heartbeat-rtt', clientId: 'a', atMs: clock.now(), rttMs: 6 });
    expect(tracker.get('a')).toMatchObject({ stale: false, presence: 'online' });
    tracker.stop();
    await collecting;
    const kinds = events.map((e) => (e.type === 'presence' ? `presence:${e.previous}->${e.estimate.presence}` : e.type));
    expect(kinds).toEqual(['presence:unknown->online', 'updated', 'stale', 'presence:online->offline', 'presence:offline->online', 'updated']);
    expect(clock.pending()).toBe(0);
  });

  it('link tracker - a disconnect counts and marks the client offline at once', () => {
    const { tracker } = setup();
    tracker.presence('a', 'online');
    tracker.observe({ kind: 'disconnect', clientId: 'a', atMs: 0, reason: 'stream ended' });
    expect(tracker.get('a')).toMatchObject({ presence: 'offline', disconnects: 1 });
    tracker.stop();
  });

  it('link tracker - forgets a client silent for the forget-after time, and keeps one that is still heard', () => {
    const clock = new FakeClock();
    const tracker = new LinkTracker({ clock, staleAfterMs: 10_000, offlineAfterMs: 20_000, forgetAfterMs: 60_000, sweepEveryMs: 1000 });
    tracker.start();
    tracker.report({ clientId: 'quiet', measuredAtMs: 0, radio: 'lte' });
    tracker.report({ clientId: 'chatty', measuredAtMs: 0, radio: 'wifi' });
    clock.advance(59_000);
    tracker.observe({ kind: 'heartbeat-rtt', clientId: 'chatty', atMs: clock.now(), rttMs: 10 });
    expect(tracker.get('quiet')).toMatchObject({ presence: 'offline', stale: true });
    clock.advance(1000);
    expect(tracker.get('quiet')).toBeUndefined();
    expect(tracker.get('chatty')).toBeDefined();
    expect(tracker.stats()).toEqual({ tracked: 1, forgotten: 1, refused: 0 });
    // Heard of again, it comes back as new.
    tracker.report({ clientId: 'quiet', measuredAtMs: 0, radio: 'lte' });
    expect(tracker.get('quiet')).toMatchObject({ presence: 'online', samples: 1 });
    tracker.stop();
    expect(clock.pending()).toBe(0);
  });

  it('link tracker - refuses and counts new ids beyond max clients, and has room again once one is forgotten', () => {
    const clock = new FakeClock();
    const tracker = new LinkTracker({ clock, forgetAfterMs: 60_000, maxClients: 1000, sweepEveryMs: 1000 });
    tracker.start();
    for (let i = 0; i < 1500; i++) tracker.report({ clientId: `fake-${i}`, measuredAtMs: 0, radio: 'lte' });
    expect(tracker.stats()).toEqual({ tracked: 1000, forgotten: 0, refused: 500 });
    // Known ids still update; only new ones are refused.
    tracker.report({ clientId: 'fake-0', measuredAtMs: 0, radio: 'wifi' });
    expect(tracker.get('fake-0')!.radio).toBe('wifi');
    tracker.presence('honest', 'online');
    tracker.observe({ kind: 'heartbeat-rtt', clientId: 'honest', atMs: 0, rttMs: 5 });
    expect(tracker.get('honest')).toBeUndefined();
    expect(tracker.stats().refused).toBe(502);
    clock.advance(60_000);
    expect(tracker.stats()).toMatchObject({ tracked: 0, forgotten: 1000 });
    tracker.presence('honest', 'online');
    expect(tracker.get('honest')).toBeDefined();
    tracker.stop();
  });
});
