/**
 * Integration: the coordinator advertises a large HTTP/2 receive window (per
 * stream and per connection) on a real socket. grpc-js would leave Node's
 * 64 KiB, which caps every upload at 64 KiB per round trip; the coordinator
 * raises it through grpc-js internals, so a grpc-js upgrade that moves them
 * fails here rather than silently slowing uploads.
 */
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { waitFor } from '../../common/wait-for';
import { Coordinator, coordinatorConfig } from '../../services/coordinator/coordinator';
import { DEFAULT_RECEIVE_WINDOW_BYTES } from '../../services/coordinator/rpc/receive-window';

/** What a fresh HTTP/2 client connection learns of the coordinator's receive windows. */
async function advertisedWindows(port: number): Promise<{ stream: number; connection: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    let stream = 0;
    session.on('remoteSettings', (s) => (stream = s.initialWindowSize ?? stream));
    // The connection window arrives as a WINDOW_UPDATE right after the settings.
    return await waitFor('the raised windows', () => {
      const connection = session.state.remoteWindowSize ?? 0;
      return stream > 65_535 && connection > 65_535 ? { stream, connection } : undefined;
    }, 5000, 10);
  } finally {
    session.destroy();
  }
}

describe('integration receive window', () => {
  let coordinator: Coordinator | undefined;
  afterEach(async () => {
    await coordinator?.stop();
    coordinator = undefined;
  });

  it('receive window - the coordinator advertises 4 MiB per upload stream and per connection, not grpc-js\'s 64 KiB', async () => {
    coordinator = new Coordinator(coordinatorConfig({ host: '127.0.0.1', port: 0 }), silentLogger());
    const port = await coordinator.start();
    const w = await advertisedWindows(port);
    expect(w.stream).toBe(DEFAULT_RECEIVE_WINDOW_BYTES);
    expect(w.connection).toBeGreaterThanOrEqual(DEFAULT_RECEIVE_WINDOW_BYTES);
  });

  it('receive window - --receive-window sets it', async () => {
    coordinator = new Coordinator(coordinatorConfig({ host: '127.0.0.1', port: 0, receiveWindowBytes: 1 << 20 }), silentLogger());
    const port = await coordinator.start();
    const w = await advertisedWindows(port);
    expect(w.stream).toBe(1 << 20);
    expect(w.connection).toBeGreaterThanOrEqual(1 << 20);
    expect(w.connection).toBeLessThan(2 << 20);
  });
});
