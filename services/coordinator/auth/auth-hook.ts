/**
 * The one auth hook every RPC passes through: it decides who a call comes from
 * (a Principal) or refuses it. `noAuth` (loopback or --insecure) believes the
 * client id a caller claims in metadata and treats every Control caller as an
 * admin; the TLS hook (`tls-auth.ts`) takes identity from the client certificate.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { UnauthenticatedError } from '../../../common/errors';
import type { Role } from '../../../common/roles';
import { validateClientId } from '../../../clients/daemon/options';

/** Who is calling, as established by the auth hook. */
export interface Principal {
  kind: 'client' | 'operator';
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
  /** grpc-js: the verified peer certificate, when the connection is TLS and the certificate checked out. */
  getAuthContext?(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate };
}

/** Which RPC is being called. */
export interface CallInfo {
  service: 'fleet' | 'control';
  method: string;
}

/** Decides who a call comes from; throws Unauthenticated/PermissionDenied errors to refuse it. */
export type AuthHook = (call: AuthCall, info: CallInfo) => Principal;

/** Metadata key carrying the calling client's id on Fleet calls. */
export const CLIENT_ID_METADATA = 'fedlink-client-id';

/** Accepts everyone (loopback or --insecure only); Fleet callers must still name themselves. */
export const noAuth: AuthHook = (call, info) => {
  if (info.service === 'control') return { kind: 'operator', name: 'anonymous', role: 'admin', tls: false };
  const clientId = String(call.metadata.get(CLIENT_ID_METADATA)[0] ?? '');
  if (!clientId) throw new UnauthenticatedError(`missing ${CLIENT_ID_METADATA} metadata`);
  // The id reaches logs, the store and operators' terminals: it must follow the client id rule (INVALID_ARGUMENT).
  validateClientId(clientId);
  return { kind: 'client', clientId, tls: false };
};
