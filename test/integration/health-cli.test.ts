/**
 * Integration: `fedlink health` (what the image's HEALTHCHECK runs) as a real
 * process against real coordinators: SERVING exits 0; a standby's Fleet
 * service is NOT_SERVING and exits 1 with one line; an address that accepts
 * TCP but never answers gives up within --timeout with one line.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { runCli, waitFor } from '../helpers/cli';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';

/** Non-empty lines of a CLI output. */
const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

describe('fedlink health', () => {
  let nats: NatsServerHandle;
  const coordinators: Coordinator[] = [];
  let leader: Coordinator;
  let standby: Coordinator;
  // A TCP listener that never speaks HTTP/2: the call can only end by its deadline.
  const silent: Server = createServer();
  const sockets = new Set<Socket>();
  silent.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));

  beforeAll(async () => {
    nats = await startNatsServer({ jetstream: true });
    const options = { host: '127.0.0.1', port: 0, store: 'jetstream' as const, ha: true, leaseTtlMs: 3000, nats: { url: nats.url } };
    coordinators.push(await startCoordinator(options, silentLogger()));
    await waitFor('the first coordinator to lead', () => (coordinators[0].isLeader ? true : undefined), 15_000, 20);
    coordinators.push(await startCoordinator(options, silentLogger()));
    [leader, standby] = coordinators;
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    for (const c of coordinators.reverse()) await c.stop();
    await nats?.stop();
  });

  it('health - exits 0 and prints SERVING for a running coordinator', async () => {
    const res = await runCli(['health', '--coordinator', `127.0.0.1:${leader.port}`]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe(`coordinator at 127.0.0.1:${leader.port}: SERVING\n`);
    // The leader also serves the Fleet service.
    const fleet = await runCli(['health', '--coordinator', `127.0.0.1:${leader.port}`, '--service', 'fedlink.v1.Fleet']);
    expect(fleet.code, fleet.stderr).toBe(0);
  });

  it('health - a standby is SERVING as a server but NOT_SERVING for fedlink.v1.Fleet, which exits 1 with one line', async () => {
    expect(standby.isLeader).toBe(false);
    const server = await runCli(['health', '--coordinator', `127.0.0.1:${standby.port}`]);
    expect(server.code, server.stderr).toBe(0);
    const res = await runCli(['health', '--coordinator', `127.0.0.1:${standby.port}`, '--service', 'fedlink.v1.Fleet']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(lines(res.stderr)).toEqual([`fedlink: fedlink.v1.Fleet at 127.0.0.1:${standby.port} is NOT_SERVING`]);
  });

  it('health - prints one JSON document with --json, also when the answer is not SERVING', async () => {
    const ok = await runCli(['health', '--coordinator', `127.0.0.1:${leader.port}`, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ service: '', status: 'SERVING' });
    const not = await runCli(['health', '--coordinator', `127.0.0.1:${standby.port}`, '--service', 'fedlink.v1.Fleet', '--json']);
    expect(not.code).toBe(1);
    expect(JSON.parse(not.stdout)).toEqual({ service: 'fedlink.v1.Fleet', status: 'NOT_SERVING' });
  });

  it('health - an address that never answers ends in exit 1 with one line once --timeout has passed', async () => {
    const { port } = silent.address() as { port: number };
    // The runner's own timeout is far above --timeout: a hang would be killed without printing the line checked here.
    const res = await runCli(['health', '--coordinator', `127.0.0.1:${port}`, '--timeout', '1s'], { timeoutMs: 20_000 });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(lines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toMatch(new RegExp(`^fedlink: .*127\\.0\\.0\\.1:${port}`));
    expect(res.stderr).toMatch(/deadline|did not answer|timed out|1\.0s|1s/i);
  });

  it('health - a port nobody listens on ends in exit 1 with one line', async () => {
    const { port } = silent.address() as { port: number };
    // A port that was free a moment ago: listen and close to find one.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    expect(closed).not.toBe(port);
    const res = await runCli(['health', '--coordinator', `127.0.0.1:${closed}`, '--timeout', '2s'], { timeoutMs: 20_000 });
    expect(res.code).toBe(1);
    expect(lines(res.stderr)).toHaveLength(1);
    expect(res.stderr).toMatch(new RegExp(`^fedlink: .*127\\.0\\.0\\.1:${closed}`));
  });
});
