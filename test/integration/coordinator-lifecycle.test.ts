/**
 * Integration: the coordinator as operators and stock gRPC tools see it —
 * health and reflection, a drain that reports NOT_SERVING before it goes, and
 * a daemon that finds a restarted coordinator by itself.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import { freePort } from '../../clients/demo/free-port';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { waitFor } from '../helpers/cli';

const require = createRequire(import.meta.url);

function loadService(file: string, pkg: string[], service: string, address: string): any {
  const def = protoLoader.loadSync(file, { keepCase: true, defaults: true, enums: String });
  let node: any = grpc.loadPackageDefinition(def);
  for (const p of pkg) node = node[p];
  return new node[service](address, grpc.credentials.createInsecure());
}

const healthProto = path.join(path.dirname(require.resolve('grpc-health-check/package.json')), 'proto/health/v1/health.proto');
const reflectionProto = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/grpc/reflection/v1/reflection.proto');

describe('coordinator lifecycle', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('coordinator - serves grpc health and reflection so stock tools work', async () => {
    const c = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
    cleanup.push(() => c.stop());
    const address = `127.0.0.1:${c.port}`;
    const health = loadService(healthProto, ['grpc', 'health', 'v1'], 'Health', address);
    cleanup.push(() => health.close());
    for (const service of ['', 'fedlink.v1.Fleet', 'fedlink.v1.Control']) {
      const res = await new Promise<any>((resolve, reject) => health.Check({ service }, (e: Error, r: unknown) => (e ? reject(e) : resolve(r))));
      expect(res.status).toBe('SERVING');
    }
    const reflection = loadService(reflectionProto, ['grpc', 'reflection', 'v1'], 'ServerReflection', address);
    cleanup.push(() => reflection.close());
    const names = await new Promise<string[]>((resolve, reject) => {
      const call = reflection.ServerReflectionInfo();
      call.on('data', (m: any) => {
        resolve(m.list_services_response.service.map((s: { name: string }) => s.name));
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    expect(names).toEqual(expect.arrayContaining(['fedlink.v1.Fleet', 'fedlink.v1.Control']));
  });

  it('coordinator - reports NOT_SERVING to health watchers before it shuts down', async () => {
    // An open health Watch holds a graceful shutdown until the drain timeout; keep that short here.
    const c = await startCoordinator({ host: '127.0.0.1', port: 0, drainTimeoutMs: 500 }, silentLogger());
    const health = loadService(healthProto, ['grpc', 'health', 'v1'], 'Health', `127.0.0.1:${c.port}`);
    cleanup.push(() => health.close());
    const seen: string[] = [];
    const call = health.Watch({ service: '' });
    call.on('data', (m: { status: string }) => seen.push(m.status));
    call.on('error', () => {});
    await waitFor('the first health status', () => (seen.length ? true : undefined), 5000, 20);
    await c.stop();
    expect(seen[0]).toBe('SERVING');
    expect(seen).toContain('NOT_SERVING');
  });

  it('daemon - reconnects by itself to a coordinator restarted on the same address', async () => {
    requireFashionMnist();
    const port = await freePort();
    let c: Coordinator = await startCoordinator({ host: '127.0.0.1', port }, silentLogger());
    const daemon: DaemonHandle = await startDaemon(
      { coordinator: `127.0.0.1:${port}`, clientId: 'phoenix', maxExamples: 300, numPartitions: 1, index: 0, backoffInitialMs: 50, backoffMaxMs: 300 },
      { logger: silentLogger() },
    );
    cleanup.push(() => daemon.stop());
    await waitFor('first connection', () => (c.registry.idleClients().includes('phoenix') ? true : undefined), 20_000);
    await c.stop();
    c = await startCoordinator({ host: '127.0.0.1', port }, silentLogger());
    cleanup.push(() => c.stop());
    await waitFor('the reconnection', () => (c.registry.idleClients().includes('phoenix') ? true : undefined), 20_000);
    expect(c.registry.list().find((x) => x.clientId === 'phoenix')).toMatchObject({ status: 'connected', datasetSize: 300 });
  }, 60_000);
});
