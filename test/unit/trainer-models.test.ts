import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { ModelName } from '../../common/types';
import { initBackend } from '../../clients/trainer/backend';
import { assignWeights, buildModel, flattenWeights, initialWeights, modelSpecFor, parameterCount } from '../../clients/trainer/models';

beforeAll(async () => {
  await initBackend({});
});

describe('models', () => {
  for (const name of ['mlp', 'cnn'] as ModelName[]) {
    it(`models - the ${name} spec lists exactly the built model's weight tensors`, () => {
      const spec = modelSpecFor(name);
      const model = buildModel(spec);
      try {
        expect(model.getWeights().map((w) => w.shape)).toEqual(spec.tensors.map((t) => t.shape));
        expect(model.countParams()).toBe(parameterCount(spec));
        expect(model.outputs[0].shape).toEqual([null, 10]);
      } finally {
        model.dispose();
      }
    });
  }

  it('models - mlp is the FedAvg 2NN with 199,210 parameters and cnn is LeNet-5 style', () => {
    expect(parameterCount(modelSpecFor('mlp'))).toBe(199_210);
    expect(modelSpecFor('cnn').tensors.map((t) => t.shape)).toEqual([
      [5, 5, 1, 6], [6], [5, 5, 6, 16], [16], [400, 120], [120], [120, 84], [84], [84, 10], [10],
    ]);
  });

  it('models - an unknown model name is rejected listing the known ones', () => {
    expect(() => modelSpecFor('resnet' as ModelName)).toThrow(InvalidArgumentError);
    expect(() => modelSpecFor('resnet' as ModelName)).toThrow(/mlp, cnn/);
  });

  it('models - a spec that does not match the architecture is rejected', () => {
    const spec = modelSpecFor('mlp');
    const wrong = { ...spec, tensors: spec.tensors.map((t, i) => (i === 0 ? { ...t, shape: [784, 100] } : t)) };
    expect(() => buildModel(wrong)).toThrow(InvalidArgumentError);
  });

  it('models - initial weights are deterministic per seed and differ across seeds and layers', () => {
    const spec = modelSpecFor('mlp');
    const a = initialWeights(spec, 42);
    expect(a.length).toBe(199_210);
    expect(initialWeights(spec, 42)).toEqual(a);
    expect(initialWeights(spec, 43)).not.toEqual(a);
    // glorot uniform kernels, zero biases
    const limit = Math.sqrt(6 / (784 + 200));
    const kernel = a.subarray(0, 784 * 200);
    expect(kernel.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(limit);
    expect(new Set(kernel).size).toBeGreaterThan(1000);
    expect(a.subarray(784 * 200, 784 * 200 + 200).every((v) => v === 0)).toBe(true);
    // each layer has its own seed: the same seed would start both kernels with the same draws
    const second = a.subarray(784 * 200 + 200, 784 * 200 + 200 + 200 * 200);
    const limit2 = Math.sqrt(6 / (200 + 200));
    expect(second[0] / limit2).not.toBeCloseTo(kernel[0] / limit, 4);
  });

  it('models - assign then flatten round-trips the weights without leaking tensors', () => {
    const spec = modelSpecFor('cnn');
    const model = buildModel(spec);
    const before = tf.memory().numTensors;
    const weights = Float32Array.from({ length: parameterCount(spec) }, (_, i) => Math.sin(i));
    assignWeights(model, weights);
    expect(flattenWeights(model)).toEqual(weights);
    // the model keeps its own copy: changing the caller's array changes nothing
    weights[0] = 123;
    expect(flattenWeights(model)[0]).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => assignWeights(model, new Float32Array(10))).toThrow(InvalidArgumentError);
    model.dispose();
  });
});
