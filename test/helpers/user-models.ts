/**
 * Users' models for tests: topologies written by hand (the Keras JSON a user
 * would write or tensorflowjs_converter emits), the ModelSpec a run would carry
 * for one, and small synthetic datasets a model can learn in a few epochs.
 */
import { createRng } from '../../common/random';
import type { Objective } from '../../common/model-definition';
import type { ModelName, ModelSpec } from '../../common/types';
import type { LocalDataset } from '../../clients/trainer/dataset';
import { describeTopology } from '../../clients/trainer/models';

/** One Dense layer of {@link denseTopology}. */
export interface DenseLayer {
  units: number;
  activation: string;
}

/** A Sequential model of Dense layers on `inputs` features, as hand-written Keras JSON (initialisers left to the defaults). */
export function denseTopology(inputs: number, layers: DenseLayer[]): string {
  return JSON.stringify({
    class_name: 'Sequential',
    config: {
      name: 'hand_written',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, inputs], name: 'features' } },
        ...layers.map((l, i) => ({ class_name: 'Dense', config: { name: `dense_${i}`, units: l.units, activation: l.activation } })),
      ],
    },
  });
}

/** The spec a run carries for a user's topology (what the coordinator derives from it at run creation). */
export function userSpec(topology: string, objective?: Objective): ModelSpec {
  const d = describeTopology(topology);
  return {
    name: 'custom' as ModelName,
    inputShape: d.inputShape,
    numClasses: d.outputShape[0],
    tensors: d.tensors,
    topology,
    outputShape: d.outputShape,
    ...(objective ? { objective } : {}),
  };
}

/** Standard normal samples from a seeded generator (Box–Muller). */
function normals(seed: number): () => number {
  const rng = createRng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** `count` examples of 4 features; class 1 when x0 + x1 > 0 (linearly separable), labels as class indices. */
export function separableDataset(count: number, seed: number): LocalDataset {
  const normal = normals(seed);
  const features = new Float32Array(count * 4);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 4; j++) features[i * 4 + j] = normal();
    labels[i] = features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0;
  }
  return { count, featureShape: [4], features, labelShape: [], labels, labelNames: ['negative', 'positive'] };
}

/** `count` examples of 4 features with target y = 2·x0 − x1 + 0.5·x2 + 1 (plus a little noise), one value per example. */
export function linearDataset(count: number, seed: number): LocalDataset {
  const normal = normals(seed);
  const features = new Float32Array(count * 4);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 4; j++) features[i * 4 + j] = normal();
    labels[i] = 2 * features[i * 4] - features[i * 4 + 1] + 0.5 * features[i * 4 + 2] + 1 + 0.05 * normal();
  }
  return { count, featureShape: [4], features, labelShape: [1], labels };
}

/**
 * A model.json as tensorflowjs_converter writes it for a tf.keras 2.15
 * Sequential model (30 features → 16 relu → dropout → 1 sigmoid): the Keras
 * config under modelTopology.model_config, an InputLayer, the module /
 * registered_name / build_config entries of Keras ≥ 2.13, Keras's "LecunNormal"
 * spelling, a training_config and a weights manifest.
 */
export const KERAS_CONVERTER_MODEL_JSON = JSON.stringify({
  format: 'layers-model',
  generatedBy: 'keras v2.15.0',
  convertedBy: 'TensorFlow.js Converter v4.22.0',
  modelTopology: {
    keras_version: '2.15.0',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_input_shape: [null, 30], dtype: 'float32', sparse: false, ragged: false, name: 'dense_input' }, registered_name: null },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            config: {
              name: 'dense', trainable: true, dtype: 'float32', batch_input_shape: [null, 30], units: 16, activation: 'relu', use_bias: true,
              kernel_initializer: { module: 'keras.initializers', class_name: 'LecunNormal', config: { seed: null }, registered_name: null },
              bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
              kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
            },
            registered_name: null,
            build_config: { input_shape: [null, 30] },
          },
          { module: 'keras.layers', class_name: 'Dropout', config: { name: 'dropout', trainable: true, dtype: 'float32', rate: 0.2, noise_shape: null, seed: null }, registered_name: null, build_config: { input_shape: [null, 16] } },
          {
            module: 'keras.layers',
            class_name: 'Dense',
            config: {
              name: 'dense_1', trainable: true, dtype: 'float32', units: 1, activation: 'sigmoid', use_bias: true,
              kernel_initializer: { module: 'keras.initializers', class_name: 'GlorotUniform', config: { seed: null }, registered_name: null },
              bias_initializer: { module: 'keras.initializers', class_name: 'Zeros', config: {}, registered_name: null },
              kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
            },
            registered_name: null,
            build_config: { input_shape: [null, 16] },
          },
        ],
      },
    },
    training_config: { loss: 'binary_crossentropy', metrics: [[{ module: 'keras.metrics', class_name: 'BinaryAccuracy', config: { name: 'accuracy', dtype: 'float32', threshold: 0.5 }, registered_name: null }]], optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } },
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'dense/kernel', shape: [30, 16], dtype: 'float32' },
        { name: 'dense/bias', shape: [16], dtype: 'float32' },
        { name: 'dense_1/kernel', shape: [16, 1], dtype: 'float32' },
        { name: 'dense_1/bias', shape: [1], dtype: 'float32' },
      ],
    },
  ],
});

/** A functional (tf.keras "Functional") model: two Dense branches on one input, concatenated, batch-normalised, softmax over 3 classes. */
export const FUNCTIONAL_TOPOLOGY = JSON.stringify({
  class_name: 'Functional',
  config: {
    name: 'two_branches',
    layers: [
      { class_name: 'InputLayer', name: 'x', config: { batch_input_shape: [null, 6], dtype: 'float32', name: 'x' }, inbound_nodes: [] },
      { class_name: 'Dense', name: 'left', config: { name: 'left', units: 8, activation: 'relu' }, inbound_nodes: [[['x', 0, 0, {}]]] },
      { class_name: 'Dense', name: 'right', config: { name: 'right', units: 4, activation: 'tanh' }, inbound_nodes: [[['x', 0, 0, {}]]] },
      { class_name: 'Concatenate', name: 'joined', config: { name: 'joined', axis: -1 }, inbound_nodes: [[['left', 0, 0, {}], ['right', 0, 0, {}]]] },
      { class_name: 'BatchNormalization', name: 'norm', config: { name: 'norm' }, inbound_nodes: [[['joined', 0, 0, {}]]] },
      { class_name: 'Dense', name: 'probs', config: { name: 'probs', units: 3, activation: 'softmax' }, inbound_nodes: [[['norm', 0, 0, {}]]] },
    ],
    input_layers: [['x', 0, 0]],
    output_layers: [['probs', 0, 0]],
  },
});
