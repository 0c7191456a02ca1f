/**
 * The dashboard as part of a coordinator: `httpPort` starts it beside the gRPC
 * server on the same state, stop() takes it down, and plaintext beyond loopback
 * is refused as it is for gRPC.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { Coordinator, coordinatorConfig } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';

describe('coordinator dashboard', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('coordinator dashboard - serves the coordinator state on --http-port and is gone after stop()', async () => {
    const c = await startCoordinator({ host: '127.0.0.1', port: 0, httpPort: 0 }, silentLogger());
    cleanup.push(() => c.stop());
    const url = c.dashboardUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const runs = await fetch(`${url}api/runs`);
    expect([runs.status, await runs.json()]).toEqual([200, []]);
    expect((await fetch(`${url}api/clients`)).status).toBe(200);
    await c.stop();
    await expect(fetch(`${url}api/runs`)).rejects.toThrow();
  });

  it('coordinator dashboard - no dashboard without httpPort', async () => {
    const c = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
    cleanup.push(() => c.stop());
    expect(c.dashboardUrl).toBeUndefined();
  });

  it('coordinator dashboard - refuses a plaintext dashboard beyond loopback unless insecure', async () => {
    const refused = new Coordinator(coordinatorConfig({ host: '127.0.0.1', port: 0, httpPort: 0, httpHost: '0.0.0.0' }), silentLogger());
    const err: unknown = await refused.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toMatch(/^refusing to serve the dashboard in plaintext on 0\.0\.0\.0/);
    const insecure = await startCoordinator({ host: '127.0.0.1', port: 0, httpPort: 0, httpHost: '0.0.0.0', insecure: true }, silentLogger());
    cleanup.push(() => insecure.stop());
    expect((await fetch(`${insecure.dashboardUrl}api/runs`)).status).toBe(200);
  });
});
