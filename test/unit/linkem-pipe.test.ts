import { PassThrough, Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { createRng } from '../../common/random';
import { LinkPipe, type DirectionShape } from '../../clients/linkem/link-pipe';
import { TokenBucket } from '../../clients/linkem/token-bucket';

function recordingSink(clock: FakeClock): { sink: Writable; received: Array<{ at: number; data: Buffer }>; ended: () => boolean } {
  const received: Array<{ at: number; data: Buffer }> = [];
  let ended = false;
  const sink = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _enc, cb) {
      received.push({ at: clock.now(), data: chunk });
      cb();
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  return { sink, received, ended: () => ended };
}

function shape(clock: FakeClock, over: Partial<DirectionShape> & { rate?: number; burst?: number } = {}): DirectionShape {
  return {
    latencyMs: 50,
    jitterMs: 0,
    sliceBytes: 1024,
    highWaterBytes: 1 << 20,
    bucket: new TokenBucket({ rateBytesPerSec: over.rate ?? 0, burstBytes: over.burst ?? 1024, clock }),
    ...over,
  };
}

describe('linkem link pipe', () => {
  it('pipe - delays every chunk by the latency and hands over the bytes unchanged', async () => {
    const clock = new FakeClock(0);
    const source = new PassThrough();
    const { sink, received } = recordingSink(clock);
    const s = shape(clock);
    const pipe = new LinkPipe({ source, sink, clock, rng: createRng(1), shape: () => s });
    pipe.start();
    source.write(Buffer.from('hello'));
    await tick();
    clock.advance(49);
    expect(received).toHaveLength(0);
    clock.advance(1);
    await tick();
    expect(received.map((r) => [r.at, r.data.toString()])).toEqual([[50, 'hello']]);
    pipe.stop();
  });

  it('pipe - keeps chunks in order under jitter larger than the gap between them', async () => {
    const clock = new FakeClock(0);
    const source = new PassThrough();
    const { sink, received } = recordingSink(clock);
    const s = shape(clock, { latencyMs: 100, jitterMs: 80 });
    const pipe = new LinkPipe({ source, sink, clock, rng: createRng(42), shape: () => s });
    pipe.start();
    const sent: number[] = [];
    for (let i = 0; i < 200; i++) {
      sent.push(i);
      source.write(Buffer.from([i]));
      await tick();
      clock.advance(1);
    }
    clock.advance(500);
    await tick();
    expect(received.map((r) => r.data[0])).toEqual(sent);
    const times = received.map((r) => r.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // Jitter really varied the delay: not every chunk arrived exactly 100 ms after it was sent.
    expect(new Set(received.map((r, i) => r.at - i)).size).toBeGreaterThan(10);
    expect(clock.pending()).toBe(0);
    pipe.stop();
  });

  it('pipe - paces bytes at the bucket rate in slices', async () => {
    const clock = new FakeClock(0);
    const source = new PassThrough();
    const { sink, received } = recordingSink(clock);
    const s = shape(clock, { latencyMs: 0, rate: 10_000, burst: 1000, sliceBytes: 1000 });
    const pipe = new LinkPipe({ source, sink, clock, rng: createRng(1), shape: () => s });
    pipe.start();
    source.write(Buffer.alloc(10_000, 7));
    await tick();
    clock.advance(450);
    const byHalfSecond = received.reduce((n, r) => n + r.data.length, 0);
    expect(byHalfSecond).toBe(5000); // the burst at once, then 1000 bytes per 100 ms
    clock.advance(1000);
    expect(received.reduce((n, r) => n + r.data.length, 0)).toBe(10_000);
    expect(received.every((r) => r.data.length === 1000)).toBe(true);
    pipe.stop();
  });

  it('pipe - pauses the source above the high-water mark and resumes it once half has drained', async () => {
    const clock = new FakeClock(0);
    const source = new PassThrough();
    const { sink } = recordingSink(clock);
    const s = shape(clock, { latencyMs: 0, rate: 1000, burst: 1000, sliceBytes: 1000, highWaterBytes: 4000 });
    const pipe = new LinkPipe({ source, sink, clock, rng: createRng(1), shape: () => s });
    pipe.start();
    source.write(Buffer.alloc(6000));
    await tick();
    expect(source.isPaused()).toBe(true);
    expect(pipe.inFlightBytes).toBe(5000);
    clock.advance(3000);
    expect(source.isPaused()).toBe(false);
    pipe.stop();
  });

  it('pipe - relays the end of the stream only after the last byte', async () => {
    const clock = new FakeClock(0);
    const source = new PassThrough();
    const { sink, received, ended } = recordingSink(clock);
    const s = shape(clock);
    const pipe = new LinkPipe({ source, sink, clock, rng: createRng(1), shape: () => s });
    pipe.start();
    source.end(Buffer.from('last words'));
    await tick();
    expect(ended()).toBe(false);
    clock.advance(50);
    await tick();
    expect(received.map((r) => r.data.toString())).toEqual(['last words']);
    expect(ended()).toBe(true);
  });

  it('pipe - stop drops what is in flight and cancels its timer', async () => {
    const clock = new FakeClock(0);
    const source = new PassThrough();
    const { sink, received } = recordingSink(clock);
    const s = shape(clock);
    const pipe = new LinkPipe({ source, sink, clock, rng: createRng(1), shape: () => s });
    pipe.start();
    source.write(Buffer.from('never'));
    await tick();
    expect(clock.pending()).toBe(1);
    pipe.stop();
    expect(clock.pending()).toBe(0);
    clock.advance(1000);
    expect(received).toHaveLength(0);
  });
});
