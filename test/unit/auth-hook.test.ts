/** The auth hook and its method policy: every RPC has a caller rule, and each rule holds for each kind of certificate. */
import { X509Certificate } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { PermissionDeniedError, UnauthenticatedError } from '../../common/errors';
import { createCa, issueCertificate, type CaMaterial } from '../../common/pki/certificates';
import { ROLES } from '../../common/roles';
import { loadFedlinkProto } from '../../proto/loader';
import { createAuthHook, noAuth, type AuthCall } from '../../services/coordinator/auth/auth-hook';
import { CONTROL_POLICY, FLEET_POLICY } from '../../services/coordinator/auth/method-policy';

let ca: CaMaterial;
beforeAll(async () => {
  ca = await createCa();
});

/** A call as grpc-js presents it after Node's TLS layer verified `certPem` (or with no certificate). */
function call(certPem?: string, clientIdMetadata?: string): AuthCall {
  const metadata = new Metadata();
  if (clientIdMetadata) metadata.set('fedlink-client-id', clientIdMetadata);
  const sslPeerCertificate = certPem ? ({ raw: new X509Certificate(certPem).raw } as PeerCertificate) : undefined;
  return { metadata, getPeer: () => 'ipv4:127.0.0.1:1', getAuthContext: () => ({ sslPeerCertificate }) };
}

describe('auth hook', () => {
  it('auth policy - every Fleet and Control RPC of the proto has a caller rule, and no rule names a method that does not exist', () => {
    const { proto } = loadFedlinkProto();
    const methods = (service: { service: Record<string, { originalName?: string }> }) => Object.values(service.service).map((m) => m.originalName ?? '').map((n) => n[0].toUpperCase() + n.slice(1)).sort();
    expect(methods(proto.fedlink.v1.Fleet as never)).toEqual(Object.keys(FLEET_POLICY).sort());
    expect(methods(proto.fedlink.v1.Control as never)).toEqual(Object.keys(CONTROL_POLICY).sort());
  });

  it('auth hook - each role may call exactly the Control methods at or below it', async () => {
    const hook = createAuthHook({ tls: true });
    for (const role of ROLES) {
      const cert = (await issueCertificate(ca, { kind: 'operator', name: `op-${role}`, role })).certPem;
      for (const [method, needed] of Object.entries(CONTROL_POLICY)) {
        if (needed.kind !== 'operator') continue;
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(needed.role);
        const attempt = () => hook(call(cert), { service: 'control', method });
        if (allowed) expect(attempt(), `${role} ${method}`).toMatchObject({ kind: 'operator', name: `op-${role}`, role, tls: true });
        else expect(attempt, `${role} ${method}`).toThrow(new PermissionDeniedError(`${method} needs the ${needed.role} role; op-${role} is ${role === 'operator' ? 'an' : 'a'} ${role}`));
      }
    }
  });

  it('auth hook - a Fleet caller is its certificate: metadata that agrees is fine, one that differs is PERMISSION_DENIED, none at all is UNAUTHENTICATED', async () => {
    const hook = createAuthHook({ tls: true, revoked: (id) => (id === 'gone' ? 'stolen' : undefined) });
    const cert = (await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' })).certPem;
    expect(hook(call(cert), { service: 'fleet', method: 'Connect' })).toEqual({ kind: 'client', clientId: 'edge-1', tls: true });
    expect(hook(call(cert, 'edge-1'), { service: 'fleet', method: 'PushUpdate' })).toMatchObject({ clientId: 'edge-1' });
    expect(() => hook(call(cert, 'edge-2'), { service: 'fleet', method: 'PushUpdate' })).toThrow(PermissionDeniedError);
    expect(() => hook(call(undefined, 'edge-1'), { service: 'fleet', method: 'Connect' })).toThrow(UnauthenticatedError);
    const gone = (await issueCertificate(ca, { kind: 'client', clientId: 'gone' })).certPem;
    expect(() => hook(call(gone), { service: 'fleet', method: 'Connect' })).toThrow(new PermissionDeniedError('client gone is revoked: stolen'));
    const op = (await issueCertificate(ca, { kind: 'operator', name: 'alice', role: 'admin' })).certPem;
    expect(() => hook(call(op), { service: 'fleet', method: 'Connect' })).toThrow(new PermissionDeniedError("Connect needs a client certificate; this is operator alice's"));
    expect(() => hook(call(cert), { service: 'control', method: 'ListRuns' })).toThrow(new PermissionDeniedError("ListRuns needs an operator certificate; this is client edge-1's"));
    // Enroll needs no identity (the token is the credential); an unknown method is nobody's.
    expect(hook(call(), { service: 'fleet', method: 'Enroll' })).toEqual({ kind: 'anonymous', tls: true });
    expect(() => hook(call(op), { service: 'control', method: 'DropDatabase' })).toThrow(PermissionDeniedError);
  });

  it('auth hook - without TLS a Fleet caller is the id it claims and every Control caller an anonymous admin', () => {
    expect(noAuth(call(undefined, 'edge-1'), { service: 'fleet', method: 'Connect' })).toEqual({ kind: 'client', clientId: 'edge-1', tls: false });
    expect(() => noAuth(call(), { service: 'fleet', method: 'Connect' })).toThrow(UnauthenticatedError);
    expect(noAuth(call(), { service: 'control', method: 'CreateRun' })).toEqual({ kind: 'operator', name: 'anonymous', role: 'admin', tls: false });
  });
});
