/**
 * The daemon over TLS (issue 10): mutual TLS with certificates from files or a
 * credentials directory, the client id taken from (and checked against) the
 * certificate, and enrollment (token + CSR → certificate kept under --state-dir).
 * Real certificates from common/pki, a real grpc-js Fleet fake serving TLS on 127.0.0.1.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../clients/cli/errors';
import { credentialsSource } from '../../clients/daemon/credentials-source';
import { resolveCredentials } from '../../clients/daemon/credentials';
import { channelCredentials } from '../../common/channel-credentials';
import { EnrollmentError, InvalidArgumentError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { createCa, issueCertificate, signCsr, type CaMaterial } from '../../common/pki/certificates';
import { writeTlsDir, type TlsMaterial } from '../../common/pki/files';
import { FakeFleet, connectedSession, taskMessage, tlsServerCredentials, waitFor } from '../helpers/fake-fleet-server';

let dir: string;
let ca: CaMaterial;
let coordinator: TlsMaterial;
let edge1: TlsMaterial;
const logger = silentLogger();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fedlink-daemon-tls-'));
  ca = await createCa();
  const server = await issueCertificate(ca, { kind: 'coordinator', hosts: ['127.0.0.1', 'localhost'] });
  coordinator = { caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
  const client = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
  edge1 = { caPem: ca.certPem, certPem: client.certPem, keyPem: client.keyPem };
  writeTlsDir(path.join(dir, 'edge-1'), edge1);
  writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function tlsFleet(): Promise<FakeFleet> {
  const fleet = await new FakeFleet().start(0, tlsServerCredentials(coordinator));
  cleanups.push(() => fleet.stop());
  return fleet;
}

/** A fake Enroll that signs the CSR for `clientId` when given `token`, refusing any other token as the coordinator would. */
function enrollAs(fleet: FakeFleet, token: string, clientId: string): void {
  fleet.enroll = async (request) => {
    if (request.token !== token) throw { code: grpc.status.UNAUTHENTICATED, details: 'unknown, used or expired enrollment token' };
    const issued = await signCsr(ca, request.csrPem, clientId);
    return { clientId, certificatePem: issued.certPem, caPem: ca.certPem, notAfterMs: issued.notAfterMs };
  };
}

function stateDir(): string {
  return mkdtempSync(path.join(dir, 'state-'));
}

describe('daemon TLS', () => {
  it('connects over mutual TLS with --tls-ca/--tls-cert/--tls-key: control stream and transfers present the certificate of edge-1', async () => {
    const fleet = await tlsFleet();
    const files = { ca: path.join(dir, 'edge-1', 'ca.crt'), cert: path.join(dir, 'edge-1', 'tls.crt'), key: path.join(dir, 'edge-1', 'tls.key') };
    const creds = await resolveCredentials({ source: credentialsSource({ tls: files }), coordinator: `127.0.0.1:${fleet.port}`, logger });
    expect(creds.clientId).toBe('edge-1');
    const { stop } = await connectedSession(fleet, { clientId: creds.clientId, credentials: channelCredentials(creds.tls) });
    cleanups.push(stop);
    expect(fleet.hellos[0].peer).toEqual({ kind: 'client', clientId: 'edge-1' });
    // The metadata still names the id, for the coordinator to check against the certificate.
    expect(fleet.hellos[0].metadata.get('fedlink-client-id')).toEqual(['edge-1']);

    fleet.send(taskMessage());
    await waitFor(() => fleet.of('result').length > 0, 'the result');
    // The transfer connection is a channel of its own: it too is TLS, with the same certificate.
    expect(fleet.fetches[0].peer).toEqual({ kind: 'client', clientId: 'edge-1' });
    expect(fleet.pushes[0].peer).toEqual({ kind: 'client', clientId: 'edge-1' });
  });

  it('takes the id from the certificate of --pki when --id is absent, and refuses an --id that differs (exit 2)', async () => {
    const source = credentialsSource({ pki: path.join(dir, 'edge-1') });
    expect((await resolveCredentials({ source, coordinator: '127.0.0.1:1', logger })).clientId).toBe('edge-1');
    expect((await resolveCredentials({ source, clientId: 'edge-1', coordinator: '127.0.0.1:1', logger })).clientId).toBe('edge-1');
    const err = await resolveCredentials({ source, clientId: 'edge-2', coordinator: '127.0.0.1:1', logger }).catch((e: unknown) => e);
    expect(err).toEqual(new InvalidArgumentError(`--id edge-2 does not match the certificate in --pki ${path.join(dir, 'edge-1')}, which is for edge-1`));
    expect(exitCodeFor(err)).toBe(2);
  });

  it('refuses a certificate that is not a client\'s (an operator\'s), naming it', async () => {
    const op = await issueCertificate(ca, { kind: 'operator', name: 'alice', role: 'admin' });
    const opDir = path.join(dir, 'alice');
    writeTlsDir(opDir, { caPem: ca.certPem, certPem: op.certPem, keyPem: op.keyPem });
    await expect(resolveCredentials({ source: credentialsSource({ pki: opDir }), coordinator: '127.0.0.1:1', logger })).rejects.toThrow(
      new InvalidArgumentError(`--pki ${opDir} is a operator certificate, not a client's (SAN URI urn:fedlink:client:<id>)`),
    );
  });

  it('enrolls: sends a CSR with the token over TLS, keeps the credentials in <state-dir>/tls (key 0600), connects with them, and reuses them on the next start', async () => {
    const fleet = await tlsFleet();
    enrollAs(fleet, 'tok-7', 'edge-7');
    const state = stateDir();
    const address = `127.0.0.1:${fleet.port}`;
    const source = credentialsSource({ enrollToken: 'tok-7', tls: { ca: path.join(dir, 'ca.crt') }, stateDir: state });
    const creds = await resolveCredentials({ source, coordinator: address, logger });
    expect(creds.clientId).toBe('edge-7');
    expect(fleet.enrollments).toHaveLength(1);
    expect(fleet.enrollments[0].token).toBe('tok-7');
    expect(fleet.enrollments[0].csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);

    const tlsDir = path.join(state, 'tls');
    expect(statSync(tlsDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(tlsDir, 'tls.key')).mode & 0o777).toBe(0o600);
    for (const file of ['ca.crt', 'tls.crt']) expect(existsSync(path.join(tlsDir, file))).toBe(true);

    const { stop } = await connectedSession(fleet, { clientId: creds.clientId, credentials: channelCredentials(creds.tls) });
    await stop();
    expect(fleet.hellos[0].peer).toEqual({ kind: 'client', clientId: 'edge-7' });

    // A later start with the same --state-dir and no token: the stored credentials, no second enrollment.
    const later = credentialsSource({ stateDir: state });
    expect(later).toEqual({ kind: 'dir', dir: tlsDir, fromStateDir: true });
    const again = await resolveCredentials({ source: later, coordinator: address, logger });
    expect(again.clientId).toBe('edge-7');
    const { stop: stop2 } = await connectedSession(fleet, { clientId: again.clientId, credentials: channelCredentials(again.tls) });
    cleanups.push(stop2);
    expect(fleet.hellos[1].peer).toEqual({ kind: 'client', clientId: 'edge-7' });
    expect(fleet.enrollments).toHaveLength(1);
  });

  it('a token the coordinator refuses (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT) is one line and exit 1, and nothing is stored', async () => {
    const fleet = await tlsFleet();
    for (const code of [grpc.status.UNAUTHENTICATED, grpc.status.PERMISSION_DENIED, grpc.status.INVALID_ARGUMENT]) {
      fleet.enroll = async () => {
        throw { code, details: 'token refused' };
      };
      const state = stateDir();
      const source = credentialsSource({ enrollToken: 'tok-bad', tls: { ca: path.join(dir, 'ca.crt') }, stateDir: state });
      const err = await resolveCredentials({ source, coordinator: `127.0.0.1:${fleet.port}`, logger }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnrollmentError);
      expect((err as Error).message).toBe(
        `enrollment refused by the coordinator at 127.0.0.1:${fleet.port}: ${grpc.status[code]}: token refused (a token is single-use and expires; ask an admin for a new one)`,
      );
      expect(exitCodeFor(err)).toBe(1);
      expect(existsSync(path.join(state, 'tls'))).toBe(false);
    }
  });

  it('never sends the token to a coordinator whose certificate the given CA did not sign', async () => {
    const fleet = await tlsFleet();
    enrollAs(fleet, 'tok-7', 'edge-7');
    const otherCa = await createCa();
    const otherCaFile = path.join(dir, 'other-ca.crt');
    writeFileSync(otherCaFile, otherCa.certPem);
    const source = credentialsSource({ enrollToken: 'tok-7', tls: { ca: otherCaFile }, stateDir: stateDir() });
    const err = await resolveCredentials({ source, coordinator: `127.0.0.1:${fleet.port}`, logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrollmentError);
    expect((err as Error).message).toMatch(/^cannot enroll: no coordinator accepted the call \(127\.0\.0\.1:\d+: UNAVAILABLE/);
    expect(fleet.enrollments).toHaveLength(0);
  });

  it('an --id other than the enrolled one is refused (exit 2), and the certificate the token bought is kept', async () => {
    const fleet = await tlsFleet();
    enrollAs(fleet, 'tok-7', 'edge-7');
    const state = stateDir();
    const source = credentialsSource({ enrollToken: 'tok-7', tls: { ca: path.join(dir, 'ca.crt') }, stateDir: state });
    const err = await resolveCredentials({ source, clientId: 'edge-1', coordinator: `127.0.0.1:${fleet.port}`, logger }).catch((e: unknown) => e);
    const tlsDir = path.join(state, 'tls');
    expect(err).toEqual(new InvalidArgumentError(`--id edge-1 does not match the certificate in ${tlsDir}, which is for edge-7; it is kept there: drop --id, or use --id edge-7`));
    expect(exitCodeFor(err)).toBe(2);
    expect(existsSync(path.join(tlsDir, 'tls.crt'))).toBe(true);
  });

  it('enrollment needs --state-dir and --tls-ca, and TLS files go together: one line each, exit 2', () => {
    const cases: Array<[Parameters<typeof credentialsSource>[0], string]> = [
      [{ enrollToken: 't', tls: { ca: 'ca.crt' } }, 'enrollment (--enroll-token) needs --state-dir <dir> to keep the certificate it receives'],
      [{ enrollToken: 't', stateDir: 's' }, 'enrollment (--enroll-token) needs --tls-ca <ca.crt> to verify the coordinator before sending it the token'],
      [{ enrollToken: 't', stateDir: 's', pki: 'p' }, '--enroll-token obtains this device\'s certificate: do not also pass --tls-cert, --tls-key or --pki'],
      [{ tls: { ca: 'ca.crt', cert: 'tls.crt' } }, 'mutual TLS needs --tls-ca, --tls-cert and --tls-key together (missing --tls-key), or --pki <dir>'],
      [{ pki: 'p', tls: { ca: 'ca.crt' } }, '--pki <dir> and --tls-ca/--tls-cert/--tls-key are alternatives: pass one or the other'],
    ];
    for (const [flags, message] of cases) {
      let err: unknown;
      try {
        credentialsSource(flags);
      } catch (e) {
        err = e;
      }
      expect(err).toEqual(new InvalidArgumentError(message));
      expect(exitCodeFor(err)).toBe(2);
    }
    expect(credentialsSource({})).toEqual({ kind: 'plaintext' });
    // A state dir without enrolled credentials is just a state dir.
    expect(credentialsSource({ stateDir: stateDir() })).toEqual({ kind: 'plaintext' });
  });
});
