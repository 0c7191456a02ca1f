/**
 * Security: device enrollment. One-time tokens from `fedlink enroll create`
 * (the real CLI, in-process, with an admin certificate), traded for a client
 * certificate over TLS by a device that has only the CA; reused, expired,
 * revoked, malformed and plaintext enrollments refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main';
import { silentLogger } from '../../common/logger';
import { FakeClock } from '../../common/clock';
import { createCsr } from '../../common/pki/certificates';
import { writeTlsDir } from '../../common/pki/files';
import { identityFromPem } from '../../common/pki/identity';
import { loadFedlinkProto } from '../../proto/loader';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { EnrollResponse__Output } from '../../proto/gen/fedlink/v1/EnrollResponse';
import { channelCredentials, type CallerTls } from '../../common/channel-credentials';
import { Enrollment } from '../../services/coordinator/auth/enrollment';
import { Revocations } from '../../services/coordinator/auth/revocations';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FailedPreconditionError, PermissionDeniedError, UnauthenticatedError } from '../../common/errors';
import { createTestPki, type TestPki } from '../helpers/pki';
import { RawFleetClient } from '../helpers/raw-fleet-client';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'fedlink', ...args], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

function enroll(address: string, tls: CallerTls | undefined, token: string, csrPem: string): Promise<{ code: number; details: string; res?: EnrollResponse__Output }> {
  const Fleet = loadFedlinkProto().proto.fedlink.v1.Fleet;
  const client = new Fleet(address, channelCredentials(tls)) as FleetClient;
  return new Promise((resolve) =>
    client.enroll({ token, csrPem }, { deadline: Date.now() + 10_000 }, (err, res) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', res });
    }),
  );
}

describe('security - enrollment', () => {
  let pki: TestPki;
  let coordinator: Coordinator;
  let address: string;
  let adminDir: string;
  let stateDir: string;

  const createToken = async (clientId: string, ttl = '1h'): Promise<string> => {
    const res = await cli('enroll', 'create', '--client', clientId, '--ttl', ttl, '--coordinator', address, '--pki', adminDir, '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    return JSON.parse(res.stdout).token;
  };

  beforeAll(async () => {
    pki = await createTestPki();
    stateDir = mkdtempSync(path.join(tmpdir(), 'fedlink-enroll-state-'));
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, tls: pki.coordinator, ca: pki.ca, stateDir }, silentLogger());
    address = `127.0.0.1:${coordinator.port}`;
    adminDir = path.join(pki.dir, 'admin');
    writeTlsDir(adminDir, await pki.operator('ada', 'admin'));
  }, 60_000);

  afterAll(async () => {
    await coordinator?.stop();
    pki?.remove();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('a device with only the CA trades a token and a CSR for its certificate, connects with it, and the token is spent', async () => {
    const token = await createToken('edge-3');
    const { keyPem, csrPem } = await createCsr('whatever-the-device-says');
    const got = await enroll(address, { caPem: pki.ca.certPem }, token, csrPem);
    expect(got.code, got.details).toBe(0);
    expect(got.res!.clientId).toBe('edge-3');
    expect(identityFromPem(got.res!.certificatePem)).toEqual({ kind: 'client', clientId: 'edge-3' });
    expect(got.res!.caPem).toBe(pki.ca.certPem);

    const device = new RawFleetClient(address, 'edge-3', { caPem: got.res!.caPem, certPem: got.res!.certificatePem, keyPem });
    await device.connect(100);
    expect(coordinator.registry.list().find((c) => c.clientId === 'edge-3')?.status).toBe('connected');
    device.close();

    const again = await enroll(address, { caPem: pki.ca.certPem }, token, (await createCsr('x')).csrPem);
    expect(again.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(again.details).toBe('enrollment token is not valid (unknown, or already used)');
  });

  it('tokens are stored only as their sha256, and every enrollment is audited', async () => {
    const token = await createToken('edge-4');
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    for (const f of files(stateDir)) expect(readFileSync(f, 'utf8')).not.toContain(token.slice(4));
    await enroll(address, { caPem: pki.ca.certPem }, token, (await createCsr('edge-4')).csrPem);
    await enroll(address, { caPem: pki.ca.certPem }, 'fle_guessed', (await createCsr('edge-4')).csrPem);
    const audit = await cli('audit', 'list', '--coordinator', address, '--pki', adminDir, '--json');
    const entries = JSON.parse(audit.stdout).entries as Array<{ principal: string; action: string; target: string | null; outcome: string }>;
    expect(entries.slice(0, 3).map((e) => [e.principal, e.action, e.target, e.outcome])).toEqual([
      // --json: a refused enrollment has no target (null, not proto's "").
      ['anonymous', 'Enroll', null, 'UNAUTHENTICATED'],
      ['client:edge-4', 'Enroll', 'edge-4', 'ok'],
      ['operator:ada (admin)', 'CreateEnrollment', 'edge-4', 'ok'],
    ]);
  });

  it('a malformed CSR is INVALID_ARGUMENT, and the token stays spent', async () => {
    const token = await createToken('edge-5');
    const bad = await enroll(address, { caPem: pki.ca.certPem }, token, '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n');
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((await enroll(address, { caPem: pki.ca.certPem }, token, (await createCsr('edge-5')).csrPem)).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('a token of a client revoked after it was created is PERMISSION_DENIED', async () => {
    const token = await createToken('edge-6');
    expect((await cli('clients', 'revoke', 'edge-6', '--reason', 'stolen', '--coordinator', address, '--pki', adminDir)).code).toBe(0);
    const res = await enroll(address, { caPem: pki.ca.certPem }, token, (await createCsr('edge-6')).csrPem);
    expect(res.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(res.details).toBe('client edge-6 is revoked');
  });

  it('enrollment over plaintext is refused: the token and certificate must not cross the network in clear', async () => {
    const plain = await startCoordinator({ host: '127.0.0.1', port: 0, ca: pki.ca }, silentLogger());
    try {
      const res = await enroll(`127.0.0.1:${plain.port}`, undefined, 'fle_x', (await createCsr('edge-8')).csrPem);
      expect(res.code).toBe(grpc.status.FAILED_PRECONDITION);
      expect(res.details).toContain('enrollment needs a coordinator serving TLS');
    } finally {
      await plain.stop();
    }
  });

  it('enrollment tokens - expired, reused, unknown and revoked ones are refused (fake clock)', async () => {
    const clock = new FakeClock(1_000_000);
    const store = new MemoryStore();
    const revocations = new Revocations(store);
    const enrollment = new Enrollment({ store, clock, revocations, ca: pki.ca });
    const csr = (await createCsr('d')).csrPem;

    const expiring = await enrollment.create('dev-1', 60_000, 'test');
    clock.advance(60_000);
    await expect(enrollment.redeem(expiring.token, csr)).rejects.toThrow(new UnauthenticatedError(`enrollment token expired at ${new Date(1_060_000).toISOString()}`));

    const fresh = await enrollment.create('dev-2', 60_000, 'test');
    clock.advance(59_999);
    await expect(enrollment.redeem(fresh.token, csr)).resolves.toMatchObject({ clientId: 'dev-2' });
    await expect(enrollment.redeem(fresh.token, csr)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(enrollment.redeem('fle_never-issued', csr)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(enrollment.redeem('not-a-token', csr)).rejects.toBeInstanceOf(UnauthenticatedError);

    const beforeRevocation = await enrollment.create('dev-3', 60_000, 'test');
    await revocations.revoke({ clientId: 'dev-3', atMs: clock.now(), by: 'test', reason: '' });
    await expect(enrollment.redeem(beforeRevocation.token, csr)).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(enrollment.create('dev-3', 60_000, 'test')).rejects.toBeInstanceOf(FailedPreconditionError);
    await expect(new Enrollment({ store, clock, revocations }).create('dev-4', 60_000, 'test')).rejects.toThrow(/cannot enroll devices: start it with --pki/);
  });
});
