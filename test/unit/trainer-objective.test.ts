import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { Objective, OptimizerName } from '../../common/model-definition';
import type { TrainConfig } from '../../common/types';
import { initBackend } from '../../clients/trainer/backend';
import { checkDataFitsSpec } from '../../clients/trainer/batches';
import type { LocalDataset } from '../../clients/trainer/dataset';
import { evaluateWeights } from '../../clients/trainer/evaluate';
import { buildModel, initialWeights } from '../../clients/trainer/models';
import { trainLocal } from '../../clients/trainer/train';
import { denseTopology, linearDataset, separableDataset, userSpec } from '../helpers/user-models';

const classify = (optimizer: OptimizerName): Objective => ({ loss: 'sparse-categorical-crossentropy', metrics: ['accuracy'], optimizer: { name: optimizer } });
const TINY = denseTopology(4, [
  { units: 8, activation: 'relu' },
  { units: 2, activation: 'softmax' },
]);
const config: TrainConfig = { localEpochs: 10, batchSize: 16, learningRate: 0.1, seed: 3 };
const train = separableDataset(400, 1);
const heldOut = separableDataset(400, 2);

beforeAll(async () => {
  await initBackend({});
});

describe('trainer objective', () => {
  const rates: Record<OptimizerName, number> = { sgd: 0.1, momentum: 0.05, adam: 0.01 };
  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    it(`trainer objective - a hand-written Dense 4→8→2 softmax model learns separable data with ${optimizer} to over 90% held-out accuracy`, async () => {
      const spec = userSpec(TINY, classify(optimizer));
      const weights = initialWeights(spec, 11);
      const outcome = await trainLocal({ spec, weights, data: train, config: { ...config, learningRate: rates[optimizer] } });
      expect(outcome.steps).toBe(Math.ceil(400 / 16) * 10);
      expect(outcome.train.accuracy).toBeGreaterThan(0.9);
      const held = await evaluateWeights(spec, outcome.weights, heldOut);
      expect(held.accuracy).toBeGreaterThan(0.9);
      expect(held.loss).toBeLessThan(outcome.localEval.loss);
    });
  }

  it('trainer objective - the optimisers are different optimisers: same data, seed and rate, different weights', async () => {
    const results = [];
    for (const name of ['sgd', 'momentum', 'adam'] as const) {
      const spec = userSpec(TINY, classify(name));
      results.push((await trainLocal({ spec, weights: initialWeights(spec, 1), data: train, config: { ...config, localEpochs: 1, learningRate: 0.01 } })).weights);
    }
    expect(results[1]).not.toEqual(results[0]);
    expect(results[2]).not.toEqual(results[0]);
    expect(results[2]).not.toEqual(results[1]);
  });

  it('trainer objective - a regression model (Dense → 1, mse) cuts its loss; accuracy is reported as 0', async () => {
    const spec = userSpec(denseTopology(4, [{ units: 1, activation: 'linear' }]), { loss: 'mse', metrics: ['mse'], optimizer: { name: 'sgd' } });
    const data = linearDataset(300, 4);
    const outcome = await trainLocal({ spec, weights: initialWeights(spec, 2), data, config: { ...config, learningRate: 0.05 } });
    expect(outcome.localEval.loss).toBeGreaterThan(1);
    expect(outcome.train.loss).toBeLessThan(outcome.localEval.loss / 10);
    expect(outcome.train.accuracy).toBe(0);
    const held = await evaluateWeights(spec, outcome.weights, linearDataset(200, 5));
    expect(held.loss).toBeLessThan(0.05); // noise variance 0.0025: close to the true line
    expect(held.accuracy).toBe(0);
    // mae is the mean absolute error of the same predictions: about sqrt(2/π)·σ for Gaussian errors, below sqrt(mse)
    const mae = await evaluateWeights({ ...spec, objective: { ...spec.objective!, loss: 'mae' } }, outcome.weights, linearDataset(200, 5));
    expect(mae.loss).toBeLessThan(Math.sqrt(held.loss));
    expect(mae.loss).toBeGreaterThan(0);
  });

  it('trainer objective - binary cross-entropy with a sigmoid output learns separable data', async () => {
    const spec = userSpec(denseTopology(4, [{ units: 8, activation: 'relu' }, { units: 1, activation: 'sigmoid' }]), {
      loss: 'binary-crossentropy',
      metrics: ['accuracy'],
      optimizer: { name: 'adam' },
    });
    const outcome = await trainLocal({ spec, weights: initialWeights(spec, 6), data: train, config: { ...config, learningRate: 0.01 } });
    expect(outcome.localEval.loss).toBeGreaterThan(0.4); // about ln 2 untrained
    expect(outcome.train.loss).toBeLessThan(outcome.localEval.loss / 2);
    const held = await evaluateWeights(spec, outcome.weights, heldOut);
    expect(held.accuracy).toBeGreaterThan(0.9);
  });

  it('trainer objective - FedProx with adam keeps the model closer to the global one, and μ = 0 is plain adam bit for bit', async () => {
    const spec = userSpec(TINY, classify('adam'));
    const weights = initialWeights(spec, 8);
    const distance = (w: Float32Array) => Math.sqrt(w.reduce((s, x, i) => s + (x - weights[i]) ** 2, 0));
    const base = { ...config, localEpochs: 3, learningRate: 0.01 };
    const plain = await trainLocal({ spec, weights, data: train, config: base });
    const zero = await trainLocal({ spec, weights, data: train, config: { ...base, proximalMu: 0 } });
    const prox = await trainLocal({ spec, weights, data: train, config: { ...base, proximalMu: 5 } });
    expect(zero.weights).toEqual(plain.weights);
    expect(distance(prox.weights)).toBeLessThan(0.9 * distance(plain.weights));
    expect(distance(prox.weights)).toBeGreaterThan(0);
  });

  it('trainer objective - a user model with convolutions trains, on a backend that has their backward kernels', async () => {
    const conv = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 6, 6, 1], name: 'image' } },
          { class_name: 'Conv2D', config: { name: 'conv', filters: 2, kernel_size: 3, activation: 'relu' } },
          { class_name: 'Flatten', config: { name: 'flat' } },
          { class_name: 'Dense', config: { name: 'out', units: 2, activation: 'softmax' } },
        ],
      },
    });
    const spec = userSpec(conv, classify('sgd'));
    const data: LocalDataset = { count: 8, featureShape: [36], features: Float32Array.from({ length: 8 * 36 }, (_, i) => (i % 7) / 7), labelShape: [], labels: Float32Array.from([0, 1, 0, 1, 0, 1, 0, 1]) };
    const outcome = await trainLocal({ spec, weights: initialWeights(spec, 1), data, config: { ...config, localEpochs: 1, batchSize: 4 } });
    expect(['cpu', 'tensorflow']).toContain(outcome.backend);
    expect(outcome.steps).toBe(2);
    expect(Number.isFinite(outcome.train.loss)).toBe(true);
    await initBackend({}); // back to the fastest backend for the other tests
  });

  it("trainer objective - a topology's weight constraints and regularisers take effect in training", async () => {
    const withLayer = (extra: Record<string, unknown>) =>
      JSON.stringify({
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } },
            { class_name: 'Dense', config: { name: 'hidden', units: 8, activation: 'relu', ...extra } },
            { class_name: 'Dense', config: { name: 'out', units: 2, activation: 'softmax' } },
          ],
        },
      });
    const run = async (extra: Record<string, unknown>) => {
      const spec = userSpec(withLayer(extra), classify('sgd'));
      const outcome = await trainLocal({ spec, weights: initialWeights(spec, 4), data: train, config: { ...config, localEpochs: 3 } });
      return outcome.weights.subarray(0, 32); // the hidden kernel, [4, 8]
    };
    const plain = await run({});
    const constrained = await run({ kernel_constraint: { class_name: 'MaxNorm', config: { max_value: 0.1, axis: 0 } } });
    for (let unit = 0; unit < 8; unit++) {
      let norm = 0;
      for (let input = 0; input < 4; input++) norm += constrained[input * 8 + unit] ** 2;
      expect(Math.sqrt(norm)).toBeLessThanOrEqual(0.1 + 1e-5);
    }
    const regularised = await run({ kernel_regularizer: { class_name: 'L1L2', config: { l1: 0, l2: 0.5 } } });
    const size = (w: Float32Array) => Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    expect(size(regularised)).toBeLessThan(0.7 * size(plain));
  });

  it('trainer objective - batch normalisation updates its moving statistics while training', async () => {
    const topology = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'InputLayer', config: { batch_input_shape: [null, 4], name: 'in' } },
          { class_name: 'Dense', config: { name: 'hidden', units: 8, activation: 'relu' } },
          // Momentum 0.8, not Keras's 0.99: the moving statistics settle within the 50 steps of this test.
          { class_name: 'BatchNormalization', config: { name: 'norm', momentum: 0.8 } },
          { class_name: 'Dense', config: { name: 'out', units: 2, activation: 'softmax' } },
        ],
      },
    });
    const spec = userSpec(topology, classify('adam'));
    const weights = initialWeights(spec, 5);
    const outcome = await trainLocal({ spec, weights, data: train, config: { ...config, localEpochs: 2, learningRate: 0.01 } });
    const at = (name: string) => {
      let offset = 0;
      for (const t of spec.tensors) {
        const size = t.shape.reduce((a, b) => a * b, 1);
        if (t.name === name) return [offset, offset + size];
        offset += size;
      }
      throw new Error(name);
    };
    const [from, to] = at('norm/moving_mean');
    expect(weights.subarray(from, to).every((v) => v === 0)).toBe(true);
    expect(outcome.weights.subarray(from, to).some((v) => v !== 0)).toBe(true);
    // Evaluation normalises with the moving statistics: had they stayed at 0 and 1, held-out accuracy would suffer.
    expect((await evaluateWeights(spec, outcome.weights, heldOut)).accuracy).toBeGreaterThan(0.9);
  });

  it('trainer objective - data that does not fit the model or its loss is refused, naming what it got and what was needed', () => {
    const spec = userSpec(TINY, classify('sgd'));
    const wide: LocalDataset = { ...train, featureShape: [5], features: new Float32Array(400 * 5) };
    expect(() => checkDataFitsSpec(spec, wide)).toThrow(/data examples have shape \[5\], model "custom" takes \[4\]/);
    const badClass: LocalDataset = { ...train, labels: Float32Array.from(train.labels, (l, i) => (i === 7 ? 2 : l)) };
    expect(() => checkDataFitsSpec(spec, badClass)).toThrow(/label 2 at example 7 is not a class of model "custom" \(0..1\)/);
    const binary = userSpec(denseTopology(4, [{ units: 1, activation: 'sigmoid' }]), { loss: 'binary-crossentropy', metrics: [], optimizer: { name: 'sgd' } });
    const notBinary: LocalDataset = { ...train, labels: Float32Array.from(train.labels, (l, i) => (i === 3 ? 2 : l)) };
    expect(() => checkDataFitsSpec(binary, notBinary)).toThrow(/label 2 at example 3 is not in \[0, 1\]/);
    const regression = userSpec(denseTopology(4, [{ units: 2, activation: 'linear' }]), { loss: 'mse', metrics: [], optimizer: { name: 'sgd' } });
    expect(() => checkDataFitsSpec(regression, linearDataset(10, 1))).toThrow(/labels of shape \[1\], model "custom" outputs \[2\]/);
    expect(() => checkDataFitsSpec(regression, linearDataset(10, 1))).toThrow(InvalidArgumentError);
  });

  it('trainer objective - bad optimiser options are refused before training', async () => {
    const spec = userSpec(TINY, { ...classify('adam'), optimizer: { name: 'adam', beta1: 1.5 } });
    await expect(trainLocal({ spec, weights: initialWeights(spec, 1), data: train, config })).rejects.toThrow(/beta1 must be in \[0, 1\)/);
    const unknown = userSpec(TINY, { ...classify('sgd'), optimizer: { name: 'rmsprop' as OptimizerName } });
    await expect(trainLocal({ spec: unknown, weights: initialWeights(unknown, 1), data: train, config })).rejects.toThrow(/unknown optimizer "rmsprop"/);
  });

  it('trainer objective - training and evaluating user models leak no tensors, and the evaluation cache stays bounded', async () => {
    const spec = userSpec(TINY, classify('adam'));
    const weights = initialWeights(spec, 9);
    const small = { ...config, localEpochs: 1 };
    await trainLocal({ spec, weights, data: train, config: small }); // warm up: evaluation caches its model
    const before = tf.memory().numTensors;
    await trainLocal({ spec, weights, data: train, config: small });
    await evaluateWeights(spec, weights, heldOut, { batchSize: 64 });
    expect(tf.memory().numTensors).toBe(before);
    // Ten more models through the evaluation cache: it keeps a few, not all.
    for (let units = 1; units <= 10; units++) {
      const other = userSpec(denseTopology(4, [{ units, activation: 'relu' }, { units: 2, activation: 'softmax' }]), classify('sgd'));
      await evaluateWeights(other, initialWeights(other, 1), heldOut);
    }
    const model = buildModel(spec);
    const perModel = model.weights.length;
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 4 * perModel);
  });
});
