/**
 * Security: the "No limits" attacks of issue 10 replayed against a real
 * coordinator on 127.0.0.1 (small limits, bounded loops): each is refused
 * with the exact status naming its flag, and a run in progress still commits
 * with the honest clients.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { loadFedlinkProto } from '../../proto/loader';
import type { ControlClient } from '../../proto/gen/fedlink/v1/Control';
import type { CoordinatorMessage__Output } from '../../proto/gen/fedlink/v1/CoordinatorMessage';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { Hello } from '../../proto/gen/fedlink/v1/Hello';
import type { TaskAssignment__Output } from '../../proto/gen/fedlink/v1/TaskAssignment';
import { runCli, waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';
import { RawFleetClient, updateChunks } from '../helpers/raw-fleet-client';

const PARAMS = 199_210;
const LIMITS = {
  maxConnections: 20,
  maxStreamsPerConnection: 16,
  connectionIdleMs: 1500,
  handshakeTimeoutMs: 500,
  uploadIdleMs: 1000,
  maxPendingUploads: 6,
  maxPendingUploadsPerClient: 2,
  maxActiveRuns: 2,
  maxNumExamples: 1000,
  forgetClientsAfterMs: 1500,
  maxKnownClients: 40,
};
const ESC = /\u001b|\\u001b|\u009b|\\u009b/;

describe('security limits', () => {
  let coordinator: Coordinator;
  let address: string;
  let honest: RawFleetClient[] = [];
  let fleet: FleetClient;
  let control: ControlClient;
  const logLines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, clientTimeoutMs: 600_000, limits: LIMITS }, pino({ level: 'debug' }, sink));
    address = `127.0.0.1:${coordinator.port}`;
    // Honest clients declare 100 examples each (raw clients send no heartbeats: hence the long client timeout).
    honest = [new RawFleetClient(address, 'honest-a'), new RawFleetClient(address, 'honest-b')];
    for (const c of honest) await c.connect(100);
    const { proto } = loadFedlinkProto();
    fleet = new proto.fedlink.v1.Fleet(address, grpc.credentials.createInsecure()) as FleetClient;
    control = new proto.fedlink.v1.Control(address, grpc.credentials.createInsecure()) as ControlClient;
  });

  afterAll(async () => {
    for (const c of honest) c.close();
    fleet?.close();
    control?.close();
    await coordinator?.stop();
  });

  /** A run both honest clients are selected for; resolves with their tasks. */
  async function startRun(): Promise<{ runId: string; tasks: TaskAssignment__Output[] }> {
    for (const c of honest) c.received.length = 0;
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ clientsPerRound: 2, minClients: 2, acceptFailures: false })));
    const tasks = await Promise.all(honest.map((c) => c.nextTask()));
    for (const t of tasks) expect(t.runId).toBe(run.runId);
    return { runId: run.runId, tasks };
  }

  /** The honest clients' updates (examples each) and results; resolves once the run has committed. */
  async function commitHonestly(runId: string, tasks: TaskAssignment__Output[], skip: string[] = []): Promise<void> {
    for (const [i, c] of honest.entries()) {
      if (skip.includes(c.clientId)) continue;
      const chunks = updateChunks(tasks[i], new Float32Array(PARAMS).fill(0.01), { examples: 50 });
      expect(await c.push(chunks)).toEqual({ code: status.OK, details: '' });
      c.send({ result: { taskId: tasks[i].taskId, runId, round: 1, transferId: chunks[0].header!.transferId, numExamples: 50 } });
    }
    const run = await waitFor('the run to end', async () => {
      const r = await coordinator.manager.getRun(runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 30_000, 50);
    expect({ state: run.state, reason: run.reason }).toEqual({ state: 'completed', reason: undefined });
    expect(run.committedRounds).toBe(1);
  }

  /** Opens Connect with `hello`; resolves with the status the coordinator ended it with, or OK on welcome. */
  function hello(metadataId: string, h: Hello): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      const md = new grpc.Metadata();
      md.set('fedlink-client-id', metadataId);
      const s = fleet.connect(md);
      s.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
      s.on('data', (m: CoordinatorMessage__Output) => {
        if (m.welcome) {
          s.cancel();
          resolve({ code: status.OK, details: '' });
        }
      });
      s.write({ hello: { datasetSize: 10, capabilities: { backend: 'cpu', encodings: ['float32'], models: ['mlp'], dataset: 'd' }, ...h } });
    });
  }

  it('security limits - idle connection flood: connections past --max-connections are refused, idle ones closed after the timeouts, and the run still commits', async () => {
    const { runId, tasks } = await startRun();
    // Raw TCP that never sends the HTTP/2 preface, more than the cap.
    let closed = 0;
    const sockets = Array.from({ length: 30 }, () => {
      const s = net.connect(coordinator.port, '127.0.0.1');
      // Read, or the server's close is never noticed.
      s.resume();
      s.on('error', () => {});
      s.on('close', () => closed++);
      return s;
    });
    // A real HTTP/2 connection that opens no call: closed after --connection-idle-timeout.
    const h2 = http2.connect(`http://${address}`);
    h2.on('error', () => {});
    let h2Closed = false;
    h2.on('close', () => (h2Closed = true));
    await waitFor('every raw socket to be closed (cap, then --handshake-timeout)', () => (closed === sockets.length ? true : undefined), 15_000, 50);
    await waitFor('the idle HTTP/2 connection to be closed (--connection-idle-timeout)', () => (h2Closed ? true : undefined), 15_000, 50);
    expect(logLines.some((l) => l.includes('--max-connections'))).toBe(true);
    // The honest clients' connections carry an open Connect stream: not idle, still there.
    await commitHonestly(runId, tasks);
  }, 60_000);

  it('security limits - idle upload flood: uploads that never send are ended with RESOURCE_EXHAUSTED, pending uploads past the limits refused, and the run still commits', async () => {
    const { runId, tasks } = await startRun();
    const open = (id: string) =>
      new Promise<{ code: number; details: string }>((resolve) => {
        const md = new grpc.Metadata();
        md.set('fedlink-client-id', id);
        fleet.pushUpdate(md, (err) => resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '' }));
      });
    const calls: Array<Promise<{ code: number; details: string }>> = [];
    // Opens uploads for `id` until one is refused (those before it stay pending); returns the refusal.
    const floodUntilRefused = (id: string) =>
      waitFor(`an upload of ${id} refused`, async () => {
        const call = open(id);
        calls.push(call);
        const r = await Promise.race([call, new Promise<undefined>((res) => setTimeout(() => res(undefined), 200))]);
        return r && r.code !== status.OK ? r : undefined;
      }, 10_000, 0);
    // Per client: at most 2 open at once.
    const perClient = await floodUntilRefused('flooder-1');
    expect(perClient.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(perClient.details).toContain('(--max-pending-uploads-per-client)');
    // In total: 6 slots; flooders 2 and 3 take 4 more, so flooder-4's first upload is refused.
    calls.push(open('flooder-2'), open('flooder-2'), open('flooder-3'), open('flooder-3'));
    const total = await floodUntilRefused('flooder-4');
    expect(total.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(total.details).toContain('(--max-pending-uploads)');
    // Every upload that was let in and sent nothing is ended by --upload-idle-timeout, freeing its slot.
    const results = await Promise.all(calls);
    const idle = results.filter((r) => r.details.includes('--upload-idle-timeout'));
    expect(idle.length).toBe(LIMITS.maxPendingUploads);
    for (const r of results) expect(r.code).toBe(status.RESOURCE_EXHAUSTED);
    await commitHonestly(runId, tasks);
  }, 60_000);

  it('security limits - num_examples over the declared dataset size or --max-num-examples is INVALID_ARGUMENT and the round commits with the honest updates', async () => {
    const { runId, tasks } = await startRun();
    const [a] = honest;
    const values = new Float32Array(PARAMS).fill(0.01);
    const overDeclared = await a.push(updateChunks(tasks[0], values, { examples: 101 }));
    expect(overDeclared.code).toBe(status.INVALID_ARGUMENT);
    expect(overDeclared.details).toMatch(/dataset_size of 100 the client declared/);
    const huge = await a.push(updateChunks(tasks[0], values, { examples: 1e15 }));
    expect(huge.code).toBe(status.INVALID_ARGUMENT);
    expect(huge.details).toContain('--max-num-examples');
    // A hello may not declare more than the maximum either.
    const big = await hello('greedy-1', { clientId: 'greedy-1', datasetSize: 1001 });
    expect(big.code).toBe(status.INVALID_ARGUMENT);
    expect(big.details).toContain('--max-num-examples');
    await commitHonestly(runId, tasks);
    const weights = await coordinator.manager.model(runId, (await coordinator.manager.getRun(runId)).modelVersion);
    expect(weights[0]).toBeCloseTo(0.01, 6);
  }, 60_000);

  it('security limits - oversize strings are INVALID_ARGUMENT naming the limit, and an update already accepted is not lost', async () => {
    const cases: Array<[Hello, string]> = [
      [{ capabilities: { backend: 'x'.repeat(129) } }, '--max-name-length'],
      [{ capabilities: { backend: 'x'.repeat(3 << 20) } }, '--max-name-length'],
      [{ capabilities: { dataset: 'd'.repeat(200) } }, '--max-name-length'],
      [{ capabilities: { models: Array.from({ length: 33 }, () => 'mlp') } }, '--max-list-entries'],
      [{ capabilities: { encodings: ['e'.repeat(500)] } }, '--max-name-length'],
    ];
    for (const [i, [h, flag]] of cases.entries()) {
      const res = await hello(`big-${i}`, { clientId: `big-${i}`, ...h });
      expect({ i, code: res.code }).toEqual({ i, code: status.INVALID_ARGUMENT });
      expect(res.details).toContain(flag);
    }
    expect(coordinator.registry.list().map((c) => c.clientId)).not.toContain('big-1');
    // A client id past the id rule is refused by it.
    const longId = await hello('a'.repeat(129), { clientId: 'a'.repeat(129) });
    expect(longId.code).toBe(status.INVALID_ARGUMENT);

    const { runId, tasks } = await startRun();
    const [a, b] = honest;
    // a's update is accepted; then a sends a failure reason past --max-text-length: its session ends, its update still counts.
    expect(await a.push(updateChunks(tasks[0], new Float32Array(PARAMS).fill(0.01), { examples: 50 }))).toEqual({ code: status.OK, details: '' });
    a.send({ failure: { taskId: tasks[0].taskId, runId, round: 1, reason: 'r'.repeat(1025) } });
    await waitFor('a to be ended', () => (coordinator.registry.describe('honest-a') ? undefined : true), 10_000, 20);
    expect(logLines.some((l) => l.includes('--max-text-length'))).toBe(true);
    await commitHonestly(runId, tasks, ['honest-a']);
    const round = await coordinator.manager.getRound(runId, 1);
    expect(round.clients.map((c) => c.state).sort()).toEqual(['finished', 'finished']);
    // Bring a back for the next tests.
    await a.connect(100);
    expect(b).toBeDefined();
  }, 60_000);

  it('security limits - ANSI and control characters: refused in ids, stripped from free text, never in a log line or `clients list`', async () => {
    const evilId = await hello('ansi-ok', { clientId: '\u001b[31mevil' });
    expect(evilId.code).toBe(status.INVALID_ARGUMENT);
    const metaId = await new Promise<number>((resolve) => {
      const md = new grpc.Metadata();
      md.set('fedlink-client-id', '-not an id');
      fleet.pushUpdate(md, (err) => resolve(err?.code ?? status.OK));
    });
    expect(metaId).toBe(status.INVALID_ARGUMENT);
    // Stay connected so `clients list` shows it.
    const md = new grpc.Metadata();
    md.set('fedlink-client-id', 'ansi-ok');
    const s = fleet.connect(md);
    s.on('error', () => {});
    s.write({ hello: { clientId: 'ansi-ok', datasetSize: 10, capabilities: { backend: '\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007\u009b1m', dataset: 'd\r\nfake log line' } } });
    const rec = await waitFor('ansi-ok to connect', () => coordinator.registry.list().find((c) => c.clientId === 'ansi-ok' && c.status === 'connected'), 10_000, 20);
    expect(rec.backend).toBe('PWNED');
    expect(rec.dataset).toBe('d fake log line');
    // The backend is a wide column.
    const cli = await runCli(['clients', 'list', '--coordinator', address, '-o', 'wide']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('PWNED');
    expect(cli.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    s.cancel();
    for (const line of logLines) expect(line).not.toMatch(ESC);
  }, 60_000);

  it('security limits - runs past --max-active-runs are RESOURCE_EXHAUSTED; finished runs are released from memory and still listed', async () => {
    await waitFor('earlier runs to be released', () => (coordinator.manager.activeRuns === 0 ? true : undefined), 10_000, 20);
    const create = () =>
      new Promise<{ code: number; details: string; runId?: string }>((resolve) =>
        control.createRun({ config: wireRunConfig({ minClients: 5, clientsPerRound: 5, waitForClientsMs: 600_000 }), start: true }, (err, run) =>
          resolve(err ? { code: err.code, details: err.details } : { code: status.OK, details: '', runId: run!.runId }),
        ),
      );
    const first = await create();
    const second = await create();
    expect([first.code, second.code]).toEqual([status.OK, status.OK]);
    const third = await create();
    expect(third.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(third.details).toContain('--max-active-runs');
    for (const r of [first, second]) await new Promise((res) => control.cancelRun({ runId: r.runId! }, res));
    await waitFor('the cancelled runs to be released', () => (coordinator.manager.activeRuns === 0 ? true : undefined), 10_000, 20);
    const listed = await new Promise<string[]>((res, rej) => control.listRuns({}, (err, r) => (err ? rej(err) : res(r!.runs.map((x) => x.runId)))));
    expect(listed).toEqual(expect.arrayContaining([first.runId, second.runId]));
    const got = await new Promise<string>((res, rej) => control.getRun({ runId: first.runId! }, (err, r) => (err ? rej(err) : res(r!.state))));
    expect(got).toBe('cancelled');
    // Room again.
    const fourth = await create();
    expect(fourth.code).toBe(status.OK);
    await new Promise((res) => control.cancelRun({ runId: fourth.runId! }, res));
  }, 60_000);

  it('security limits - disconnected clients are forgotten after --forget-clients-after, and known clients stay under --max-known-clients', async () => {
    for (let i = 0; i < 60; i++) expect((await hello(`ghost-${i}`, { clientId: `ghost-${i}` })).code).toBe(status.OK);
    expect(coordinator.registry.list().length).toBeLessThanOrEqual(LIMITS.maxKnownClients);
    await waitFor('the ghosts to be forgotten', () => (coordinator.registry.list().some((c) => c.clientId.startsWith('ghost-')) ? undefined : true), 15_000, 50);
    // Connected clients are never forgotten.
    expect(coordinator.registry.list().map((c) => c.clientId)).toEqual(expect.arrayContaining(['honest-a', 'honest-b']));
  }, 60_000);
});

const status = grpc.status;
