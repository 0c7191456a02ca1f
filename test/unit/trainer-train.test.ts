import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
import type { TrainConfig, TrainProgress } from '../../common/types';
import { initBackend } from '../../clients/trainer/backend';
import { evaluateWeights } from '../../clients/trainer/evaluate';
import { loadFashionMnist, subset, type LabeledImages } from '../../clients/trainer/fashion-mnist';
import { makeBatch, crossEntropySum } from '../../clients/trainer/batches';
import { assignWeights, buildModel, flattenWeights, initialWeights, modelSpecFor } from '../../clients/trainer/models';
import { trainLocal } from '../../clients/trainer/train';
import { requireFashionMnist } from '../helpers/fashion-mnist';

const mlp = modelSpecFor('mlp');
const config: TrainConfig = { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: 7 };
let train: LabeledImages;
let test: LabeledImages;

beforeAll(async () => {
  const dir = requireFashionMnist();
  await initBackend({ model: 'mlp' });
  train = await loadFashionMnist('train', { dir, limit: 2000 });
  test = await loadFashionMnist('test', { dir });
});

describe('trainer', () => {
  it('trainer - one epoch of the mlp on 2000 examples generalises well above chance', async () => {
    const weights = initialWeights(mlp, 1);
    const progress: TrainProgress[] = [];
    const outcome = await trainLocal({ spec: mlp, weights, data: train, config }, { onProgress: (p) => progress.push(p) });
    expect(outcome.numExamples).toBe(2000);
    expect(outcome.steps).toBe(Math.ceil(2000 / 32));
    expect(outcome.weights.length).toBe(weights.length);
    expect(outcome.weights).not.toEqual(weights);
    expect(outcome.localEval.accuracy).toBeLessThan(0.3); // untrained: about chance
    expect(outcome.train.loss).toBeLessThan(outcome.localEval.loss);
    expect(outcome.train.accuracy).toBeGreaterThan(0.4);
    expect(outcome.durationMs).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ fraction: 1, epoch: 1, loss: outcome.train.loss });
    const held = await evaluateWeights(mlp, outcome.weights, test);
    expect(held.numExamples).toBe(10000);
    expect(held.accuracy).toBeGreaterThan(0.5);
    // same inputs, same seed: same weights
    const again = await trainLocal({ spec: mlp, weights, data: train, config });
    expect(again.weights).toEqual(outcome.weights);
  });

  it('trainer - a proximal term (FedProx μ > 0) keeps the local model closer to the global one than μ = 0 on the same seed', async () => {
    const weights = initialWeights(mlp, 4);
    const data = subset(train, Array.from({ length: 500 }, (_, i) => i));
    const distance = (w: Float32Array) => Math.sqrt(w.reduce((s, x, i) => s + (x - weights[i]) ** 2, 0));
    const plain = await trainLocal({ spec: mlp, weights, data, config: { ...config, localEpochs: 2 } });
    const prox = await trainLocal({ spec: mlp, weights, data, config: { ...config, localEpochs: 2, proximalMu: 1 } });
    const zero = await trainLocal({ spec: mlp, weights, data, config: { ...config, localEpochs: 2, proximalMu: 0 } });
    expect(zero.weights).toEqual(plain.weights); // μ = 0 is plain SGD, bit for bit
    expect(distance(prox.weights)).toBeLessThan(0.97 * distance(plain.weights));
    expect(distance(prox.weights)).toBeGreaterThan(0); // still trains
    await expect(trainLocal({ spec: mlp, weights, data, config: { ...config, proximalMu: -1 } })).rejects.toThrow(/proximalMu/);
  });

  it("trainer - batch size 'full' takes exactly one step per epoch", async () => {
    const data = subset(train, Array.from({ length: 300 }, (_, i) => i));
    const outcome = await trainLocal({ spec: mlp, weights: initialWeights(mlp, 2), data, config: { ...config, batchSize: 'full', localEpochs: 3 } });
    expect(outcome.steps).toBe(3);
    expect(outcome.train.numExamples).toBe(300);
  });

  it("trainer - a 'full' batch computed in chunks equals one plain SGD step on the whole batch", async () => {
    const weights = initialWeights(mlp, 10);
    const data = subset(train, Array.from({ length: 1300 }, (_, i) => i)); // > 2 chunks
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const outcome = await trainLocal({ spec: mlp, weights, data, config: { ...config, batchSize: 'full' } }).finally(() => clearInterval(timer));
    expect(ticks).toBeGreaterThan(1); // the event loop turned during the single step

    const model = buildModel(mlp);
    assignWeights(model, weights);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = tf.train.sgd(config.learningRate);
    const { xs, ys } = makeBatch(mlp, data, 0, data.count);
    const cost = optimizer.minimize(() => tf.div(crossEntropySum(ys, model.apply(xs) as tf.Tensor), data.count) as tf.Scalar, true, vars)!;
    const expected = flattenWeights(model);
    expect(outcome.train.loss).toBeCloseTo(cost.dataSync()[0], 5);
    tf.dispose([xs, ys, cost]);
    optimizer.dispose();
    model.dispose();
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - outcome.weights[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('trainer - an already aborted signal rejects with CancelledError before any work', async () => {
    const controller = new AbortController();
    controller.abort();
    const progress: TrainProgress[] = [];
    // Weights that validation would refuse: a CancelledError shows the signal is checked before anything else runs.
    const refusable = { spec: mlp, weights: new Float32Array(3), data: train, config };
    await expect(trainLocal(refusable, { signal: controller.signal, onProgress: (p) => progress.push(p) })).rejects.toThrow(CancelledError);
    expect(progress).toEqual([]);
  });

  it('trainer - aborting mid-training rejects with CancelledError before the next batch', async () => {
    const controller = new AbortController();
    const reason = new Error('task cancelled by coordinator');
    const progress: TrainProgress[] = [];
    const totalSteps = Math.ceil(2000 / 8) * 20;
    const run = trainLocal(
      { spec: mlp, weights: initialWeights(mlp, 4), data: train, config: { ...config, batchSize: 8, localEpochs: 20 } },
      {
        signal: controller.signal,
        // Every batch reports, so the reports count the batches done.
        progressIntervalMs: 0,
        onProgress: (p) => {
          progress.push(p);
          if (progress.length === 2) controller.abort(reason);
        },
      },
    );
    await expect(run).rejects.toThrow(CancelledError);
    await expect(run).rejects.toMatchObject({ cause: reason });
    // Aborted after batch 2: no batch after it completed (no report after it, not even the final one).
    expect(progress.map((p) => p.fraction)).toEqual([1 / totalSteps, 2 / totalSteps]);
  });

  it('trainer - progress is throttled and heartbeats keep flowing during training (fake time)', async () => {
    // Every reading of the clock moves it 100 ms on: pacing then yields at every check, and
    // progress may be reported only once 1 s of this time has passed since the last report.
    let t = 0;
    const now = () => (t += 100);
    let turns = 0;
    let spinning = true;
    const spin = () => {
      if (!spinning) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const progress: Array<TrainProgress & { at: number }> = [];
    let outcome: Awaited<ReturnType<typeof trainLocal>>;
    try {
      outcome = await trainLocal(
        { spec: mlp, weights: initialWeights(mlp, 5), data: train, config: { ...config, batchSize: 16 } },
        { onProgress: (p) => progress.push({ ...p, at: t }), now, progressIntervalMs: 1000 },
      );
    } finally {
      spinning = false;
    }
    // The event loop got a turn for every batch (a heartbeat timer would have fired).
    expect(turns).toBeGreaterThanOrEqual(outcome.steps);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.length).toBeLessThan(outcome.steps);
    for (let i = 1; i < progress.length - 1; i++) {
      expect(progress[i].at - progress[i - 1].at).toBeGreaterThanOrEqual(1000);
      expect(progress[i].fraction).toBeGreaterThan(progress[i - 1].fraction);
    }
    expect(progress.at(-1)!.fraction).toBe(1);
  });

  it('trainer - training and evaluation leak no tensors', async () => {
    const weights = initialWeights(mlp, 6);
    const data = subset(train, Array.from({ length: 200 }, (_, i) => i));
    await trainLocal({ spec: mlp, weights, data, config }); // warm up: evaluation caches its model
    const before = tf.memory().numTensors;
    await trainLocal({ spec: mlp, weights, data, config });
    const controller = new AbortController();
    controller.abort();
    await trainLocal({ spec: mlp, weights, data, config }, { signal: controller.signal }).catch(() => undefined);
    await evaluateWeights(mlp, weights, data, { batchSize: 64 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trainer - bad configs and mismatched weights are rejected', async () => {
    const weights = initialWeights(mlp, 8);
    const bad: Array<Partial<TrainConfig>> = [{ localEpochs: 0 }, { batchSize: 0 }, { batchSize: 1.5 }, { learningRate: -1 }, { learningRate: NaN }];
    for (const patch of bad) {
      await expect(trainLocal({ spec: mlp, weights, data: train, config: { ...config, ...patch } }), JSON.stringify(patch)).rejects.toThrow(
        InvalidArgumentError,
      );
    }
    await expect(trainLocal({ spec: mlp, weights: weights.subarray(1), data: train, config })).rejects.toThrow(InvalidArgumentError);
  });

  it('evaluate - batched evaluation matches a single pass', async () => {
    const weights = initialWeights(mlp, 9);
    const data = subset(test, Array.from({ length: 500 }, (_, i) => i * 3));
    const whole = await evaluateWeights(mlp, weights, data, { batchSize: 500 });
    const batched = await evaluateWeights(mlp, weights, data, { batchSize: 7 });
    expect(batched.accuracy).toBe(whole.accuracy);
    expect(batched.loss).toBeCloseTo(whole.loss, 4);
    expect(whole.loss).toBeGreaterThan(1.5); // untrained on 10 classes: about ln 10
  });

  it('trainer - the cnn trains on cpu without tfjs-node', async () => {
    const cnn = modelSpecFor('cnn');
    const data = subset(train, Array.from({ length: 48 }, (_, i) => i));
    const outcome = await trainLocal({ spec: cnn, weights: initialWeights(cnn, 1), data, config: { ...config, batchSize: 16 } });
    expect(['cpu', 'tensorflow']).toContain(outcome.backend);
    expect(outcome.steps).toBe(3);
    expect(Number.isFinite(outcome.train.loss)).toBe(true);
  });
});
