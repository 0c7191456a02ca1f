/**
 * Integration: a real coordinator gRPC server on 127.0.0.1:0 and three
 * in-process client sessions training real TFJS models on a small slice of
 * Fashion-MNIST: one full round over the real wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';

describe('integration one round', () => {
  let coordinator: Coordinator;
  const daemons: DaemonHandle[] = [];

  beforeAll(async () => {
    requireFashionMnist();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
    for (let i = 0; i < 3; i++) {
      daemons.push(
        await startDaemon(
          { coordinator: `127.0.0.1:${coordinator.port}`, clientId: `it-${i}`, partition: 'iid', numPartitions: 3, index: i, seed: 3, maxExamples: 1500, backoffInitialMs: 50 },
          { logger: silentLogger() },
        ),
      );
    }
    await waitFor('3 connected sessions', () => (coordinator.registry.idleClients().length === 3 ? true : undefined), 30_000);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator?.stop();
  });

  it('integration - three client sessions train and one round commits over the real wire', async () => {
    const run = await coordinator.manager.createRun(
      fromWireRunConfig(
        wireRunConfig({
          clientsPerRound: 3, minClients: 3, evalData: 'fashion-mnist-test', acceptFailures: false, roundDeadlineMs: 120_000, seed: 3,
          train: { localEpochs: 1, batchSize: 20, learningRate: 0.1, seed: 3, proximalMu: 0 },
        }),
      ),
    );
    const done = await waitFor('the run to end', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 120_000);
    expect(done.state, done.reason).toBe('completed');
    const round = await coordinator.manager.getRound(run.runId, 1);
    expect(round.state).toBe('committed');
    const byId = [...round.clients].sort((a, b) => a.clientId.localeCompare(b.clientId));
    expect(byId.map((c) => [c.clientId, c.state, c.numExamples])).toEqual([
      ['it-0', 'finished', 500], ['it-1', 'finished', 500], ['it-2', 'finished', 500],
    ]);
    const modelBytes = 199_210 * 4;
    expect(round.bytesUp).toBe(3 * modelBytes);
    expect(round.bytesDown).toBe(3 * modelBytes);
    for (const c of round.clients) {
      expect(c.trainLoss).toBeGreaterThan(0);
      // Clients evaluated the received global model on their own data before training.
      expect(c.localEvalAccuracy).toBeLessThan(0.5);
    }
    // One round on 1,500 examples already beats chance (0.1) by far on the 10k test set.
    expect(round.eval!.numExamples).toBe(10_000);
    expect(round.eval!.accuracy).toBeGreaterThan(0.4);
    expect(done.modelVersion).not.toBe(round.modelVersion);
  }, 180_000);
});

describe('integration float16 broadcast', () => {
  it('integration - with --downlink float16 clients fetch half the bytes and the round still commits', async () => {
    const coordinator = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
    const daemons: DaemonHandle[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        daemons.push(await startDaemon({ coordinator: `127.0.0.1:${coordinator.port}`, clientId: `half-${i}`, numPartitions: 2, index: i, maxExamples: 400, backoffInitialMs: 50 }, { logger: silentLogger() }));
      }
      await waitFor('2 sessions', () => (coordinator.registry.idleClients().length === 2 ? true : undefined), 30_000);
      const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ rounds: 2, clientsPerRound: 2, minClients: 2, downlink: 'float16', roundDeadlineMs: 60_000 })));
      const done = await waitFor('the run', async () => {
        const r = await coordinator.manager.getRun(run.runId);
        return r.state === 'running' || r.state === 'pending' ? undefined : r;
      }, 60_000);
      expect(done.state, done.reason).toBe('completed');
      for (const n of [1, 2]) {
        const round = await coordinator.manager.getRound(run.runId, n);
        for (const c of round.clients) expect(c.bytesDown).toBe(16 + 2 * 199_210);
      }
    } finally {
      await Promise.all(daemons.map((d) => d.stop()));
      await coordinator.stop();
    }
  }, 90_000);
});
