/**
 * Server-level limits grpc-js has no option for: how many TCP connections a
 * listener holds, and how long a connection may take to become HTTP/2 (TLS
 * handshake plus client preface). grpc-js disables Node's socket timeouts, so
 * without this a socket that never sends a byte is held forever.
 *
 * Reached, like receive-window.ts, through grpc-js's private `http2Servers`
 * map, with Node's public net.Server `maxConnections` and session events. If a
 * grpc-js upgrade moves that map, the coordinator logs a warning and serves
 * without these two limits (the per-call ones still hold), and the limits
 * security test fails.
 */
import type http2 from 'node:http2';
import type { Socket } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../../common/logger';
import { LIMITS, type Limits } from '../limits';

interface GrpcServerInternals {
  http2Servers?: Map<http2.Http2Server, unknown>;
}

/** How often a burst of refused connections is logged at most, ms. */
const DROP_LOG_EVERY_MS = 10_000;

/**
 * Applies maxConnections and handshakeTimeoutMs to every listener `server`
 * has bound. Call it in the bindAsync callback, before connections are
 * accepted. Returns false when grpc-js's internals are not as expected.
 */
export function applyConnectionLimits(server: grpc.Server, limits: Pick<Limits, 'maxConnections' | 'handshakeTimeoutMs'>, logger: Logger): boolean {
  const servers = (server as unknown as GrpcServerInternals).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  let dropped = 0;
  let lastLog = 0;
  for (const h2 of servers.keys()) {
    if (typeof h2?.on !== 'function' || typeof h2.listen !== 'function') return false;
    // Node closes connections past this before they are handed to HTTP/2 (and emits 'drop').
    h2.maxConnections = limits.maxConnections;
    h2.on('drop', () => {
      dropped++;
      const now = Date.now();
      if (now - lastLog < DROP_LOG_EVERY_MS) return;
      lastLog = now;
      logger.warn({ dropped, maxConnections: limits.maxConnections }, `connections refused: ${limits.maxConnections} are open (${LIMITS.maxConnections.flag})`);
      dropped = 0;
    });
    // Until the peer's SETTINGS arrive (after TLS and the preface), a connection is on probation.
    const probation = new Map<string, NodeJS.Timeout>();
    h2.on('connection', (socket: Socket) => {
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      const timer = setTimeout(() => socket.destroy(), limits.handshakeTimeoutMs);
      timer.unref();
      probation.set(key, timer);
      socket.once('close', () => {
        clearTimeout(timer);
        if (probation.get(key) === timer) probation.delete(key);
      });
    });
    h2.on('session', (session: http2.ServerHttp2Session) => {
      session.once('remoteSettings', () => {
        const key = `${session.socket?.remoteAddress}:${session.socket?.remotePort}`;
        clearTimeout(probation.get(key));
        probation.delete(key);
      });
    });
  }
  return true;
}
