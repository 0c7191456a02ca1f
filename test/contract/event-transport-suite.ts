/**
 * The one contract every EventTransport passes (embedded and NATS), Flower's
 * "one state test suite for every backend" applied to event buses. A backend
 * is given as a fixture that builds transports and can inject raw bytes the
 * way a foreign publisher would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { CoordinatorObservation, LinkReport } from '../../common/link';
import type { EventTransport, TransportMessage } from '../../common/events/event-transport';
import {
  encodeLinkReport,
  encodeObservation,
  encodePresence,
  encodeRoundEvent,
  parseLinkReport,
  parseObservation,
  parsePresence,
  parseRoundEvent,
  type PresenceEvent,
  type RoundLifecycleEvent,
} from '../../common/events/payloads';
import {
  ALL_LINK,
  ALL_OBSERVATIONS,
  ALL_PRESENCE,
  ALL_ROUND_EVENTS,
  linkSubject,
  observationSubject,
  presenceSubject,
  roundEventSubject,
} from '../../common/events/subjects';

/** One backend under test. */
export interface TransportBackend {
  /** A new, not yet started transport connected to the backend. */
  create(options?: { maxBacklog?: number }): EventTransport;
  /** Publishes raw bytes on a subject as a foreign client would, and returns once they were sent. */
  publishRaw(subject: string, data: Uint8Array): Promise<void>;
  /** Releases the backend (server, broker). */
  close(): Promise<void>;
}

const TIMEOUT_MS = 5000;

/** Next value of an iterator, or an error after a timeout (never hangs the suite). */
async function next<T>(it: AsyncIterator<T>, what = 'a message'): Promise<IteratorResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS)));
  try {
    return await Promise.race([it.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads messages until one on `subject` arrives; returns those before it. */
async function until(it: AsyncIterator<TransportMessage>, subject: string): Promise<TransportMessage[]> {
  const seen: TransportMessage[] = [];
  for (;;) {
    const r = await next(it, `a message on ${subject}`);
    if (r.done) throw new Error(`subscription ended before a message on ${subject}`);
    if (r.value.subject === subject) return seen;
    seen.push(r.value);
  }
}

/**
 * Proves the subscription is registered at the server: a message published on
 * the same connection after it was set up has come back through it.
 */
async function settled(t: EventTransport, it: AsyncIterator<TransportMessage>, subject: string): Promise<void> {
  t.publish(subject, { marker: true });
  await until(it, subject);
}

const handles = (): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
};

/** Runs the event transport contract against `name`'s backend. */
export function eventTransportContract(name: string, makeBackend: () => Promise<TransportBackend>): void {
  describe(`event transport (${name})`, () => {
    let backend: TransportBackend;
    const started: EventTransport[] = [];

    beforeAll(async () => {
      backend = await makeBackend();
    });
    afterEach(async () => {
      await Promise.all(started.splice(0).map((t) => t.stop()));
    });
    afterAll(async () => {
      await backend?.close();
    });

    async function startTransport(options?: { maxBacklog?: number }): Promise<EventTransport> {
      const t = backend.create(options);
      started.push(t);
      await t.start();
      return t;
    }

    it('round-trips presence, link report, observation and round event payloads', async () => {
      const t = await startTransport();
      const subs = [ALL_PRESENCE, ALL_LINK, ALL_OBSERVATIONS, ALL_ROUND_EVENTS].map((s) => t.subscribe(s)[Symbol.asyncIterator]());
      const presence: PresenceEvent = { clientId: 'edge.1:a', status: 'draining', atMs: 1_700_000_000_000 };
      const link: LinkReport = { clientId: 'edge.1:a', measuredAtMs: 1_700_000_000_001, radio: '5g-sa', slice: 'embb', rttMs: 12.5, upMbps: 40, loss: 0.01, battery: 0.8, charging: false };
      const observation: CoordinatorObservation = { kind: 'transfer', clientId: 'edge.1:a', atMs: 1_700_000_000_002, direction: 'up', bytes: 1_000_000, seconds: 0.25 };
      const round: RoundLifecycleEvent = { type: 'client-dropped', runId: 'run-1a2b', round: 3, attempt: 0, clientId: 'edge.1:a', reason: 'deadline', atMs: 1_700_000_000_003 };

      t.publish(presenceSubject(presence.clientId), encodePresence(presence));
      t.publish(linkSubject(link.clientId), encodeLinkReport(link));
      t.publish(observationSubject(observation.clientId), encodeObservation(observation));
      t.publish(roundEventSubject(round.runId), encodeRoundEvent(round));

      const [p, l, o, r] = await Promise.all(subs.map((s) => next(s)));
      expect(p.value).toEqual({ subject: presenceSubject('edge.1:a'), payload: expect.anything() });
      expect(parsePresence(p.value.payload)).toEqual(presence);
      expect(l.value.subject).toBe(linkSubject('edge.1:a'));
      expect(parseLinkReport(l.value.payload)).toEqual(link);
      expect(o.value.subject).toBe(observationSubject('edge.1:a'));
      expect(parseObservation(o.value.payload)).toEqual(observation);
      expect(r.value.subject).toBe(roundEventSubject('run-1a2b'));
      expect(parseRoundEvent(r.value.payload)).toEqual(round);
      expect(t.stats()).toMatchObject({ published: 4, received: 4, malformed: 0, connected: true });
    });

    it('delivers between two transports of one backend', async () => {
      const sender = await startTransport();
      const receiver = await startTransport();
      const it = receiver.subscribe('t.cross.>')[Symbol.asyncIterator]();
      await settled(receiver, it, 't.cross.ready');
      sender.publish('t.cross.hello', { from: 'sender' });
      expect((await next(it)).value).toEqual({ subject: 't.cross.hello', payload: { from: 'sender' } });
    });

    it('delivers wildcard subscriptions: * matches one token, > one or more trailing tokens', async () => {
      const t = await startTransport();
      const star = t.subscribe('w.client.*.presence')[Symbol.asyncIterator]();
      const tail = t.subscribe('w.run.>')[Symbol.asyncIterator]();
      for (const s of ['w.client.a.presence', 'w.client.a.b.presence', 'w.client.a.link', 'w.client.presence', 'w.run', 'w.run.x', 'w.run.x.round', 'w.other.x']) t.publish(s, { s });
      t.publish('w.client.end.presence', {});
      t.publish('w.run.end', {});
      expect((await until(star, 'w.client.end.presence')).map((m) => m.subject)).toEqual(['w.client.a.presence']);
      expect((await until(tail, 'w.run.end')).map((m) => m.subject)).toEqual(['w.run.x', 'w.run.x.round']);
    });

    it('preserves the order of one publisher', async () => {
      const t = await startTransport();
      const it = t.subscribe('o.seq')[Symbol.asyncIterator]();
      for (let i = 0; i < 500; i++) t.publish('o.seq', { i });
      for (let i = 0; i < 500; i++) expect((await next(it)).value?.payload).toEqual({ i });
    });

    it("bounds a slow subscriber's backlog, dropping and counting the oldest", async () => {
      const t = await startTransport({ maxBacklog: 10 });
      const sub = t.subscribe('b.x');
      for (let i = 0; i < 30; i++) t.publish('b.x', { i });
      const deadline = Date.now() + TIMEOUT_MS;
      while (t.stats().received < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(t.stats()).toMatchObject({ received: 30, dropped: 20 });
      const it = sub[Symbol.asyncIterator]();
      for (let i = 20; i < 30; i++) expect((await next(it)).value?.payload).toEqual({ i });
    });

    it('counts and drops a message that is not JSON without ending the subscription', async () => {
      const t = await startTransport();
      const it = t.subscribe('m.>')[Symbol.asyncIterator]();
      await settled(t, it, 'm.ready');
      await backend.publishRaw('m.bad', new TextEncoder().encode('{not json'));
      await backend.publishRaw('m.bad', new Uint8Array([0xff, 0xfe, 0x7b]));
      await backend.publishRaw('m.good', new TextEncoder().encode('{"ok":true}'));
      expect((await next(it)).value).toEqual({ subject: 'm.good', payload: { ok: true } });
      expect(t.stats().malformed).toBe(2);
    });

    it('rejects invalid subjects with InvalidArgumentError and unencodable payloads too', async () => {
      const t = await startTransport();
      for (const bad of ['', 'a..b', 'a.*', 'a.>', 'a b', 'a.b*']) expect(() => t.publish(bad, {})).toThrow(InvalidArgumentError);
      for (const bad of ['', 'a.>.b', 'a.b*', '.a']) expect(() => t.subscribe(bad)).toThrow(InvalidArgumentError);
      expect(() => t.publish('a.b', undefined)).toThrow(InvalidArgumentError);
      expect(() => t.publish('a.b', { n: 1n })).toThrow(InvalidArgumentError);
    });

    it('ends iteration on close() and delivers nothing after it', async () => {
      const t = await startTransport();
      const closing = t.subscribe('c.x');
      const other = t.subscribe('c.x')[Symbol.asyncIterator]();
      const it = closing[Symbol.asyncIterator]();
      const pending = it.next();
      closing.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      t.publish('c.x', { after: true });
      expect((await next(other)).value?.payload).toEqual({ after: true });
      expect((await it.next()).done).toBe(true);
    });

    it('stops idempotently, ends subscriptions and status iterators, and leaves no handles open', async () => {
      const before = handles();
      const t = backend.create();
      await t.start();
      const sub = t.subscribe('s.x')[Symbol.asyncIterator]();
      const status = t.status()[Symbol.asyncIterator]();
      const pendingSub = sub.next();
      const pendingStatus = status.next();
      await t.stop();
      await t.stop();
      expect((await pendingSub).done).toBe(true);
      expect((await pendingStatus).done).toBe(true);
      expect(t.stats().connected).toBe(false);
      expect(() => t.publish('s.x', {})).not.toThrow();
      expect((await t.subscribe('s.x')[Symbol.asyncIterator]().next()).done).toBe(true);
      // Sockets close asynchronously after stop(); give them a moment. Handles of earlier
      // tests may still be closing too, so "nothing more than before" is the property.
      const leaked = () => Object.entries(handles()).filter(([kind, n]) => n > (before[kind] ?? 0));
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && leaked().length) await new Promise((r) => setTimeout(r, 20));
      expect(Object.fromEntries(leaked())).toEqual({});
    });
  });
}
