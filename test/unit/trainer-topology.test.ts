import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { ModelSpec } from '../../common/types';
import { initBackend } from '../../clients/trainer/backend';
import { assignWeights, buildModel, describeTopology, initialWeights, modelSpecFor, parameterCount, specTrainsOnWasm } from '../../clients/trainer/models';
import { LAYER_CLASSES, buildTopology, countParameters, parseTopology } from '../../clients/trainer/topology';
import { FUNCTIONAL_TOPOLOGY, KERAS_CONVERTER_MODEL_JSON, denseTopology, userSpec } from '../helpers/user-models';

const TINY = denseTopology(4, [
  { units: 8, activation: 'relu' },
  { units: 2, activation: 'softmax' },
]);

beforeAll(async () => {
  await initBackend({});
});

/** Keras JSON of a TFJS-built model, as `model.toJSON()` writes it. */
function toJson(model: tf.LayersModel): string {
  const json = JSON.stringify(model.toJSON(null, false));
  model.dispose();
  return json;
}

function sequentialJson(layers: tf.layers.Layer[]): string {
  return toJson(tf.sequential({ layers }));
}

describe('topology', () => {
  it('topology - a hand-written Sequential topology is described by its shapes, weights in flat order and parameter count', () => {
    expect(describeTopology(TINY)).toEqual({
      inputShape: [4],
      outputShape: [2],
      tensors: [
        { name: 'dense_0/kernel', shape: [4, 8] },
        { name: 'dense_0/bias', shape: [8] },
        { name: 'dense_1/kernel', shape: [8, 2] },
        { name: 'dense_1/bias', shape: [2] },
      ],
      parameterCount: 4 * 8 + 8 + 8 * 2 + 2,
      outputActivation: 'softmax',
    });
  });

  it('topology - a model.json written by tensorflowjs_converter from Keras builds, its weights named as in its manifest', () => {
    const d = describeTopology(KERAS_CONVERTER_MODEL_JSON);
    expect(d.inputShape).toEqual([30]);
    expect(d.outputShape).toEqual([1]);
    expect(d.outputActivation).toBe('sigmoid');
    const manifest = (JSON.parse(KERAS_CONVERTER_MODEL_JSON) as tf.io.ModelJSON).weightsManifest[0].weights;
    expect(d.tensors).toEqual(manifest.map((w) => ({ name: w.name, shape: w.shape })));
    expect(d.parameterCount).toBe(30 * 16 + 16 + 16 + 1);
  });

  it('topology - a functional model (two branches, concatenate, batch norm) counts its batch-norm statistics as weights', () => {
    const d = describeTopology(FUNCTIONAL_TOPOLOGY);
    expect(d.inputShape).toEqual([6]);
    expect(d.outputShape).toEqual([3]);
    // kernels and biases of left, right, probs; gamma, beta, moving mean and variance of the 12 joined features
    expect(d.parameterCount).toBe(6 * 8 + 8 + 6 * 4 + 4 + 12 * 4 + 12 * 3 + 3);
    expect(d.tensors.map((t) => t.name)).toContain('norm/moving_variance');
  });

  it('topology - the synchronous build is the model tf.models.modelFromJSON builds: same weights, same outputs', async () => {
    for (const json of [TINY, KERAS_CONVERTER_MODEL_JSON, FUNCTIONAL_TOPOLOGY]) {
      const ours = buildTopology(parseTopology(json), { seed: 1 });
      // TFJS itself refuses Keras's "LecunNormal" spelling, which fedlink maps to "LeCunNormal".
      const parsed = JSON.parse(json.replaceAll('LecunNormal', 'LeCunNormal')) as { modelTopology?: unknown };
      const reference = await tf.models.modelFromJSON({ modelTopology: (parsed.modelTopology ?? parsed) as tf.io.ModelJSON['modelTopology'] });
      expect(ours.weights.map((w) => [w.originalName, w.shape])).toEqual(reference.weights.map((w) => [w.originalName, w.shape]));
      reference.setWeights(ours.getWeights());
      const x = tf.randomNormal([5, ...(ours.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 3);
      const a = ours.predict(x) as tf.Tensor;
      const b = reference.predict(x) as tf.Tensor;
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([x, a, b]);
      ours.dispose();
      reference.dispose();
    }
  });

  it('topology - every layer class fedlink builds is one TFJS registers', () => {
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const name of Object.keys(LAYER_CLASSES)) expect(registered[name], name).toBeDefined();
  });

  it('topology - parameters counted from the configs agree with the built model for every layer class that has weights', () => {
    const separable = JSON.stringify({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'SeparableConv2D', config: { name: 'sep', batch_input_shape: [null, 5, 5, 2], filters: 4, kernel_size: 3, depth_multiplier: 2 } },
          { class_name: 'GlobalAveragePooling2D', config: { name: 'gap' } },
        ],
      },
    });
    const cases: Record<string, string> = {
      Dense: sequentialJson([tf.layers.dense({ inputShape: [4], units: 3, useBias: false }), tf.layers.dense({ units: 2 })]),
      Conv1D: sequentialJson([tf.layers.conv1d({ inputShape: [6, 2], filters: 3, kernelSize: 2 })]),
      Conv2D: sequentialJson([tf.layers.conv2d({ inputShape: [2, 6, 6], filters: 3, kernelSize: [2, 3], dataFormat: 'channelsFirst' })]),
      Conv2DTranspose: sequentialJson([tf.layers.conv2dTranspose({ inputShape: [4, 4, 3], filters: 2, kernelSize: [2, 3] })]),
      DepthwiseConv2D: sequentialJson([tf.layers.depthwiseConv2d({ inputShape: [4, 4, 2], kernelSize: 2, depthMultiplier: 3 })]),
      SeparableConv2D: separable,
      BatchNormalization: sequentialJson([tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3 }), tf.layers.batchNormalization({ center: false })]),
      LayerNormalization: sequentialJson([tf.layers.dense({ inputShape: [4], units: 3 }), tf.layers.layerNormalization()]),
      Embedding: sequentialJson([tf.layers.embedding({ inputShape: [4], inputDim: 10, outputDim: 2 }), tf.layers.flatten()]),
      SimpleRNN: sequentialJson([tf.layers.simpleRNN({ inputShape: [4, 2], units: 5 })]),
      GRU: sequentialJson([tf.layers.gru({ inputShape: [4, 2], units: 3 })]),
      LSTM: sequentialJson([tf.layers.lstm({ inputShape: [4, 2], units: 3, returnSequences: true }), tf.layers.lstm({ units: 2 })]),
    };
    const withWeights = Object.entries(LAYER_CLASSES).filter(([, c]) => c.weights).map(([name]) => name);
    expect(Object.keys(cases).sort()).toEqual(withWeights.sort());
    for (const [name, json] of Object.entries({ ...cases, FUNCTIONAL_TOPOLOGY })) {
      const parsed = parseTopology(json);
      const model = buildTopology(parsed, { zeroWeights: true });
      expect(countParameters(parsed), name).toBe(model.countParams());
      expect(countParameters(parsed), name).toBeGreaterThan(0);
      model.dispose();
    }
  });

  it('topology - a topology above the parameter limit is refused before any weight is allocated', () => {
    // 784 × 1,000,000 weights: 3 GB of float32, more than a wasm heap can take.
    const huge = denseTopology(784, [{ units: 1_000_000, activation: 'softmax' }]);
    const before = tf.memory();
    expect(() => describeTopology(huge)).toThrow(/more than 50,000,000 parameters/);
    expect(() => describeTopology(TINY, { maxParameters: 57 })).toThrow(InvalidArgumentError);
    expect(describeTopology(TINY, { maxParameters: 58 }).parameterCount).toBe(58);
    const spec: ModelSpec = { ...userSpec(TINY), topology: huge };
    expect(() => buildModel(spec)).toThrow(/parameters/);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numTensors).toBe(before.numTensors);
  });

  it('topology - a topology that is not a buildable TFJS Layers model is refused with the reason', () => {
    const model = (layers: unknown[]) => JSON.stringify({ class_name: 'Sequential', config: { layers } });
    const dense = { class_name: 'Dense', config: { name: 'd', units: 2 } };
    const input = (shape: unknown[]) => ({ class_name: 'InputLayer', config: { batch_input_shape: shape, name: 'in' } });
    const refusals: Array<[string, RegExp]> = [
      ['{"class_name": "Sequential", ', /not valid JSON/],
      ['[1, 2]', /no class_name/],
      [JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }), /"graph-model", not a "layers-model"/],
      [JSON.stringify({ class_name: 'MyNet', config: {} }), /the model is a "MyNet"/],
      [model([]), /lists no layers/],
      [model([input([null, 4]), { class_name: 'Lambda', config: { name: 'fn', function: 'x => x' } }]), /layer "fn" has class "Lambda", which fedlink does not build/],
      [model([input([null, 4]), { class_name: 'MyCustomLayer', config: { name: 'mine' } }]), /"MyCustomLayer", which fedlink does not build/],
      [model([dense]), /declares no input shape/],
      [model([input([null, null]), dense]), /size is not known/],
      [model([input([32, 4]), dense]), /fixed batch size of 32/],
      [model([input([null, 4]), { class_name: 'Dense', config: { name: 'd', units: 2, activation: 'no_such_activation' } }]), /layer "d" \(Dense\) has an invalid config/],
      [model([{ class_name: 'InputLayer', config: { batch_shape: [null, 4], name: 'in' } }, dense]), /Keras 3 format/],
    ];
    for (const [json, reason] of refusals) {
      expect(() => describeTopology(json), json).toThrow(InvalidArgumentError);
      expect(() => describeTopology(json), json).toThrow(reason);
    }
    const twoInputs = JSON.parse(FUNCTIONAL_TOPOLOGY) as { config: { input_layers: unknown[] } };
    twoInputs.config.input_layers.push(['x', 0, 0]);
    expect(() => describeTopology(JSON.stringify(twoInputs))).toThrow(/2 inputs and 1 outputs/);
  });

  it('topology - a build TFJS refuses midway leaves no weights behind', () => {
    const broken = JSON.parse(FUNCTIONAL_TOPOLOGY) as { config: { output_layers: unknown[] } };
    broken.config.output_layers = [['nowhere', 0, 0]];
    const parsed = parseTopology(JSON.stringify(broken));
    const before = tf.memory().numTensors;
    const variables = Object.keys(tf.engine().registeredVariables).length;
    expect(() => buildTopology(parsed)).toThrow(/cannot be built/);
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  });

  it('topology - seeded initial weights of a user model are reproducible, differ across seeds and layers, and keep a seed the topology sets', () => {
    const spec = userSpec(denseTopology(4, [
      { units: 4, activation: 'relu' },
      { units: 4, activation: 'relu' },
      { units: 2, activation: 'softmax' },
    ]));
    const a = initialWeights(spec, 42);
    expect(a.length).toBe(parameterCount(spec));
    expect(initialWeights(spec, 42)).toEqual(a);
    expect(initialWeights(spec, 43)).not.toEqual(a);
    const firstKernel = a.subarray(0, 16);
    const secondKernel = a.subarray(20, 36);
    expect(secondKernel).not.toEqual(firstKernel);
    expect(a.subarray(16, 20).every((v) => v === 0)).toBe(true); // zeros need no seed

    const pinned = JSON.parse(TINY) as { config: { layers: Array<{ config: Record<string, unknown> }> } };
    pinned.config.layers[1].config.kernel_initializer = { class_name: 'GlorotUniform', config: { seed: 7 } };
    const pinnedSpec = userSpec(JSON.stringify(pinned));
    const x = initialWeights(pinnedSpec, 1);
    const y = initialWeights(pinnedSpec, 2);
    expect(x.subarray(0, 32)).toEqual(y.subarray(0, 32)); // the topology's own seed
    expect(x.subarray(40)).not.toEqual(y.subarray(40)); // the output kernel follows the run's seed
  });

  it('topology - buildModel refuses a spec whose tensors or input shape disagree with its topology', () => {
    const spec = userSpec(TINY);
    const model = buildModel(spec);
    assignWeights(model, initialWeights(spec, 3));
    model.dispose();
    expect(() => buildModel({ ...spec, tensors: spec.tensors.slice(1) })).toThrow(/does not match the built model/);
    expect(() => buildModel({ ...spec, inputShape: [2, 2] })).toThrow(/takes inputs of shape \[2,2\]/);
  });

  it('topology - wasm trains dense models but not convolutions or embeddings', () => {
    expect(specTrainsOnWasm(userSpec(TINY))).toBe(true);
    expect(specTrainsOnWasm(userSpec(FUNCTIONAL_TOPOLOGY))).toBe(true);
    const conv = sequentialJson([tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 2, activation: 'softmax' })]);
    expect(specTrainsOnWasm(userSpec(conv))).toBe(false);
    expect(specTrainsOnWasm(modelSpecFor('mlp'))).toBe(true);
    expect(specTrainsOnWasm(modelSpecFor('cnn'))).toBe(false);
  });
});
