/**
 * Integration: a real coordinator and two daemons, each with /metrics on a
 * free port, train a 4-round run on a slice of Fashion-MNIST; /metrics is
 * scraped over HTTP while the run goes and after it, and the series move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import { connectControl } from '../../clients/cli/control-client';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { waitFor } from '../helpers/cli';
import { StopWaiting } from '../../common/wait-for';
import { UnavailableError } from '../../common/errors';
import { freePort } from '../../clients/demo/free-port';
import { wireRunConfig } from '../helpers/run-config';
import { hasSample, parsePrometheusText, sampleSum, type Sample } from '../helpers/prometheus-text';

const ROUNDS = 4;

/** GET /metrics: the content type and the samples. */
async function scrape(port: number): Promise<{ contentType: string; samples: Sample[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get('content-type') ?? '', samples: parsePrometheusText(await res.text()) };
}

describe('integration metrics', () => {
  let coordinator: Coordinator;
  const daemons: DaemonHandle[] = [];

  beforeAll(async () => {
    requireFashionMnist();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, metricsPort: 0 }, silentLogger());
    for (let i = 0; i < 2; i++) {
      daemons.push(
        await startDaemon(
          { coordinator: `127.0.0.1:${coordinator.port}`, clientId: `metrics-${i}`, numPartitions: 2, index: i, maxExamples: 400, backoffInitialMs: 50, metricsPort: 0 },
          { logger: silentLogger() },
        ),
      );
    }
    await waitFor('2 connected sessions', () => (coordinator.registry.idleClients().length === 2 ? true : undefined), 30_000);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator?.stop();
  });

  it('integration metrics - /metrics of the coordinator and the daemons move while a real run trains', async () => {
    const port = coordinator.metrics!.port;
    const before = await scrape(port);
    expect(before.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sampleSum(before.samples, 'fedlink_clients_connected')).toBe(2);
    expect(hasSample(before.samples, 'fedlink_process_cpu_seconds_total')).toBe(true);
    expect(sampleSum(before.samples, 'fedlink_rounds_total', { state: 'committed' })).toBe(0);

    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ rounds: ROUNDS, clientsPerRound: 2, minClients: 2, roundDeadlineMs: 60_000 })));
    // Scraped while the run goes: the first scrape that sees a committed round, before the last one.
    const during = await waitFor('a scrape between the first and the last committed round', async () => {
      const s = await scrape(port);
      const committed = sampleSum(s.samples, 'fedlink_rounds_total', { state: 'committed' });
      if (committed >= ROUNDS) throw new StopWaiting('the run finished between two scrapes 50 ms apart: no scrape saw it going');
      return committed >= 1 ? s.samples : undefined;
    }, 120_000, 50);
    expect(sampleSum(during, 'fedlink_runs_active')).toBe(1);
    expect(sampleSum(during, 'fedlink_transfer_bytes_total', { direction: 'down' })).toBeGreaterThan(0);
    expect(sampleSum(during, 'fedlink_transfer_bytes_total', { direction: 'up', encoding: 'float32' })).toBeGreaterThan(0);

    const done = await waitFor('the run to end', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 120_000);
    expect(done.state, done.reason).toBe('completed');
    // A refusal: Control.GetRun of a run that does not exist.
    const control = connectControl({ address: `127.0.0.1:${coordinator.port}` });
    await expect(control.getRun('run-none')).rejects.toThrow();
    control.close();

    const after = (await scrape(port)).samples;
    expect(sampleSum(after, 'fedlink_rounds_total', { state: 'committed' })).toBe(ROUNDS);
    expect(sampleSum(after, 'fedlink_rounds_total', { state: 'committed' })).toBeGreaterThan(sampleSum(during, 'fedlink_rounds_total', { state: 'committed' }));
    expect(sampleSum(after, 'fedlink_round_duration_seconds_count', { state: 'committed' })).toBe(ROUNDS);
    expect(sampleSum(after, 'fedlink_clients_selected_total')).toBe(2 * ROUNDS);
    for (const phase of ['download', 'train', 'upload']) {
      expect(sampleSum(after, 'fedlink_round_phase_duration_seconds_count', { phase })).toBe(2 * ROUNDS);
    }
    for (const phase of ['aggregate', 'commit']) {
      expect(sampleSum(after, 'fedlink_round_phase_duration_seconds_count', { phase })).toBe(ROUNDS);
    }
    expect(sampleSum(after, 'fedlink_round_phase_duration_seconds_count', { phase: 'train' })).toBeGreaterThan(sampleSum(during, 'fedlink_round_phase_duration_seconds_count', { phase: 'train' }));
    expect(sampleSum(after, 'fedlink_transfer_bytes_total', { direction: 'up' })).toBeGreaterThan(sampleSum(during, 'fedlink_transfer_bytes_total', { direction: 'up' }));
    expect(sampleSum(after, 'fedlink_store_operation_duration_seconds_count', { operation: 'putRound', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleSum(after, 'fedlink_rpc_refusals_total', { method: '/fedlink.v1.Control/GetRun', code: 'NOT_FOUND' })).toBe(1);
    expect(sampleSum(after, 'fedlink_runs_active')).toBe(0);
    // The coordinator measures every transfer it serves: the link estimates moved, with no client label.
    expect(sampleSum(after, 'fedlink_link_rate_mbps_count', { direction: 'up' })).toBeGreaterThan(0);
    expect(sampleSum(after, 'fedlink_link_clients', { presence: 'online' })).toBe(2);
    expect(sampleSum(after, 'fedlink_clients_connected')).toBe(2);
    // Bounded labels: no series carries a client or run id.
    expect(after.filter((s) => Object.values(s.labels).some((v) => v.startsWith('metrics-') || v === run.runId))).toEqual([]);

    for (const d of daemons) {
      const s = (await scrape(d.metrics!.port)).samples;
      expect(sampleSum(s, 'fedlink_daemon_connected')).toBe(1);
      expect(sampleSum(s, 'fedlink_daemon_tasks_total', { outcome: 'finished' })).toBe(ROUNDS);
      expect(sampleSum(s, 'fedlink_daemon_training_duration_seconds_count')).toBe(ROUNDS);
      expect(sampleSum(s, 'fedlink_daemon_transfer_bytes_total', { direction: 'down' })).toBeGreaterThan(0);
      expect(sampleSum(s, 'fedlink_daemon_transfer_bytes_total', { direction: 'up' })).toBeGreaterThan(0);
    }
  }, 240_000);
});

describe('integration metrics port', () => {
  it('integration metrics - a metrics port already taken fails the start with one line and leaves the gRPC port free', async () => {
    const first = await startCoordinator({ host: '127.0.0.1', port: 0, metricsPort: 0 }, silentLogger());
    const grpcPort = await freePort();
    try {
      const err = await startCoordinator({ host: '127.0.0.1', port: grpcPort, metricsPort: first.metrics!.port }, silentLogger()).then(
        async (c) => {
          await c.stop();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toBe(`cannot serve metrics on 127.0.0.1:${first.metrics!.port}: address already in use`);
      // The gRPC port the failed start had bound is free again.
      const again = await startCoordinator({ host: '127.0.0.1', port: grpcPort }, silentLogger());
      expect(again.port).toBe(grpcPort);
      await again.stop();
    } finally {
      await first.stop();
    }
  }, 60_000);
});
