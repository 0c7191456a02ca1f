/**
 * NATS down must degrade, not break: a NatsTransport on a real nats-server
 * survives the server being killed and restarted on the same port, without
 * restarting itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../common/wait-for';
import type { TransportMessage, TransportStatus } from '../../common/events/event-transport';
import { NatsTransport } from '../../common/events/nats-transport';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<NatsServerHandle> {
  const s = await startNatsServer();
  cleanups.push(() => s.stop());
  return s;
}

function transport(url: string, extra: Partial<ConstructorParameters<typeof NatsTransport>[0]> = {}): NatsTransport {
  const t = new NatsTransport({ servers: url, reconnectTimeWaitMs: 100, name: 'outage-test', ...extra });
  cleanups.push(() => t.stop());
  return t;
}

/** Records every status change in the background (ends when the transport stops). */
function recordStatus(t: NatsTransport): TransportStatus['type'][] {
  const seen: TransportStatus['type'][] = [];
  // A local bus's iterator only ends (at stop), it never throws.
  void (async () => {
    for await (const s of t.status()) seen.push(s.type);
  })();
  return seen;
}

/** Collects received messages in the background. */
function collect(iterable: AsyncIterable<TransportMessage>): TransportMessage[] {
  const got: TransportMessage[] = [];
  // A local queue's iterator only ends (at stop), it never throws.
  void (async () => {
    for await (const m of iterable) got.push(m);
  })();
  return got;
}

/** waitFor treats any value but undefined as done, so a false condition must become undefined. */
const when = (condition: boolean) => (condition ? true : undefined);

describe('nats transport outage', () => {
  it('keeps publishing through a server crash and resumes delivery on the same subscription after a restart', async () => {
    const nats = await server();
    const t = transport(nats.url);
    const status = recordStatus(t);
    await t.start();
    const got = collect(t.subscribe('outage.>'));
    t.publish('outage.before', { n: 0 });
    await waitFor('the message before the outage', () => when(got.length === 1), 5000, 20);

    await nats.kill();
    await waitFor('disconnected and reconnecting', () => when(status.includes('disconnected') && status.includes('reconnecting')), 5000, 20);
    expect(t.stats().connected).toBe(false);
    expect(() => {
      for (let i = 1; i <= 5; i++) t.publish('outage.during', { n: i });
    }).not.toThrow();

    await nats.restart();
    await waitFor('reconnected', () => when(status.includes('reconnected')), 10_000, 20);
    expect(t.stats().connected).toBe(true);
    t.publish('outage.after', { n: 6 });

    // The client re-sent the subscription; the transport then sent what it held during the outage, in order.
    await waitFor('the message after the outage', () => when(got.some((m) => m.subject === 'outage.after')), 5000, 20);
    expect(got.map((m) => (m.payload as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(t.stats()).toMatchObject({ dropped: 0, malformed: 0 });
  });

  it('holds at most maxBufferedBytes during an outage, dropping and counting the oldest', async () => {
    const nats = await server();
    const t = transport(nats.url, { maxBufferedBytes: 1000 });
    const status = recordStatus(t);
    await t.start();
    const got = collect(t.subscribe('flood.x'));
    await nats.kill();
    await waitFor('disconnected', () => when(status.includes('disconnected')), 5000, 20);
    for (let i = 0; i < 50; i++) t.publish('flood.x', { i, pad: 'x'.repeat(80) });
    const dropped = t.stats().dropped;
    expect(dropped).toBeGreaterThan(35);

    await nats.restart();
    await waitFor('the held messages', () => when(got.length === 50 - dropped), 10_000, 20);
    expect(got.map((m) => (m.payload as { i: number }).i)).toEqual(Array.from({ length: 50 - dropped }, (_, k) => dropped + k));
    expect(t.stats()).toMatchObject({ published: 50 - dropped, dropped });
  });

  it('starts while the server is down, then connects in the background and delivers to earlier subscriptions', async () => {
    const nats = await server();
    await nats.kill();
    const t = transport(nats.url);
    const status = recordStatus(t);
    const began = Date.now();
    await t.start();
    expect(Date.now() - began).toBeLessThan(3000);
    expect(t.stats().connected).toBe(false);
    const got = collect(t.subscribe('late.x'));
    expect(() => t.publish('late.x', { early: true })).not.toThrow();

    await nats.restart();
    await waitFor('connected', () => when(status.includes('connected')), 10_000, 20);
    t.publish('late.x', { late: true });
    await waitFor('both messages', () => when(got.length === 2), 5000, 20);
    expect(got).toEqual([
      { subject: 'late.x', payload: { early: true } },
      { subject: 'late.x', payload: { late: true } },
    ]);
    expect(t.stats()).toMatchObject({ published: 2, dropped: 0, connected: true });
  });
});
