/**
 * The dashboard asks the coordinator's own auth hook, exactly as a Control
 * call would: with TLS, the browser's verified client certificate must name
 * an operator whose role may call the Control method the request mirrors
 * (viewer for everything the dashboard shows); without TLS the coordinator
 * trusts its network for Control, and so does the dashboard.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';
import type { AuthCall, AuthHook, Principal } from '../auth/auth-hook';

/** An HTTP request as the auth hook sees a call: its peer, and its certificate only when TLS verified it. */
export function authCallOf(req: IncomingMessage): AuthCall {
  const socket = req.socket as Partial<TLSSocket>;
  return {
    metadata: new Metadata(),
    getPeer: () => `${req.socket.remoteAddress ?? 'unknown'}:${req.socket.remotePort ?? 0}`,
    getAuthContext: () => (socket.encrypted && socket.authorized ? { transportSecurityType: 'ssl', sslPeerCertificate: socket.getPeerCertificate?.() } : {}),
  };
}

/** Who the request comes from, or the auth hook's Unauthenticated/PermissionDenied error. */
export function authorize(auth: AuthHook, req: IncomingMessage, controlMethod: string): Principal {
  return auth(authCallOf(req), { service: 'control', method: controlMethod });
}
