/**
 * The one auth hook every RPC passes through. The default accepts the client
 * id a caller claims; real credential checks (enrollment tokens bound to a
 * client id, an admin credential for Control) replace it without any change
 * to the protocol, since credentials already travel in call metadata.
 */
import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../../common/errors';

/** Who is calling, as established by the auth hook. */
export interface Principal {
  kind: 'client' | 'operator';
  /** Set for clients: the id every message of the call must carry. */
  clientId?: string;
}

/** Decides who a call comes from; throws Unauthenticated/PermissionDenied errors to refuse it. */
export type AuthHook = (metadata: Metadata, call: { service: 'fleet' | 'control'; method: string }) => Principal;

/** Metadata key carrying the calling client's id on Fleet calls. */
export const CLIENT_ID_METADATA = 'fedlink-client-id';

/** Accepts everyone; Fleet callers must still name themselves. */
export const noAuth: AuthHook = (metadata, call) => {
  if (call.service === 'control') return { kind: 'operator' };
  const clientId = String(metadata.get(CLIENT_ID_METADATA)[0] ?? '');
  if (!clientId) throw new UnauthenticatedError(`missing ${CLIENT_ID_METADATA} metadata`);
  return { kind: 'client', clientId };
};
