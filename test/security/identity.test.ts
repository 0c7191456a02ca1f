/**
 * Security: identity is the certificate. A real coordinator serving mutual TLS
 * with a throwaway PKI on 127.0.0.1, raw Fleet clients and the CLI's Control
 * connection replaying the attacks of issue 10 — each refused with its exact
 * status while the run in progress commits with the honest clients' updates.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { CoordinatorCallError } from '../../clients/cli/errors';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import type { TaskAssignment__Output } from '../../proto/gen/fedlink/v1/TaskAssignment';
import { createTestPki, type TestPki } from '../helpers/pki';
import { RawFleetClient, updateChunks } from '../helpers/raw-fleet-client';
import { wireRunConfig } from '../helpers/run-config';
import { waitFor } from '../helpers/cli';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { startDaemon } from '../../clients/daemon/main';
import { writeTlsDir } from '../../common/pki/files';
import path from 'node:path';
import net from 'node:net';

const PARAMS = 199_210;

describe('security - identity is the certificate', () => {
  let pki: TestPki;
  let coordinator: Coordinator;
  let address: string;
  const opened: Array<{ close(): void }> = [];

  const control = async (who?: { name: string; role: 'viewer' | 'operator' | 'admin' } | 'none' | { client: string }): Promise<ControlConnection> => {
    const tls = who === undefined || who === 'none' ? { caPem: pki.ca.certPem } : 'client' in who ? await pki.client(who.client) : await pki.operator(who.name, who.role);
    const c = connectControl({ address, tls, deadlineMs: 10_000 });
    opened.push(c);
    return c;
  };
  const fleet = async (clientId: string, certFor = clientId): Promise<RawFleetClient> => {
    const c = new RawFleetClient(address, clientId, await pki.client(certFor));
    opened.push(c);
    return c;
  };
  const refusal = async (p: Promise<unknown>): Promise<{ code: number; message: string }> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof CoordinatorCallError) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error('the call was not refused');
  };

  beforeAll(async () => {
    pki = await createTestPki();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, tls: pki.coordinator, ca: pki.ca, reconnectGraceMs: 0 }, silentLogger());
    address = `127.0.0.1:${coordinator.port}`;
  }, 60_000);

  afterAll(async () => {
    for (const c of opened) c.close();
    await coordinator?.stop();
    pki?.remove();
  });

  it('anonymous Control calls (TLS without a client certificate) are UNAUTHENTICATED', async () => {
    const anon = await control('none');
    expect((await refusal(anon.listRuns())).code).toBe(status.UNAUTHENTICATED);
    expect((await refusal(anon.createRun({ config: wireRunConfig(), start: false }))).code).toBe(status.UNAUTHENTICATED);
    expect(await coordinator.manager.listRuns()).toHaveLength(0);
  });

  it('a certificate from another CA is not an identity: UNAUTHENTICATED, for Control and Fleet alike', async () => {
    const forged = connectControl({ address, tls: await pki.foreign({ kind: 'operator', name: 'eve', role: 'admin' }) });
    opened.push(forged);
    expect((await refusal(forged.listClients())).code).toBe(status.UNAUTHENTICATED);
    const device = new RawFleetClient(address, 'edge-1', await pki.foreign({ kind: 'client', clientId: 'edge-1' }));
    opened.push(device);
    const ended = await device.open();
    expect(ended.code).toBe(status.UNAUTHENTICATED);
    expect(coordinator.registry.list().map((c) => c.clientId)).not.toContain('edge-1');
  });

  it('a plaintext caller cannot talk to a TLS coordinator at all', async () => {
    const plain = connectControl({ address, deadlineMs: 3000 });
    opened.push(plain);
    expect((await refusal(plain.listRuns())).code).toBe(status.UNAVAILABLE);
  });

  it('roles: a viewer reads but cannot create runs; an operator cannot enroll; refusals name the role and are audited', async () => {
    const viewer = await control({ name: 'vera', role: 'viewer' });
    expect((await viewer.listRuns()).runs).toEqual([]);
    const denied = await refusal(viewer.createRun({ config: wireRunConfig(), start: false }));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(denied.message).toContain('CreateRun needs the operator role; vera is a viewer');
    const operator = await control({ name: 'otto', role: 'operator' });
    const noEnroll = await refusal(operator.createEnrollment('edge-9', 60_000));
    expect(noEnroll).toMatchObject({ code: status.PERMISSION_DENIED });
    expect(noEnroll.message).toContain('CreateEnrollment needs the admin role; otto is an operator');
    expect((await refusal(operator.listAudit(10))).code).toBe(status.PERMISSION_DENIED);
    const admin = await control({ name: 'ada', role: 'admin' });
    expect(await admin.whoAmI()).toMatchObject({ kind: 'operator', name: 'ada', role: 'admin', tls: true });
    const audit = (await admin.listAudit(10)).entries;
    expect(audit.map((e) => [e.principal, e.action, e.outcome])).toEqual(
      expect.arrayContaining([
        ['operator:vera (viewer)', 'CreateRun', 'PERMISSION_DENIED'],
        ['operator:otto (operator)', 'CreateEnrollment', 'PERMISSION_DENIED'],
      ]),
    );
  });

  it('a client certificate cannot call Control', async () => {
    const device = await control({ client: 'edge-1' });
    const denied = await refusal(device.listRuns());
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(denied.message).toContain("ListRuns needs an operator certificate; this is client edge-1's");
  });

  it('impersonation, foreign uploads and downloads and a hijacking hello are refused; the round commits with the honest clients', async () => {
    const honest = [await fleet('h-1'), await fleet('h-2')];
    for (const h of honest) await h.connect(100);
    const operator = await control({ name: 'otto', role: 'operator' });
    const run = await operator.createRun({ config: wireRunConfig({ clientsPerRound: 2, minClients: 2, acceptFailures: false, roundDeadlineMs: 60_000 }), start: true });
    const tasks: TaskAssignment__Output[] = [];
    for (const h of honest) tasks.push(await h.nextTask());

    // Mallory holds a valid certificate of her own, and connects once the tasks are out.
    const mallory = await fleet('mallory');
    await mallory.connect(100);
    // Her certificate used with the victim's id in metadata, for an upload and a session.
    const asVictim = await mallory.push(updateChunks(tasks[0], new Float32Array(PARAMS).fill(1e6), { examples: 1e9 }), 'h-1');
    expect(asVictim.code).toBe(status.PERMISSION_DENIED);
    expect(asVictim.details).toContain('does not match the certificate\'s client id mallory');
    const impostor = await fleet('mallory');
    const hello = await impostor.open(100, '', 'h-1', impostor.metadata('mallory'));
    expect(hello.code).toBe(status.PERMISSION_DENIED);
    // Under her own identity, the victim's task is not hers: neither its upload nor its model.
    expect((await mallory.push(updateChunks(tasks[0], new Float32Array(PARAMS).fill(1e6)))).code).toBe(status.FAILED_PRECONDITION);
    const download = await mallory.fetch(tasks[0]);
    expect(download).toMatchObject({ code: status.FAILED_PRECONDITION, bytes: 0 });
    // Nobody without the operator role can cancel the run in progress.
    expect((await refusal((await control('none')).cancelRun(run.runId))).code).toBe(status.UNAUTHENTICATED);
    expect((await refusal((await control({ name: 'vera', role: 'viewer' })).cancelRun(run.runId))).code).toBe(status.PERMISSION_DENIED);
    expect((await refusal((await control({ client: 'mallory' })).cancelRun(run.runId))).code).toBe(status.PERMISSION_DENIED);
    const forged = connectControl({ address, tls: await pki.foreign({ kind: 'operator', name: 'eve', role: 'admin' }) });
    opened.push(forged);
    expect((await refusal(forged.cancelRun(run.runId))).code).toBe(status.UNAUTHENTICATED);
    // The honest clients' sessions were never disturbed.
    for (const h of honest) expect(h.received.some((m) => m.kind === 'drain')).toBe(false);

    expect((await honest[0].fetch(tasks[0])).bytes).toBe(PARAMS * 4);
    const updates = [updateChunks(tasks[0], new Float32Array(PARAMS).fill(1)), updateChunks(tasks[1], new Float32Array(PARAMS).fill(3))];
    for (const [i, h] of honest.entries()) {
      expect((await h.push(updates[i])).code).toBe(0);
      h.send({ result: { taskId: tasks[i].taskId, runId: run.runId, round: 1, transferId: updates[i][0].header!.transferId, numExamples: 100, durationMs: 1 } });
    }
    const done = await waitFor('the run to complete', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 30_000);
    expect(done.state, done.reason).toBe('completed');
    const round = await coordinator.manager.getRound(run.runId, 1);
    expect(round.clients.map((c) => [c.clientId, c.state]).sort()).toEqual([['h-1', 'finished'], ['h-2', 'finished']]);
    const weights = await coordinator.manager.model(run.runId, done.modelVersion);
    expect([weights[0], weights[PARAMS - 1]]).toEqual([2, 2]);
  });

  it('a second session of the same identity replaces the first, which is told finally why (no eviction loop)', async () => {
    const first = await fleet('twin');
    await first.connect(100);
    const second = await fleet('twin');
    await second.connect(100);
    const drain = (await first.next((m) => m.kind === 'drain')).drain!;
    expect(drain.final).toBe(true);
    expect(drain.reason).toContain('replaced by a newer session of twin');
    expect(coordinator.registry.list().find((c) => c.clientId === 'twin')?.status).toBe('connected');
    expect(second.received.some((m) => m.kind === 'drain')).toBe(false);
  });

  it('revoking a client ends its open session at once and refuses it from then on', async () => {
    const device = await fleet('edge-7');
    await device.connect(100);
    const admin = await control({ name: 'ada', role: 'admin' });
    expect(await admin.revokeClient('edge-7', 'lost in a taxi')).toMatchObject({ clientId: 'edge-7', sessionClosed: true });
    const drain = (await device.next((m) => m.kind === 'drain')).drain!;
    expect(drain).toMatchObject({ final: true });
    expect(drain.reason).toContain('edge-7 was revoked by operator:ada (admin): lost in a taxi');
    const again = await fleet('edge-7');
    const refused = await again.open(100);
    expect(refused.code).toBe(status.PERMISSION_DENIED);
    expect(refused.details).toContain('client edge-7 is revoked: lost in a taxi');
    const noReenroll = await refusal(admin.createEnrollment('edge-7', 60_000));
    expect(noReenroll.code).toBe(status.FAILED_PRECONDITION);
    const audit = (await admin.listAudit(5)).entries;
    expect(audit[0]).toMatchObject({ principal: 'operator:ada (admin)', action: 'CreateEnrollment', target: 'edge-7', outcome: 'FAILED_PRECONDITION' });
    expect(audit[1]).toMatchObject({ principal: 'operator:ada (admin)', action: 'RevokeClient', target: 'edge-7', outcome: 'ok' });
  });

  it('a daemon started with a revoked certificate stops with the reason instead of retrying forever', async () => {
    requireFashionMnist();
    const dir = path.join(pki.dir, 'edge-7');
    writeTlsDir(dir, await pki.client('edge-7'));
    const daemon = await startDaemon({ coordinator: address, pki: dir, maxExamples: 600, backoffInitialMs: 50 }, { logger: silentLogger() });
    const reason = await daemon.session.stopped;
    expect(reason).toContain('client edge-7 is revoked: lost in a taxi');
    await daemon.stop();
  });

  it('a TCP connection that never starts its TLS handshake is closed after --handshake-timeout', async () => {
    const strict = await startCoordinator({ host: '127.0.0.1', port: 0, tls: pki.coordinator, limits: { handshakeTimeoutMs: 300 } }, silentLogger());
    try {
      const socket = net.connect(strict.port, '127.0.0.1');
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('error', () => {});
      await waitFor('the silent socket to be closed', () => (closed ? true : undefined), 10_000, 20);
      expect(closed).toBe(true);
    } finally {
      await strict.stop();
    }
  });
});
