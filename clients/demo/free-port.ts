/** A free TCP port on 127.0.0.1: bound, read, released. A tiny race remains, acceptable for demos and tests. */
import net from 'node:net';

/** Resolves with a port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
