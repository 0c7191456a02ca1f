/** Unit: the /metrics HTTP listener on 127.0.0.1 (a real socket, a registry of one counter). */
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { MetricsServer } from '../../common/metrics/metrics-server';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text';

function registryWithCounter(): Registry {
  const registry = new Registry();
  new Counter({ name: 'fedlink_test_total', help: 'a test counter', registers: [registry] }).inc(3);
  return registry;
}

describe('metrics server', () => {
  it('metrics server - serves the registry at GET /metrics in the Prometheus text format and 404 elsewhere', async () => {
    const server = new MetricsServer(registryWithCounter(), { port: 0 }, silentLogger());
    const port = await server.start();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(sampleSum(parsePrometheusText(await res.text()), 'fedlink_test_total')).toBe(3);
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it('metrics server - stop() closes the port, and a second stop() does nothing', async () => {
    const server = new MetricsServer(registryWithCounter(), { port: 0 }, silentLogger());
    const port = await server.start();
    await server.stop();
    await server.stop();
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('metrics server - a port already in use is a one-line UnavailableError naming it', async () => {
    const first = new MetricsServer(registryWithCounter(), { port: 0 }, silentLogger());
    const port = await first.start();
    try {
      const second = new MetricsServer(registryWithCounter(), { port }, silentLogger());
      const err = await second.start().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toBe(`cannot serve metrics on 127.0.0.1:${port}: address already in use`);
    } finally {
      await first.stop();
    }
  });
});
