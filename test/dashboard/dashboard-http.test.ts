/**
 * The dashboard's HTTP side on a real server on 127.0.0.1, fed by an in-memory
 * source: JSON endpoints, event-stream framing and coalescing, refusals, and the
 * Control auth hook applied to browsers when the coordinator serves TLS.
 */
import { readFileSync } from 'node:fs';
import http, { type ServerResponse } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import type { TlsMaterial } from '../../common/pki/files';
import { createAuthHook, noAuth, type AuthHook } from '../../services/coordinator/auth/auth-hook';
import { DashboardServer } from '../../services/coordinator/dashboard/dashboard-server';
import { runView } from '../../services/coordinator/dashboard/dashboard-views';
import { DASHBOARD_EVENTS, SSE_KEEPALIVE, SseStream, sseFrame } from '../../services/coordinator/dashboard/sse';
import { pageDir } from '../../services/coordinator/dashboard/static-files';
import { waitFor } from '../../common/wait-for';
import { createTestPki, type TestPki } from '../helpers/pki';
import { FakeDashboardSource, fakeClient, fakeRound, fakeRun } from '../helpers/fake-dashboard-source';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET (or other method) to the dashboard; `tls` dials HTTPS with that client material (or none). */
function request(port: number, path: string, options: { method?: string; host?: string; tls?: Partial<TlsMaterial> & { caPem: string } } = {}): Promise<Reply> {
  const { tls } = options;
  const common = { host: '127.0.0.1', port, path, agent: false, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {} };
  return new Promise((resolve, reject) => {
    const done = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    };
    const req = tls ? https.request({ ...common, ca: tls.caPem, cert: tls.certPem, key: tls.keyPem }, done) : http.request(common, done);
    req.on('error', reject);
    req.end();
  });
}

/** An open event stream: what arrived so far, and how to close it. */
function openStream(port: number): Promise<{ text: () => string; close: () => void; status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      resolve({ text: () => text, close: () => req.destroy(), status: res.statusCode ?? 0, type: String(res.headers['content-type']) });
    });
    req.on('error', reject);
  });
}

/** The data of every event of one name in a stream's text. */
function eventsNamed(text: string, name: string): unknown[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith(`event: ${name}\n`))
    .map((block) => JSON.parse(block.split('\n')[1].replace(/^data: /, '')));
}

describe('dashboard http', () => {
  const servers: DashboardServer[] = [];
  const start = async (source: FakeDashboardSource, over: { auth?: AuthHook; tls?: TlsMaterial; clock?: FakeClock } = {}) => {
    const server = new DashboardServer({ host: '127.0.0.1', port: 0, auth: over.auth ?? noAuth, tls: over.tls, source, clock: over.clock ?? systemClock, logger: silentLogger() });
    servers.push(server);
    return server.start();
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  it('dashboard http - frames an event as its name and one data line of JSON, even when a string holds newlines', () => {
    const frame = sseFrame('run', { reason: 'line one\nline two\r\n<b>' });
    expect(frame).toBe('event: run\ndata: {"reason":"line one\\nline two\\r\\n<b>"}\n\n');
    expect(frame.split('\n').filter((l) => l.startsWith('data:'))).toHaveLength(1);
    expect(SSE_KEEPALIVE.startsWith(':')).toBe(true);
  });

  it('dashboard http - the page listens for every event the stream carries', () => {
    const page = readFileSync(path.join(pageDir(), 'app.js'), 'utf8');
    for (const name of Object.values(DASHBOARD_EVENTS)) expect(page, name).toContain(`events.addEventListener('${name}'`);
  });

  it('dashboard http - cuts off a page that leaves more than its limit unread instead of buffering for it', () => {
    const written: string[] = [];
    let ended = false;
    let closed = 0;
    const res = { writableLength: 0, writeHead: () => res, write: (t: string) => written.push(t), end: () => (ended = true), on: () => res };
    const stream = new SseStream(res as unknown as ServerResponse, 100, () => closed++);
    stream.send(sseFrame('clients', []));
    expect(written).toEqual(['retry: 2000\n\n', 'event: clients\ndata: []\n\n']);
    res.writableLength = 101;
    stream.send(sseFrame('clients', []));
    expect([written.length, ended, closed, stream.open]).toEqual([2, true, 1, false]);
    stream.close();
    expect(closed).toBe(1);
  });

  it('dashboard http - refuses event streams beyond its limit with 429', async () => {
    const server = new DashboardServer({ host: '127.0.0.1', port: 0, auth: noAuth, source: new FakeDashboardSource(), clock: systemClock, logger: silentLogger(), maxStreams: 1 });
    servers.push(server);
    const port = await server.start();
    const first = await openStream(port);
    const second = await request(port, '/api/events');
    expect([second.status, JSON.parse(second.body).error]).toEqual([429, 'the dashboard already serves 1 event streams (close some pages)']);
    first.close();
  });

  it('dashboard http - sends runs without the model topology and counts its parameters instead', () => {
    const view = runView(fakeRun('run-a'));
    expect(view.model).toEqual({ name: 'mlp', inputShape: [784], numClasses: 10, parameters: 784 * 10 + 10 });
  });

  it('dashboard http - answers runs, rounds and clients as JSON from its source, and 404 for unknown runs and paths', async () => {
    const source = new FakeDashboardSource();
    source.runs.set('run-a', fakeRun('run-a'));
    source.rounds.set('run-a', [fakeRound('run-a', 1, [])]);
    source.clientRecords.push(fakeClient('edge-1'));
    const port = await start(source);

    const runs = await request(port, '/api/runs');
    expect(runs.status).toBe(200);
    expect(runs.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(runs.body).map((r: { runId: string }) => r.runId)).toEqual(['run-a']);
    expect(runs.body).not.toContain('topology');
    expect(JSON.parse((await request(port, '/api/runs/run-a')).body).runId).toBe('run-a');
    expect(JSON.parse((await request(port, '/api/runs/run-a/rounds')).body)[0].round).toBe(1);
    expect(JSON.parse((await request(port, '/api/clients')).body)[0].client.clientId).toBe('edge-1');

    const missingRun = await request(port, '/api/runs/run-zz/rounds');
    expect([missingRun.status, JSON.parse(missingRun.body).error]).toEqual([404, 'run run-zz not found']);
    expect((await request(port, '/api/nothing')).status).toBe(404);
    expect((await request(port, '/etc/passwd')).status).toBe(404);
    expect((await request(port, '/../package.json')).status).toBe(404);
    expect((await request(port, '/api/runs/%3Cscript%3E')).status).toBe(400);
  });

  it('dashboard http - serves the page and uPlot with a content security policy that allows no inline script', async () => {
    const port = await start(new FakeDashboardSource());
    const page = await request(port, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('/vendor/uPlot.iife.min.js');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const uplot = await request(port, '/vendor/uPlot.iife.min.js');
    expect(uplot.status).toBe(200);
    expect(uplot.body).toContain('uPlot');
  });

  it('dashboard http - is read-only (405) and on loopback answers no foreign Host header (421, against DNS rebinding)', async () => {
    const port = await start(new FakeDashboardSource());
    const post = await request(port, '/api/runs', { method: 'POST' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await request(port, '/api/runs', { host: 'attacker.example:80' })).status).toBe(421);
    expect((await request(port, '/api/runs', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('dashboard http - streams each run event to every open page as one server-sent event', async () => {
    const source = new FakeDashboardSource();
    const port = await start(source);
    const a = await openStream(port);
    const b = await openStream(port);
    expect([a.status, a.type]).toEqual([200, 'text/event-stream; charset=utf-8']);
    const round = fakeRound('run-a', 1, [{ clientId: 'edge-1', state: 'dropped', reason: 'disconnected', numExamples: 0, bytesDown: 0, bytesUp: 0, selectedAtMs: 1 }]);
    source.runBus.publish({ run: fakeRun('run-a'), round });
    for (const s of [a, b]) {
      const [event] = await waitFor('the run event', () => eventsNamed(s.text(), 'run')[0], 5000, 20).then((e) => [e as { run: { runId: string; model: object }; round: typeof round }]);
      expect(event.run.runId).toBe('run-a');
      expect(event.run.model).not.toHaveProperty('topology');
      expect(event.round).toEqual(round);
    }
    a.close();
    b.close();
  });

  it('dashboard http - coalesces a burst of client changes into one snapshot per second', async () => {
    const clock = new FakeClock();
    const source = new FakeDashboardSource();
    source.clientRecords.push(fakeClient('edge-1'));
    const port = await start(source, { clock });
    const s = await openStream(port);
    await waitFor('the stream to be registered', () => (s.text().startsWith('retry:') ? true : undefined), 5000, 20);
    const snapshots = () => eventsNamed(s.text(), 'clients');
    // A change after a quiet second goes out at once.
    source.fleetChanged();
    clock.advance(0);
    expect(await waitFor('a clients snapshot', () => (snapshots().length ? snapshots() : undefined), 5000, 20)).toEqual([[{ client: fakeClient('edge-1') }]]);
    // A burst within that second (fleet changes and a link estimate) waits out its rest, then is one snapshot.
    clock.advance(200);
    for (let i = 0; i < 5; i++) source.fleetChanged();
    source.linkBus.publish({ type: 'updated' });
    await new Promise((r) => setImmediate(r));
    clock.advance(799);
    await new Promise((r) => setTimeout(r, 50));
    expect(snapshots()).toHaveLength(1);
    clock.advance(1);
    await waitFor('a second snapshot', () => (snapshots().length === 2 ? true : undefined), 5000, 20);
    await new Promise((r) => setTimeout(r, 50));
    expect(snapshots()).toHaveLength(2);
    s.close();
  });

  it('dashboard http - sends the latest state of each changed round once per interval, newest run state last', async () => {
    const clock = new FakeClock();
    const source = new FakeDashboardSource();
    const port = await start(source, { clock });
    const s = await openStream(port);
    await waitFor('the stream to be registered', () => (s.text().startsWith('retry:') ? true : undefined), 5000, 20);
    const client = (state: 'selected' | 'dispatched' | 'finished') => [{ clientId: 'edge-1', state, numExamples: 1, bytesDown: 0, bytesUp: 0, selectedAtMs: 1 }];
    source.runBus.publish({ run: fakeRun('run-a', { updatedAtMs: 1 }), round: fakeRound('run-a', 1, client('selected')) });
    source.runBus.publish({ run: fakeRun('run-b', { updatedAtMs: 2 }), round: fakeRound('run-b', 1, client('selected')) });
    source.runBus.publish({ run: fakeRun('run-a', { updatedAtMs: 3 }), round: fakeRound('run-a', 1, client('dispatched')) });
    source.runBus.publish({ run: fakeRun('run-a', { updatedAtMs: 4 }), round: fakeRound('run-a', 1, client('finished')) });
    await new Promise((r) => setImmediate(r));
    clock.advance(249);
    await new Promise((r) => setTimeout(r, 50));
    expect(eventsNamed(s.text(), 'run')).toEqual([]);
    clock.advance(1);
    const sent = await waitFor('the run events', () => (eventsNamed(s.text(), 'run').length === 2 ? eventsNamed(s.text(), 'run') : undefined), 5000, 20);
    const shown = (sent as Array<{ run: { runId: string; updatedAtMs: number }; round: { clients: Array<{ state: string }> } }>).map((e) => [e.run.runId, e.run.updatedAtMs, e.round.clients[0].state]);
    expect(shown).toEqual([['run-b', 2, 'selected'], ['run-a', 4, 'finished']]);
    s.close();
  });

  it('dashboard http - on an HA standby follows the store once per second and sends only what changed', async () => {
    const clock = new FakeClock();
    const source = new FakeDashboardSource();
    source.standbyNow = true;
    source.runs.set('run-old', fakeRun('run-old', { state: 'completed' }));
    source.runs.set('run-a', fakeRun('run-a'));
    const client = (state: 'dispatched' | 'finished') => [{ clientId: 'edge-1', state, numExamples: 1, bytesDown: 0, bytesUp: 0, selectedAtMs: 1 }];
    source.rounds.set('run-a', [fakeRound('run-a', 1, client('dispatched'))]);
    const port = await start(source, { clock });
    const s = await openStream(port);
    await waitFor('the stream to be registered', () => (s.text().startsWith('retry:') ? true : undefined), 5000, 20);
    const runEvents = () => eventsNamed(s.text(), 'run') as Array<{ run: { runId: string; state: string }; round?: { clients: Array<{ state: string }> } }>;
    /** One poll and the 250 ms gathering after it. */
    const tick = async () => {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 30));
      clock.advance(250);
      await new Promise((r) => setTimeout(r, 30));
    };
    await tick();
    await waitFor('the running run', () => (runEvents().length === 1 ? true : undefined), 5000, 20);
    expect(runEvents().map((e) => [e.run.runId, e.round?.clients[0].state])).toEqual([['run-a', 'dispatched']]);
    await tick();
    expect(runEvents()).toHaveLength(1);
    source.rounds.set('run-a', [fakeRound('run-a', 1, client('finished'))]);
    await tick();
    await waitFor('the change', () => (runEvents().length === 2 ? true : undefined), 5000, 20);
    source.runs.set('run-a', fakeRun('run-a', { state: 'completed', updatedAtMs: 2 }));
    await tick();
    await waitFor('the end of the run', () => (runEvents().length === 3 ? true : undefined), 5000, 20);
    expect(runEvents().map((e) => [e.run.runId, e.run.state, e.round?.clients[0].state])).toEqual([
      ['run-a', 'running', 'dispatched'],
      ['run-a', 'running', 'finished'],
      ['run-a', 'completed', 'finished'],
    ]);
    // A finished run is not read again.
    source.rounds.delete('run-a');
    await tick();
    expect(runEvents()).toHaveLength(3);
    s.close();
  });

  it('dashboard http - stop() ends open streams, unsubscribes and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const source = new FakeDashboardSource();
    const server = new DashboardServer({ host: '127.0.0.1', port: 0, auth: noAuth, source, clock, logger: silentLogger() });
    const port = await server.start();
    let ended = false;
    const ending = new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/events' }, (res) => {
        res.resume();
        res.on('end', () => ((ended = true), resolve()));
      }).on('error', reject);
    });
    await waitFor('the stream to be open', () => (server.streamCount === 1 ? true : undefined), 5000, 20);
    await server.stop();
    await ending;
    expect(ended).toBe(true);
    expect(source.fleetListenerCount).toBe(0);
    expect(clock.pending()).toBe(0);
    await expect(request(port, '/api/runs')).rejects.toThrow(/ECONNREFUSED/);
    await server.stop();
  });

  describe('with TLS', () => {
    let pki: TestPki;
    beforeAll(async () => {
      pki = await createTestPki();
    });
    afterAll(() => pki?.remove());

    it('dashboard http - with TLS asks the Control auth hook: no certificate 401, a device 403, a viewer 200', async () => {
      const source = new FakeDashboardSource();
      source.runs.set('run-a', fakeRun('run-a'));
      const port = await start(source, { tls: pki.coordinator, auth: createAuthHook({ tls: true }) });
      const anonymous = await request(port, '/api/runs', { tls: { caPem: pki.ca.certPem } });
      expect([anonymous.status, JSON.parse(anonymous.body).error]).toEqual([401, "no client certificate issued by this deployment's CA"]);
      const device = await request(port, '/api/runs', { tls: await pki.client('edge-1') });
      expect(device.status).toBe(403);
      expect(JSON.parse(device.body).error).toMatch(/needs an operator certificate/);
      const foreign = await request(port, '/api/runs', { tls: { ...(await pki.foreign({ kind: 'operator', name: 'mallory', role: 'admin' })), caPem: pki.ca.certPem } });
      expect(foreign.status).toBe(401);
      const viewer = await request(port, '/api/runs', { tls: await pki.operator('vera', 'viewer') });
      expect(viewer.status).toBe(200);
      expect(JSON.parse(viewer.body)[0].runId).toBe('run-a');
      expect((await request(port, '/', { tls: await pki.operator('vera', 'viewer') })).status).toBe(200);
      expect((await request(port, '/', { tls: { caPem: pki.ca.certPem } })).status).toBe(401);
    });
  });
});
