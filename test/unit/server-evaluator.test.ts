import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import type { ModelSpec, RunConfig, RunRecord } from '../../common/types';
import { initBackend } from '../../clients/trainer/backend';
import { evaluateWeights } from '../../clients/trainer/evaluate';
import { initialWeights } from '../../clients/trainer/models';
import { trainLocal } from '../../clients/trainer/train';
import { ServerEvaluator, evaluateOnDataset } from '../../services/coordinator/evaluation/server-evaluator';
import { runConfig } from '../helpers/run-config';
import { denseTopology, linearDataset, separableDataset, userSpec } from '../helpers/user-models';

let classifier: ModelSpec;

function record(spec: RunRecord['model'], evalData: string): RunRecord {
  return {
    runId: 'run-eval', state: 'running', config: runConfig({ evalData: evalData as RunConfig['evalData'] }), model: spec,
    currentRound: 1, committedRounds: 1, createdAtMs: 0, updatedAtMs: 0, modelVersion: 'v1',
  };
}

beforeAll(async () => {
  await initBackend({});
  classifier = userSpec(
    denseTopology(4, [
      { units: 8, activation: 'relu' },
      { units: 2, activation: 'softmax' },
    ]),
    { loss: 'sparse-categorical-crossentropy', metrics: ['accuracy'], optimizer: { name: 'adam' } },
  );
});

describe('server evaluator', () => {
  it("server evaluator - scores a user model on a dataset by the run's objective, as the trainer's evaluation does", async () => {
    const data = separableDataset(300, 9);
    const trained = await trainLocal({ spec: classifier, weights: initialWeights(classifier, 1), data: separableDataset(400, 1), config: { localEpochs: 5, batchSize: 16, learningRate: 0.01, seed: 1 } });
    const metrics = await evaluateOnDataset(classifier, trained.weights, data, { logger: silentLogger() });
    expect(metrics).toEqual(await evaluateWeights(classifier, trained.weights, data));
    expect(metrics.numExamples).toBe(300);
    expect(metrics.accuracy).toBeGreaterThan(0.9);

    const regression = userSpec(denseTopology(4, [{ units: 1, activation: 'linear' }]), { loss: 'mae', metrics: ['mae'], optimizer: { name: 'sgd' } });
    const zeros = new Float32Array(5); // predicts 0 for everything: the loss is the mean |y|
    const targets = linearDataset(50, 3);
    const meanAbs = targets.labels.reduce((s, y) => s + Math.abs(y), 0) / targets.count;
    const scored = await evaluateOnDataset(regression, zeros, targets);
    expect(scored.loss).toBeCloseTo(meanAbs, 5);
    expect(scored.accuracy).toBe(0);
    // The errors the run's metrics name are reported; one it does not name is not.
    expect(scored.mae).toBeCloseTo(meanAbs, 5);
    expect(scored.mse).toBeUndefined();
    const both = userSpec(denseTopology(4, [{ units: 1, activation: 'linear' }]), { loss: 'mse', metrics: ['mae', 'mse'], optimizer: { name: 'sgd' } });
    const meanSq = targets.labels.reduce((s, y) => s + y * y, 0) / targets.count;
    const scored2 = await evaluateOnDataset(both, zeros, targets);
    expect(scored2.mse).toBeCloseTo(meanSq, 4);
    expect(scored2.mae).toBeCloseTo(meanAbs, 5);
    expect((await evaluateOnDataset(classifier, trained.weights, data)).mae).toBeUndefined();
  });

  it('server evaluator - evaluation data other than Fashion-MNIST comes from the loader, once per name', async () => {
    const loaded: string[] = [];
    const evaluator = new ServerEvaluator(silentLogger(), undefined, async (evalData) => {
      loaded.push(evalData);
      return evalData === 'csv:held-out.csv' ? separableDataset(100, 4) : undefined;
    });
    await evaluator.prepare('csv:held-out.csv', classifier);
    const weights = initialWeights(classifier, 2);
    const metrics = await evaluator.evaluate(record(classifier, 'csv:held-out.csv'), weights);
    expect(metrics).toEqual(await evaluateWeights(classifier, weights, separableDataset(100, 4)));
    await evaluator.evaluate(record(classifier, 'csv:held-out.csv'), weights);
    expect(loaded).toEqual(['csv:held-out.csv']);
    await expect(evaluator.prepare('csv:missing.csv', classifier)).rejects.toThrow(InvalidArgumentError);
    // The default loader reads the coordinator's own file with the data readers, and never runs a data module.
    await expect(new ServerEvaluator(silentLogger()).evaluate(record(classifier, 'csv:/nonexistent/held-out.csv'), weights)).rejects.toThrow(/held-out\.csv/);
    await expect(new ServerEvaluator(silentLogger()).prepare('module:/tmp/x.js', classifier)).rejects.toThrow(/cannot be a data module/);
  });

  it('server evaluator - a loader that fails is asked again next time', async () => {
    let calls = 0;
    const evaluator = new ServerEvaluator(silentLogger(), undefined, async () => {
      calls++;
      if (calls === 1) throw new Error('disk not mounted');
      return separableDataset(10, 1);
    });
    await expect(evaluator.prepare('csv:x', classifier)).rejects.toThrow(/disk not mounted/);
    await evaluator.prepare('csv:x', classifier);
    expect(calls).toBe(2);
  });
});
