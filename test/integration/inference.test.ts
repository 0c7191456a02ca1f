/**
 * Integration: Inference.Predict over real gRPC on an in-process coordinator
 * while two in-process daemons train a run on a slice of Fashion-MNIST. The
 * served model follows the commits (every request during the swaps succeeds,
 * versions only move forward), outputs equal the checkpoint's model run
 * locally and `model predict` without --remote, and bad requests get their
 * statuses. Then, with mutual TLS, the auth hook: no certificate, a device's
 * certificate, a viewer's.
 */
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorCallError } from '../../clients/cli/errors';
import { connectInference, type InferenceConnection, type RemotePrediction } from '../../clients/cli/inference-client';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import { assignWeights, buildModel } from '../../clients/trainer/models';
import { silentLogger } from '../../common/logger';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCliInProcess } from '../helpers/fake-model-control';
import { createTestPki, type TestPki } from '../helpers/pki';
import { waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';

/** The status a call failed with (the call must fail). */
async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CoordinatorCallError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('the call was not refused');
}

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), (s % 1000) / 1000));
}

describe('integration inference - Predict while a run trains', () => {
  let coordinator: Coordinator;
  let inference: InferenceConnection;
  const daemons: DaemonHandle[] = [];

  beforeAll(async () => {
    requireFashionMnist();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, limits: { maxPredictBatch: 64 } }, silentLogger());
    for (let i = 0; i < 2; i++) {
      daemons.push(
        await startDaemon(
          { coordinator: `127.0.0.1:${coordinator.port}`, clientId: `inf-${i}`, numPartitions: 2, index: i, seed: 5, maxExamples: 1200, backoffInitialMs: 50 },
          { logger: silentLogger() },
        ),
      );
    }
    await waitFor('2 connected sessions', () => (coordinator.registry.idleClients().length === 2 ? true : undefined), 30_000);
    inference = connectInference({ address: `127.0.0.1:${coordinator.port}` });
  }, 60_000);

  afterAll(async () => {
    inference?.close();
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator?.stop();
  });

  it('inference - the served model is swapped as rounds commit; requests during the swaps succeed; outputs are the checkpoint model\'s', async () => {
    const run = await coordinator.manager.createRun(
      fromWireRunConfig(wireRunConfig({ rounds: 3, clientsPerRound: 2, minClients: 2, seed: 5, train: { localEpochs: 1, batchSize: 20, learningRate: 0.1, seed: 5, proximalMu: 0 } })),
    );
    const x = seeded(784, 1);
    const served: Array<RemotePrediction | { code: number }> = [];
    let running = true;
    // Three callers in parallel, back to back, from before the first commit until the run ends.
    const callers = Array.from({ length: 3 }, async () => {
      while (running) {
        served.push(await inference.predict(run.runId, [784], 1, x).catch((err: CoordinatorCallError) => ({ code: err.code })));
      }
    });
    const done = await waitFor('the run to end', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 120_000);
    // A little more traffic on the final model, then stop.
    const total = served.length;
    await waitFor('requests after the end', () => (served.length > total + 10 ? true : undefined), 10_000, 10);
    running = false;
    await Promise.all(callers);
    expect(done.state, done.reason).toBe('completed');

    const firstOk = served.findIndex((s) => 'version' in s);
    expect(firstOk).toBeGreaterThanOrEqual(0);
    // Before the first commit: nothing to serve. After it: no request fails, swaps included.
    for (const s of served.slice(0, firstOk)) expect(s).toEqual({ code: status.FAILED_PRECONDITION });
    const ok = served.slice(firstOk);
    expect(ok.filter((s) => !('version' in s))).toEqual([]);
    const byRound = new Map(done.checkpoints!.map((c) => [c.round, c.version]));
    let last = 0;
    for (const s of ok as RemotePrediction[]) {
      expect(s.version).toBe(byRound.get(s.round));
      expect(s.round).toBeGreaterThanOrEqual(last); // the one reference only ever moves forward
      last = s.round;
    }
    const rounds = new Set((ok as RemotePrediction[]).map((s) => s.round));
    expect(rounds.size, `rounds served: ${[...rounds]}`).toBeGreaterThanOrEqual(2);
    expect(last).toBe(3);
    expect((ok.at(-1) as RemotePrediction).version).toBe(done.modelVersion);

    // A batch of 64 equals the final checkpoint's model run here, and a pinned round answers with its own checkpoint.
    const batch = seeded(64 * 784, 2);
    const remote = await inference.predict(run.runId, [784], 64, batch);
    expect(remote.shape).toEqual([64, 10]);
    const c = await coordinator.manager.checkpoint(run.runId, -1);
    const model = buildModel(c.run.model);
    assignWeights(model, c.weights);
    const local = (model.predict(tf.tensor(batch, [64, 784])) as tf.Tensor).dataSync();
    model.dispose();
    remote.values.forEach((v, i) => expect(v).toBeCloseTo(local[i], 5));
    const pinned = await inference.predict(run.runId, [784], 1, x, 1);
    expect([pinned.round, pinned.version]).toEqual([1, byRound.get(1)]);

    // `model predict --remote` and the local path agree, line for line.
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-inf-'));
    try {
      const rows = Array.from({ length: 5 }, (_, i) => Array.from(seeded(784, 10 + i), (v) => Math.round(v * 255)).join(','));
      writeFileSync(path.join(dir, 'rows.csv'), `${rows.join('\n')}\n`);
      const args = ['model', 'predict', run.runId, '--input', path.join(dir, 'rows.csv'), '--coordinator', `127.0.0.1:${coordinator.port}`, '--top', '3'];
      const viaService = await runCliInProcess(...args, '--remote');
      const here = await runCliInProcess(...args);
      expect(viaService.stderr).toBe('');
      expect(viaService.code).toBe(0);
      expect(viaService.stdout.split('\n')).toHaveLength(6);
      expect(viaService.stdout).toBe(here.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('inference - an unknown run is NOT_FOUND, a run with no committed round FAILED_PRECONDITION, a bad shape INVALID_ARGUMENT, a batch over the limit RESOURCE_EXHAUSTED', async () => {
    // Started (so its initial model, round 0, is stored) but waiting for more clients than there are.
    const fresh = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ clientsPerRound: 5, minClients: 5 })));
    await waitFor('the initial checkpoint', async () => ((await coordinator.manager.getRun(fresh.runId)).checkpoints?.length ? true : undefined), 10_000, 20);
    const one = new Float32Array(784);
    expect(await refusal(inference.predict('run-nope', [784], 1, one))).toEqual({ code: status.NOT_FOUND, message: 'run run-nope not found' });
    const unready = await refusal(inference.predict(fresh.runId, [784], 1, one));
    expect(unready.code).toBe(status.FAILED_PRECONDITION);
    expect(unready.message).toMatch(/has no committed round yet/);
    // Round 0, the initial model, can be pinned: it exists from the start.
    expect((await inference.predict(fresh.runId, [784], 1, one, 0)).round).toBe(0);
    const bad = await refusal(inference.predict(fresh.runId, [28, 28], 1, one, 0));
    expect(bad).toEqual({ code: status.INVALID_ARGUMENT, message: `inputs of shape [28, 28] do not fit the model of run ${fresh.runId}, which takes [784] per example (send shape [1, 784])` });
    const big = await refusal(inference.predict(fresh.runId, [784], 65, new Float32Array(65 * 784), 0));
    expect(big).toEqual({ code: status.RESOURCE_EXHAUSTED, message: 'a batch of 65 inputs is over the limit of 64 (--max-predict-batch)' });
  });
});

describe('integration inference - behind the auth hook (mutual TLS)', () => {
  let pki: TestPki;
  let coordinator: Coordinator;
  let address: string;
  const opened: InferenceConnection[] = [];
  const open = (tls: Parameters<typeof connectInference>[0]['tls']) => {
    const c = connectInference({ address, tls });
    opened.push(c);
    return c;
  };

  beforeAll(async () => {
    pki = await createTestPki();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, tls: pki.coordinator, ca: pki.ca }, silentLogger());
    address = `127.0.0.1:${coordinator.port}`;
  }, 60_000);

  afterAll(async () => {
    for (const c of opened) c.close();
    await coordinator?.stop();
    pki?.remove();
  });

  it('inference auth - no certificate is UNAUTHENTICATED, a device certificate PERMISSION_DENIED; a viewer gets through to the run', async () => {
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig()));
    await waitFor('the initial checkpoint', async () => ((await coordinator.manager.getRun(run.runId)).checkpoints?.length ? true : undefined), 10_000, 20);
    const one = new Float32Array(784);
    const anonymous = open({ caPem: pki.ca.certPem });
    expect((await refusal(anonymous.predict(run.runId, [784], 1, one, 0))).code).toBe(status.UNAUTHENTICATED);
    const device = open(await pki.client('edge-1'));
    expect(await refusal(device.predict(run.runId, [784], 1, one, 0))).toEqual({
      code: status.PERMISSION_DENIED,
      message: "permission denied for Predict: Predict needs an operator certificate; this is client edge-1's",
    });
    const viewer = open(await pki.operator('vera', 'viewer'));
    const answer = await viewer.predict(run.runId, [784], 1, one, 0);
    expect([answer.round, answer.shape]).toEqual([0, [1, 10]]);
    expect((await refusal(viewer.predict('run-nope', [784], 1, one))).code).toBe(status.NOT_FOUND);
  });
});
