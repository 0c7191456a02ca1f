/**
 * The one auth hook every RPC passes through: it decides who a call comes from
 * (a Principal) or refuses it, and checks the caller against the method's
 * policy (method-policy.ts). With TLS, identity is the client certificate the
 * TLS layer verified against the deployment CA (its SAN URIs); the
 * `fedlink-client-id` metadata may repeat it and must agree. Without TLS (a
 * coordinator on loopback, or started with --insecure) a Fleet caller is the id
 * it claims and every Control caller is an anonymous admin.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { InvalidArgumentError, PermissionDeniedError, UnauthenticatedError } from '../../../common/errors';
import { isClientId } from '../../../common/client-id';
import { identityFromPeerCertificate } from '../../../common/pki/identity';
import { roleAtLeast, type Role } from '../../../common/roles';
import { callerNeeded } from './method-policy';

/** Who is calling, as established by the auth hook. */
export interface Principal {
  /** 'anonymous': a call that needs no identity (Enroll). */
  kind: 'client' | 'operator' | 'anonymous';
  /** Set for clients: the id every message of the call must carry. */
  clientId?: string;
  /** Operators: the name in their certificate ("anonymous" without TLS). */
  name?: string;
  /** Operators: what they may do. */
  role?: Role;
  /** Whether identity came from a verified certificate. */
  tls: boolean;
}

/** What the hook needs of a call (any grpc-js server call has it). */
export interface AuthCall {
  metadata: Metadata;
  getPeer(): string;
  /** grpc-js: the peer certificate, present only when TLS verified it against the CA. */
  getAuthContext?(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate };
}

/** Which RPC is being called. */
export interface CallInfo {
  service: 'fleet' | 'control' | 'inference';
  method: string;
}

/** Decides who a call comes from; throws Unauthenticated/PermissionDenied errors to refuse it. */
export type AuthHook = (call: AuthCall, info: CallInfo) => Principal;

/** Metadata key carrying the calling client's id on Fleet calls. */
export const CLIENT_ID_METADATA = 'fedlink-client-id';

/** How the hook is set up. */
export interface AuthOptions {
  /** Whether the server speaks TLS and requests client certificates. */
  tls: boolean;
  /** Why a client id is refused (revoked), or undefined. */
  revoked?: (clientId: string) => string | undefined;
}

/** One line naming a principal, for the audit log and refusals. */
export function describePrincipal(p: Principal): string {
  if (p.kind === 'client') return `client:${p.clientId}`;
  if (p.kind === 'operator') return `operator:${p.name} (${p.role})${p.tls ? '' : ' without TLS'}`;
  return 'anonymous';
}

function claimedClientId(metadata: Metadata): string {
  return String(metadata.get(CLIENT_ID_METADATA)[0] ?? '');
}

/** Builds the auth hook. */
export function createAuthHook(options: AuthOptions): AuthHook {
  const notRevoked = (clientId: string) => {
    const why = options.revoked?.(clientId);
    if (why !== undefined) throw new PermissionDeniedError(`client ${clientId} is revoked${why ? `: ${why}` : ''}`);
  };
  return (call, info) => {
    const needed = callerNeeded(info.service, info.method);
    if (!needed) throw new PermissionDeniedError(`${info.method} is not callable`);
    if (needed.kind === 'anyone') return { kind: 'anonymous', tls: options.tls };
    if (!options.tls) {
      if (needed.kind === 'operator') return { kind: 'operator', name: 'anonymous', role: 'admin', tls: false };
      const clientId = claimedClientId(call.metadata);
      if (!clientId) throw new UnauthenticatedError(`missing ${CLIENT_ID_METADATA} metadata`);
      // The id reaches logs, the store and operators' terminals: it must follow the client id rule.
      if (!isClientId(clientId)) throw new InvalidArgumentError(`${CLIENT_ID_METADATA} must be 1-128 letters, digits and . _ : - starting with a letter or digit`);
      notRevoked(clientId);
      return { kind: 'client', clientId, tls: false };
    }
    const cert = call.getAuthContext?.().sslPeerCertificate;
    if (!cert) throw new UnauthenticatedError("no client certificate issued by this deployment's CA");
    const identity = identityFromPeerCertificate(cert);
    if (!identity || identity.kind === 'coordinator') throw new PermissionDeniedError('the certificate names no fedlink client or operator (SAN URI urn:fedlink:client:<id> or urn:fedlink:operator:<name>)');
    if (needed.kind === 'client') {
      if (identity.kind !== 'client') throw new PermissionDeniedError(`${info.method} needs a client certificate; this is operator ${identity.name}'s`);
      const claimed = claimedClientId(call.metadata);
      if (claimed && claimed !== identity.clientId) {
        throw new PermissionDeniedError(`${CLIENT_ID_METADATA} ${JSON.stringify(claimed.slice(0, 64))} does not match the certificate's client id ${identity.clientId}`);
      }
      notRevoked(identity.clientId);
      return { kind: 'client', clientId: identity.clientId, tls: true };
    }
    if (identity.kind !== 'operator') throw new PermissionDeniedError(`${info.method} needs an operator certificate; this is client ${identity.clientId}'s`);
    if (!roleAtLeast(identity.role, needed.role)) {
      throw new PermissionDeniedError(`${info.method} needs the ${needed.role} role; ${identity.name} is ${/^[aeiou]/.test(identity.role) ? 'an' : 'a'} ${identity.role}`);
    }
    return { kind: 'operator', name: identity.name, role: identity.role, tls: true };
  };
}

/** The hook of a coordinator without TLS (loopback or --insecure): claimed ids, every operator an admin. */
export const noAuth: AuthHook = createAuthHook({ tls: false });
