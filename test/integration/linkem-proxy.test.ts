/**
 * The link emulator on real sockets (127.0.0.1 only): a TCP echo/sink server started here,
 * the emulator in front of it, clients that stop by themselves. Assertions are on bytes,
 * ratios and ordering of events, never on absolute wall-clock times.
 */
import { createHash, randomBytes } from 'node:crypto';
import net, { type Server, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { waitFor } from '../../common/wait-for';
import { parseProfile } from '../../clients/linkem/profiles';
import { LinkEmulator } from '../../clients/linkem/proxy';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A server that answers each connection with `reply` and records what it received. */
async function startServer(reply: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    // Half-open is allowed (the first test needs it); answer a FIN with ours so sockets close.
    socket.on('end', () => socket.end());
    reply(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { server, port: (server.address() as net.AddressInfo).port, sockets };
}

async function startEmulator(targetPort: number, profile: string, seed = 1): Promise<{ emulator: LinkEmulator; port: number }> {
  const emulator = new LinkEmulator({ listenPort: 0, target: `127.0.0.1:${targetPort}`, profile: parseProfile(profile), seed });
  cleanup.push(() => emulator.stop());
  return { emulator, port: await emulator.start() };
}

function connect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
    cleanup.push(() => socket.destroy());
  });
}

/** Resolves with the error code the socket closed with ('' for a clean close). */
function closed(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let code = '';
    socket.on('error', (err: NodeJS.ErrnoException) => (code = err.code ?? err.message));
    socket.on('close', () => resolve(code));
    socket.on('end', () => socket.end());
    socket.resume();
  });
}

/** Writes as fast as the socket takes it until `ms` have passed. */
async function flood(socket: Socket, ms: number): Promise<void> {
  const until = Date.now() + ms;
  const block = Buffer.alloc(64 * 1024, 1);
  while (Date.now() < until && !socket.destroyed) {
    if (!socket.write(block)) await new Promise<void>((resolve) => {
      const done = () => { clearTimeout(t); resolve(); };
      const t = setTimeout(done, Math.max(1, until - Date.now()));
      socket.once('drain', done);
    });
  }
}

describe('linkem proxy on real sockets', () => {
  it('proxy - passes 2 MB each way through a shaped link byte for byte', async () => {
    const toClient = randomBytes(2 << 20);
    const toServer = randomBytes(2 << 20);
    const serverGot: Buffer[] = [];
    let serverDone!: () => void;
    const serverFinished = new Promise<void>((r) => (serverDone = r));
    const { port: targetPort } = await startServer((socket) => {
      socket.on('data', (d: Buffer) => serverGot.push(d));
      socket.on('end', () => serverDone());
      socket.end(toClient);
    });
    const { emulator, port } = await startEmulator(targetPort, 'wifi');
    const client = await connect(port);
    const clientGot: Buffer[] = [];
    client.on('data', (d: Buffer) => clientGot.push(d));
    const clientEnded = new Promise<void>((r) => client.on('end', r));
    client.end(toServer);
    await Promise.all([serverFinished, clientEnded]);
    expect(sha256(Buffer.concat(serverGot))).toBe(sha256(toServer));
    expect(sha256(Buffer.concat(clientGot))).toBe(sha256(toClient));
    expect(emulator.stats()).toMatchObject({ bytesUp: toServer.length, bytesDown: toClient.length, accepted: 1, resets: 0 });
    await waitFor('the connection to close on both sides', () => (emulator.stats().connections === 0 ? true : undefined), 5000, 20);
  });

  it('proxy - carries gRPC unchanged, with the latency of the profile added to each call', async () => {
    const server = new grpc.Server();
    new HealthImplementation({ '': 'SERVING' }).addToServer(server);
    const targetPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    cleanup.push(() => server.forceShutdown());
    const require = createRequire(import.meta.url);
    const healthProto = path.join(path.dirname(require.resolve('grpc-health-check/package.json')), 'proto/health/v1/health.proto');
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProto, { enums: String })) as any;
    async function timedCheck(port: number): Promise<{ status: string; ms: number }> {
      const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      cleanup.push(() => client.close());
      const t0 = performance.now();
      const res = await new Promise<any>((resolve, reject) => client.Check({ service: '' }, (e: Error, r: unknown) => (e ? reject(e) : resolve(r))));
      return { status: res.status, ms: performance.now() - t0 };
    }
    const plain = await timedCheck((await startEmulator(targetPort, 'none')).port);
    const lte = await timedCheck((await startEmulator(targetPort, 'lte')).port);
    expect(plain.status).toBe('SERVING');
    expect(lte.status).toBe('SERVING');
    // Connection setup plus one call is several round trips of at least 2 × (40 - 10) ms each on lte.
    expect(lte.ms).toBeGreaterThan(plain.ms);
  });

  it('proxy - a bandwidth-limited link moves far fewer bytes than an unlimited one in the same window', async () => {
    const windowMs = 1500;
    async function measure(profile: string): Promise<number> {
      // A server per run: loopback socket buffers still hold megabytes of the previous run for a while.
      let received = 0;
      const { port: targetPort } = await startServer((socket) => socket.on('data', (d: Buffer) => (received += d.length)));
      const { emulator, port } = await startEmulator(targetPort, profile);
      const client = await connect(port);
      client.on('error', () => undefined);
      const t0 = Date.now();
      await flood(client, windowMs);
      const seconds = (Date.now() - t0) / 1000;
      const bytes = received;
      client.destroy();
      await emulator.stop();
      return bytes / seconds;
    }
    const unlimited = await measure('none');
    const limited = await measure('none,up=2,burst=16'); // 2 Mbit/s = 250 000 B/s
    expect(limited).toBeGreaterThan(250_000 * 0.5);
    expect(limited).toBeLessThan(250_000 * 1.5);
    expect(limited / unlimited).toBeLessThan(0.25);
  });

  it('proxy - an outage resets open connections and refuses new ones until it ends', async () => {
    const { port: targetPort } = await startServer(() => undefined);
    const { emulator, port } = await startEmulator(targetPort, 'none,outage=800ms/1s');
    const first = await connect(port);
    expect(await closed(first)).toBe('ECONNRESET');
    expect(emulator.stats()).toMatchObject({ outages: 1, inOutage: true, connections: 0 });
    const during = net.connect({ host: '127.0.0.1', port });
    cleanup.push(() => during.destroy());
    expect(await closed(during)).toMatch(/ECONNRESET|EPIPE/);
    await waitFor('the outage to end', () => (emulator.stats().inOutage ? undefined : true), 5000, 20);
    const after = await connect(port);
    after.write('still alive?');
    await waitFor('the link to carry data again', () => (emulator.stats().bytesUp > 0 ? true : undefined), 5000, 20);
    expect(emulator.stats().resets).toBeGreaterThanOrEqual(2);
  });

  it('proxy - random resets break a connection on a lossy profile', async () => {
    const { port: targetPort } = await startServer(() => undefined);
    const { emulator, port } = await startEmulator(targetPort, 'congested-cell,resets=300', 5);
    const socket = await connect(port);
    expect(await closed(socket)).toBe('ECONNRESET');
    expect(emulator.stats().resets).toBe(1);
    expect(emulator.stats().outages).toBe(0);
  });

  it('proxy - stop closes the listener and every connection, and is idempotent', async () => {
    const { port: targetPort, sockets } = await startServer(() => undefined);
    const { emulator, port } = await startEmulator(targetPort, 'lte');
    const clients = await Promise.all([connect(port), connect(port), connect(port)]);
    await waitFor('three relayed connections', () => (emulator.stats().connections === 3 ? true : undefined), 5000, 20);
    const allClosed = Promise.all(clients.map(closed));
    await Promise.all([emulator.stop(), emulator.stop()]);
    await allClosed;
    await waitFor('the target side to close too', () => (sockets.size === 0 ? true : undefined), 5000, 20);
    expect(emulator.stats().connections).toBe(0);
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('proxy - a profile switched at runtime applies to an open connection', async () => {
    let received = 0;
    const { port: targetPort } = await startServer((socket) => socket.on('data', (d: Buffer) => (received += d.length)));
    const { emulator, port } = await startEmulator(targetPort, 'none');
    const client = await connect(port);
    client.on('error', () => undefined);
    await flood(client, 300);
    const fast = received;
    emulator.setProfile(parseProfile('none,up=1,burst=8')); // 125 000 B/s
    await new Promise((r) => setTimeout(r, 200)); // let what was already queued drain
    const before = received;
    const t0 = Date.now();
    await flood(client, 1000);
    const rate = ((received - before) / (Date.now() - t0)) * 1000;
    expect(fast).toBeGreaterThan(1 << 20);
    expect(rate).toBeLessThan(125_000 * 2);
    expect(emulator.currentProfile().upMbps).toBe(1);
  });

  it('proxy - on an injected clock, outages follow the clock and stop leaves no timer behind', async () => {
    const { port: targetPort } = await startServer(() => undefined);
    const clock = new FakeClock(0);
    const emulator = new LinkEmulator({ listenPort: 0, target: `127.0.0.1:${targetPort}`, profile: parseProfile('handover'), clock });
    cleanup.push(() => emulator.stop());
    await emulator.start();
    expect(clock.pending()).toBe(1);
    clock.advance(20_000);
    expect(emulator.stats()).toMatchObject({ outages: 1, inOutage: true });
    clock.advance(3000);
    expect(emulator.stats()).toMatchObject({ outages: 1, inOutage: false });
    clock.advance(60_000);
    expect(emulator.stats().outages).toBe(4);
    await emulator.stop();
    expect(clock.pending()).toBe(0);
  });
});
