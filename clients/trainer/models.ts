/**
 * Model registry: architectures by name, or a user's TFJS Layers topology
 * (topology.ts), so the spec that travels with a run is enough for
 * coordinator and daemons to build the same model; plus the bridge between a
 * TFJS model and the flat Float32Array weights that cross the wire.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../common/errors';
import type { ModelName, ModelSpec, TensorShape } from '../../common/types';
import { MODEL_NAMES } from './model-names';
import {
  DEFAULT_MAX_PARAMETERS,
  buildTopology,
  countParameters,
  describeModel,
  parseTopology,
  trainsOnWasm,
  type TopologyDescription,
} from './topology';

export { MODEL_NAMES, DEFAULT_MAX_PARAMETERS, type TopologyDescription };

const NUM_CLASSES = 10;

function dense(name: string, inputs: number, units: number): TensorShape[] {
  return [
    { name: `${name}/kernel`, shape: [inputs, units] },
    { name: `${name}/bias`, shape: [units] },
  ];
}

function conv(name: string, size: number, inChannels: number, filters: number): TensorShape[] {
  return [
    { name: `${name}/kernel`, shape: [size, size, inChannels, filters] },
    { name: `${name}/bias`, shape: [filters] },
  ];
}

/** Returns the spec of a registered model; throws InvalidArgumentError listing the known names. */
export function modelSpecFor(name: ModelName): ModelSpec {
  switch (name) {
    case 'mlp': // FedAvg paper's "2NN"
      return {
        name,
        inputShape: [784],
        numClasses: NUM_CLASSES,
        tensors: [...dense('dense1', 784, 200), ...dense('dense2', 200, 200), ...dense('output', 200, NUM_CLASSES)],
      };
    case 'cnn': // LeNet-5 style; 28x28 -same conv-> pool 14x14 -valid conv-> 10x10 -pool-> 5x5x16 = 400
      return {
        name,
        inputShape: [28, 28, 1],
        numClasses: NUM_CLASSES,
        tensors: [
          ...conv('conv1', 5, 1, 6),
          ...conv('conv2', 5, 6, 16),
          ...dense('dense1', 400, 120),
          ...dense('dense2', 120, 84),
          ...dense('output', 84, NUM_CLASSES),
        ],
      };
    default:
      throw new InvalidArgumentError(`unknown model "${String(name)}" (known: ${MODEL_NAMES.join(', ')})`);
  }
}

/** Number of scalar weights in a spec (length of its flat weight vector). */
export function parameterCount(spec: ModelSpec): number {
  return spec.tensors.reduce((sum, t) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
}

/** Options of {@link buildModel}. */
export interface BuildModelOptions {
  /**
   * Seed of the initialisers; unseeded (Math.random) when absent. A user's
   * topology: every random initialiser (glorot, he, lecun, random/truncated
   * normal, uniform, variance scaling, orthogonal) without a seed of its own gets
   * one derived from this seed and its position; the others (zeros, ones,
   * constant, identity) need none. A seed the topology itself sets is kept.
   * Same seed, topology and backend: the same weights (orthogonal runs a QR
   * decomposition on the backend, so across backends it may differ in the last bits).
   */
  seed?: number;
  /** A user's topology: refuse it above this many parameters, counted before any weight is allocated. @default DEFAULT_MAX_PARAMETERS */
  maxParameters?: number;
}

/**
 * Builds the TFJS model of a spec (a user's topology when `spec.topology` is
 * set, else the built-in `spec.name`) and checks its weight shapes match the spec.
 */
export function buildModel(spec: ModelSpec, options: BuildModelOptions = {}): tf.LayersModel {
  const model = spec.topology !== undefined ? buildUserModel(spec, options) : buildBuiltIn(spec, options);
  const actual = model.weights.map((w) => w.shape);
  const matches =
    actual.length === spec.tensors.length &&
    actual.every((shape, i) => shape.length === spec.tensors[i].shape.length && shape.every((d, j) => d === spec.tensors[i].shape[j]));
  if (!matches) {
    model.dispose();
    throw new InvalidArgumentError(
      `model spec "${spec.name}" does not match the built model: spec ${JSON.stringify(spec.tensors.map((t) => t.shape))}, model ${JSON.stringify(actual)}`,
    );
  }
  return model;
}

function buildUserModel(spec: ModelSpec, options: BuildModelOptions): tf.LayersModel {
  const parsed = parseTopology(spec.topology!);
  countParameters(parsed, options.maxParameters ?? DEFAULT_MAX_PARAMETERS);
  const model = buildTopology(parsed, { seed: options.seed });
  const inputShape = model.inputs[0]?.shape.slice(1);
  if (model.inputs.length !== 1 || JSON.stringify(inputShape) !== JSON.stringify(spec.inputShape)) {
    model.dispose();
    throw new InvalidArgumentError(`model spec "${spec.name}" takes inputs of shape ${JSON.stringify(spec.inputShape)}, its topology ${JSON.stringify(inputShape)}`);
  }
  return model;
}

function buildBuiltIn(spec: ModelSpec, options: BuildModelOptions): tf.LayersModel {
  // A distinct seed per layer: one shared seed would give same-shaped kernels identical values.
  let layerSeed = options.seed === undefined ? undefined : options.seed * 16;
  const kernel = () => tf.initializers.glorotUniform(layerSeed === undefined ? {} : { seed: layerSeed++ });
  const denseLayer = (name: string, units: number, activation: 'relu' | 'softmax', inputShape?: number[]) =>
    tf.layers.dense({ name, units, activation, inputShape, kernelInitializer: kernel(), biasInitializer: 'zeros' });
  const convLayer = (name: string, filters: number, padding: 'same' | 'valid', inputShape?: number[]) =>
    tf.layers.conv2d({ name, filters, kernelSize: 5, padding, activation: 'relu', inputShape, kernelInitializer: kernel(), biasInitializer: 'zeros' });

  let model: tf.Sequential;
  switch (spec.name) {
    case 'mlp':
      model = tf.sequential({
        layers: [
          denseLayer('dense1', 200, 'relu', spec.inputShape),
          denseLayer('dense2', 200, 'relu'),
          denseLayer('output', spec.numClasses, 'softmax'),
        ],
      });
      break;
    case 'cnn':
      model = tf.sequential({
        layers: [
          convLayer('conv1', 6, 'same', spec.inputShape),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          convLayer('conv2', 16, 'valid'),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          denseLayer('dense1', 120, 'relu'),
          denseLayer('dense2', 84, 'relu'),
          denseLayer('output', spec.numClasses, 'softmax'),
        ],
      });
      break;
    default:
      throw new InvalidArgumentError(`unknown model "${String(spec.name)}" (known: ${MODEL_NAMES.join(', ')})`);
  }
  return model;
}

/** Options of {@link describeTopology}. */
export interface DescribeTopologyOptions {
  /** Refuse the topology above this many parameters, before allocating them. @default DEFAULT_MAX_PARAMETERS */
  maxParameters?: number;
}

/**
 * What a user's topology (the JSON text of a model.json, its modelTopology, or
 * a Keras model config) builds: input and output shapes, weight tensors in
 * flat-vector order, parameter count. Throws InvalidArgumentError naming the
 * problem: bad JSON, a layer class fedlink does not build, a missing shape, too
 * many parameters, a config TFJS refuses.
 */
export function describeTopology(topologyJson: string, options: DescribeTopologyOptions = {}): TopologyDescription {
  const parsed = parseTopology(topologyJson);
  countParameters(parsed, options.maxParameters ?? DEFAULT_MAX_PARAMETERS);
  // Zero weights: they are only counted, and zeros skip drawing random numbers.
  const model = buildTopology(parsed, { zeroWeights: true });
  try {
    return describeModel(model);
  } finally {
    model.dispose();
  }
}

/**
 * Whether the wasm backend can train this spec's model: it lacks the backward
 * kernels of convolutions and embeddings (the built-in cnn, or a user's topology with such layers).
 */
export function specTrainsOnWasm(spec: ModelSpec): boolean {
  return spec.topology !== undefined ? trainsOnWasm(parseTopology(spec.topology)) : spec.name !== 'cnn';
}

/** Deterministic initial weights for a spec: the same seed gives the same flat vector. */
export function initialWeights(spec: ModelSpec, seed: number): Float32Array {
  const model = buildModel(spec, { seed });
  try {
    return flattenWeights(model);
  } finally {
    model.dispose();
  }
}

/** Copies all weights of a model into one flat Float32Array, tensors concatenated in getWeights() order. */
export function flattenWeights(model: tf.LayersModel): Float32Array {
  // getWeights() hands back the variables themselves: read them, never dispose them.
  const tensors = model.getWeights();
  const out = new Float32Array(tensors.reduce((n, t) => n + t.size, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  return out;
}

/** The model of `spec` holding `weights` (the caller disposes it); throws InvalidArgumentError on a length mismatch. */
export function modelWithWeights(spec: ModelSpec, weights: Float32Array): tf.LayersModel {
  const model = buildModel(spec);
  try {
    assignWeights(model, weights);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** Loads a flat weight vector into a model; throws InvalidArgumentError on a length mismatch. */
export function assignWeights(model: tf.LayersModel, flat: Float32Array): void {
  // Weight shapes are always fully defined (no null batch dimension), unlike layer output shapes.
  const shapes = model.weights.map((w) => w.shape as number[]);
  const expected = shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  if (flat.length !== expected) {
    throw new InvalidArgumentError(`weight vector has ${flat.length} values, model "${model.name}" needs ${expected}`);
  }
  let offset = 0;
  const tensors = shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    // slice, not subarray: the cpu backend keeps the array it is given, and the caller may reuse `flat`.
    const t = tf.tensor(flat.slice(offset, offset + size), shape, 'float32');
    offset += size;
    return t;
  });
  try {
    model.setWeights(tensors);
  } finally {
    // setWeights assigns (ref-counted) to the variables, so our copies can go.
    for (const t of tensors) t.dispose();
  }
}
