/** NatsTransport credentials: user/password and token reach the server, and never the logs. */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../common/wait-for';
import { EmbeddedTransport } from '../../common/events/embedded-transport';
import type { EventTransport } from '../../common/events/event-transport';
import { createEventTransport, NatsTransport } from '../../common/events/nats-transport';
import { credentialsFromUrl } from '../../common/events/nats-url';
import { startNatsServer } from '../helpers/nats-server';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A debug-level logger that keeps every line, to look for secrets in. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') };
}

async function roundTrip(t: EventTransport): Promise<unknown> {
  const it = t.subscribe('auth.x')[Symbol.asyncIterator]();
  t.publish('auth.x', { ok: 1 });
  return (await it.next()).value?.payload;
}

describe('nats transport credentials', () => {
  it('connects with user and password and keeps retrying, without logging secrets, when they are wrong', async () => {
    const nats = await startNatsServer({ args: ['--user', 'fed', '--pass', 's3cret-pass'] });
    cleanups.push(() => nats.stop());

    const wrong = capturingLogger();
    const bad = new NatsTransport({ servers: nats.url, user: 'fed', pass: 'wr0ng-pass', logger: wrong.logger, reconnectTimeWaitMs: 100 });
    cleanups.push(() => bad.stop());
    await bad.start();
    expect(bad.stats().connected).toBe(false);
    await waitFor('a few retries', () => (wrong.text().split('cannot connect to NATS').length > 2 ? true : undefined), 5000, 20);
    expect(() => bad.publish('auth.x', {})).not.toThrow();
    expect(wrong.text()).not.toContain('wr0ng-pass');

    const right = capturingLogger();
    const good = new NatsTransport({ servers: `nats://fed:s3cret-pass@127.0.0.1:${nats.port}`, logger: right.logger });
    cleanups.push(() => good.stop());
    await good.start();
    expect(good.stats().connected).toBe(true);
    expect(await roundTrip(good)).toEqual({ ok: 1 });
    await good.stop();
    expect(right.text()).toContain('connected to NATS');
    expect(right.text()).not.toContain('s3cret-pass');
  });

  it('connects with a token given to createEventTransport', async () => {
    const nats = await startNatsServer({ args: ['--auth', 't0ken-value'] });
    cleanups.push(() => nats.stop());
    const t = createEventTransport({ nats: { url: ` ${nats.url} , `, token: 't0ken-value' }, name: 'token-test' });
    cleanups.push(() => t.stop());
    expect(t.kind).toBe('nats');
    await t.start();
    expect(await roundTrip(t)).toEqual({ ok: 1 });
  });

  it('createEventTransport falls back to the embedded transport without a NATS URL', () => {
    expect(createEventTransport({})).toBeInstanceOf(EmbeddedTransport);
    expect(createEventTransport({ nats: { url: '  ' } }).kind).toBe('embedded');
  });
});

describe('nats url credentials', () => {
  it('splits user, password or token out of a server URL', () => {
    expect(credentialsFromUrl('nats://127.0.0.1:4222')).toEqual({ server: 'nats://127.0.0.1:4222' });
    expect(credentialsFromUrl('nats://fed:p%40ss@host:4222')).toEqual({ server: 'nats://host:4222', user: 'fed', pass: 'p@ss' });
    expect(credentialsFromUrl('tls://tok@host')).toEqual({ server: 'tls://host', token: 'tok' });
    expect(credentialsFromUrl('host:4222')).toEqual({ server: 'host:4222' });
  });
});
