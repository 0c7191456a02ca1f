/**
 * The coordinator's HTTP/2 receive window, which caps every upload at
 * window / RTT. grpc-js pins a server's windows to Node's 64 KiB default and
 * has no option to raise them ('grpc-node.flow_control_window' is read by
 * clients only; grpc/grpc-node#3058 would add it). 64 KiB over an 85 ms LTE
 * round trip is 6 Mbit/s however fast the link, and through the link emulator
 * uploads reached 15.7 of 50 Mbit/s on 5G and 18.3 of 40 on Wi-Fi; with 4 MiB,
 * 50.6 and 39.6 (`npm run bench -- transfer`).
 *
 * So this raises them on every session the server accepts, with Node's public
 * session API (`settings`, `setLocalWindowSize`), reached through grpc-js's
 * private `http2Servers` map. If a grpc-js upgrade moves that, nothing breaks:
 * uploads fall back to 64 KiB windows, the coordinator logs a warning, and the
 * integration test that checks the advertised window fails.
 */
import type http2 from 'node:http2';
import type * as grpc from '@grpc/grpc-js';

/** Default receive window, per upload stream and per connection: a 5G or Wi-Fi uplink's bandwidth × delay, with room. */
export const DEFAULT_RECEIVE_WINDOW_BYTES = 4 << 20;
/** Node's (and HTTP/2's) default, which is what a coordinator gets without this. */
export const HTTP2_DEFAULT_WINDOW_BYTES = 65_535;
/** HTTP/2's largest window (2^31 − 1). */
export const HTTP2_MAX_WINDOW_BYTES = 2 ** 31 - 1;

interface GrpcServerInternals {
  http2Servers?: Map<http2.Http2Server, { sessions?: Set<http2.ServerHttp2Session> }>;
}

/**
 * Raises the stream and connection receive windows of every session `server`
 * has accepted and will accept to `bytes`. Call it in the bindAsync callback,
 * before any connection can be accepted. Returns false when grpc-js's
 * internals are not as expected (the windows then stay at 64 KiB).
 */
export function raiseReceiveWindows(server: grpc.Server, bytes: number): boolean {
  const servers = (server as unknown as GrpcServerInternals).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  const window = Math.min(HTTP2_MAX_WINDOW_BYTES, Math.max(HTTP2_DEFAULT_WINDOW_BYTES, Math.floor(bytes)));
  const raise = (session: http2.ServerHttp2Session) => {
    try {
      // New streams open with this window; the connection's own window is raised at once.
      session.settings({ initialWindowSize: window });
      session.setLocalWindowSize(window);
    } catch {
      // A session that closed before it could be tuned: nothing to do.
    }
  };
  for (const [h2, info] of servers) {
    if (typeof h2?.on !== 'function') return false;
    h2.on('session', raise);
    for (const s of info?.sessions ?? []) raise(s);
  }
  return true;
}
