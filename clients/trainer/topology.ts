/**
 * A user's model as data: the TFJS Layers topology that `model.toJSON()` or
 * tensorflowjs_converter (tf.keras, Keras 2) writes, read and built without
 * running any code of the user's. Only the layer classes of LAYER_CLASSES are
 * built, and the parameters are counted from the layer configs before any
 * weight exists, so an oversized model is refused without first taking the
 * memory it asks for (the wasm heap never shrinks once grown).
 *
 * Built synchronously through the public `fromConfig` of tf.Sequential and
 * tf.LayersModel: the path `tf.models.modelFromJSON` takes, which is async
 * only because it may also fetch weights. A synchronous build keeps
 * `buildModel`/`initialWeights` synchronous for every caller.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../common/errors';
import type { TensorShape } from '../../common/types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type Shape = Array<number | null>;
type LayerConfig = tf.serialization.ConfigDict;

/** What fedlink knows about a layer class it builds. */
interface LayerClass {
  /** Number of weights the layer creates for an input of `shape` (batch first); absent: none. */
  weights?: (config: LayerConfig, shape: Shape) => number;
  /** False when the wasm backend lacks a kernel its backward pass needs (training then runs on cpu or tfjs-node). */
  wasmTrains?: false;
}

const last = (s: Shape) => s[s.length - 1];
const product = (values: Array<number | null>) => values.reduce<number>((a, b) => a * (b ?? NaN), 1);
const kernelSize = (c: LayerConfig) => product(c.kernelSize as number[]);
const bias = (c: LayerConfig, n: number) => (c.useBias === false ? 0 : n);
const channels = (c: LayerConfig, s: Shape) => (c.dataFormat === 'channelsFirst' ? s[1] : last(s)) ?? NaN;
const axes = (axis: unknown, s: Shape) => (Array.isArray(axis) ? (axis as number[]) : [axis as number]).map((a) => s[a < 0 ? s.length + a : a]);
const recurrent = (gates: number) => (c: LayerConfig, s: Shape) => {
  const units = c.units as number;
  return gates * ((last(s) ?? NaN) * units + units * units) + bias(c, gates * units);
};

/**
 * The layer classes a user's topology may use (TFJS class names): TFJS core
 * layers that are pure configuration, no Lambda or custom classes. The only list.
 */
export const LAYER_CLASSES: Readonly<Record<string, LayerClass>> = {
  InputLayer: {},
  Dense: { weights: (c, s) => (last(s) ?? NaN) * (c.units as number) + bias(c, c.units as number) },
  Conv1D: { weights: (c, s) => kernelSize(c) * channels(c, s) * (c.filters as number) + bias(c, c.filters as number), wasmTrains: false },
  Conv2D: { weights: (c, s) => kernelSize(c) * channels(c, s) * (c.filters as number) + bias(c, c.filters as number), wasmTrains: false },
  Conv2DTranspose: { weights: (c, s) => kernelSize(c) * channels(c, s) * (c.filters as number) + bias(c, c.filters as number), wasmTrains: false },
  DepthwiseConv2D: {
    weights: (c, s) => kernelSize(c) * channels(c, s) * (c.depthMultiplier as number) + bias(c, channels(c, s) * (c.depthMultiplier as number)),
    wasmTrains: false,
  },
  SeparableConv2D: {
    weights: (c, s) => {
      const depthwise = channels(c, s) * ((c.depthMultiplier as number | undefined) ?? 1);
      return kernelSize(c) * depthwise + depthwise * (c.filters as number) + bias(c, c.filters as number);
    },
    wasmTrains: false,
  },
  BatchNormalization: { weights: (c, s) => product(axes(c.axis, s)) * (2 + (c.center === false ? 0 : 1) + (c.scale === false ? 0 : 1)) },
  LayerNormalization: { weights: (c, s) => product(axes(c.axis, s)) * ((c.center === false ? 0 : 1) + (c.scale === false ? 0 : 1)) },
  Embedding: { weights: (c) => (c.inputDim as number) * (c.outputDim as number), wasmTrains: false },
  SimpleRNN: { weights: recurrent(1) },
  GRU: { weights: recurrent(3) },
  LSTM: { weights: recurrent(4) },
  Activation: {},
  ReLU: {},
  LeakyReLU: {},
  ELU: {},
  ThresholdedReLU: {},
  Softmax: {},
  Dropout: {},
  SpatialDropout1D: {},
  Flatten: {},
  Reshape: {},
  Permute: {},
  RepeatVector: {},
  Rescaling: {},
  ZeroPadding2D: {},
  Cropping2D: {},
  UpSampling2D: {},
  MaxPooling1D: {},
  MaxPooling2D: {},
  AveragePooling1D: {},
  AveragePooling2D: {},
  GlobalMaxPooling1D: {},
  GlobalMaxPooling2D: {},
  GlobalAveragePooling1D: {},
  GlobalAveragePooling2D: {},
  Concatenate: {},
  Add: {},
  Multiply: {},
  Average: {},
  Maximum: {},
  Minimum: {},
};

/** Model classes a topology may have at its root ('Functional' is what tf.keras 2.4+ writes for 'Model'). */
const MODEL_CLASSES = ['Sequential', 'Model', 'Functional'];

/** Parameter limit of a user model unless a caller sets another. */
export const DEFAULT_MAX_PARAMETERS = 50_000_000;

/** Initialisers that draw random numbers (TFJS class names): the ones a seed makes reproducible. */
const RANDOM_INITIALIZERS = new Set([
  'GlorotUniform', 'GlorotNormal', 'HeUniform', 'HeNormal', 'LeCunUniform', 'LeCunNormal',
  'RandomUniform', 'RandomNormal', 'TruncatedNormal', 'VarianceScaling', 'Orthogonal',
]);

/** Keras class names TFJS spells differently. */
const KERAS_CLASS_ALIASES: Record<string, string> = { LecunUniform: 'LeCunUniform', LecunNormal: 'LeCunNormal' };

/** One layer of a topology as written (Keras snake_case config). */
interface LayerEntry {
  name: string;
  className: string;
  config: JsonObject;
  /** Functional models: per call of the layer, the [layer, node, tensor] it takes. */
  nodes: Array<Array<[string, number, number]>>;
}

/** A topology read and checked, not yet built. */
export interface ParsedTopology {
  kind: 'sequential' | 'functional';
  /** `{class_name, config}` of the model, Keras (snake_case) form. */
  root: JsonObject;
  layers: LayerEntry[];
  /** Functional models: the [layer, node, tensor] of the model's inputs and outputs. */
  inputs: Array<[string, number, number]>;
  outputs: Array<[string, number, number]>;
}

/** What a topology builds: one input, one output, the weights in flat-vector order. */
export interface TopologyDescription {
  /** Shape of one example's input (no batch dimension). */
  inputShape: number[];
  /** Shape of one example's output (no batch dimension). */
  outputShape: number[];
  /** Every weight (trainable or not), in getWeights() order: the layout of the flat weight vector. */
  tensors: TensorShape[];
  /** Values in the flat weight vector (non-trainable weights such as batch-norm statistics included). */
  parameterCount: number;
  /** Activation of the layer that produces the output ('softmax', 'sigmoid', 'linear', ...), when that layer has one. */
  outputActivation?: string;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(message: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(message, cause === undefined ? undefined : { cause });
}

function tensorRef(v: Json, what: string): [string, number, number] {
  if (!Array.isArray(v) || typeof v[0] !== 'string') throw invalid(`${what} is not a [layer, node, tensor] reference`);
  return [v[0], Number(v[1] ?? 0), Number(v[2] ?? 0)];
}

function readLayer(v: Json, i: number, functional: boolean): LayerEntry {
  if (!isObject(v) || typeof v.class_name !== 'string' || !isObject(v.config)) {
    throw invalid(`layer ${i} of the model topology has no class_name and config`);
  }
  const name = typeof v.config.name === 'string' ? v.config.name : typeof v.name === 'string' ? v.name : `#${i}`;
  if (!Object.hasOwn(LAYER_CLASSES, v.class_name)) {
    throw invalid(`layer "${name}" has class "${v.class_name}", which fedlink does not build (it builds ${Object.keys(LAYER_CLASSES).join(', ')})`);
  }
  if (v.class_name === 'InputLayer' && 'batch_shape' in v.config) {
    throw invalid('the topology is in the Keras 3 format, which TensorFlow.js cannot build: save the model with tf.keras (Keras 2) and convert it with tensorflowjs_converter');
  }
  const nodes: LayerEntry['nodes'] = [];
  if (functional) {
    const inbound = v.inbound_nodes ?? [];
    if (!Array.isArray(inbound)) throw invalid(`layer "${name}" has inbound_nodes that are not a list`);
    for (const node of inbound) {
      if (!Array.isArray(node)) {
        throw invalid(`layer "${name}" has inbound nodes in the Keras 3 format, which TensorFlow.js cannot build: convert a tf.keras (Keras 2) model`);
      }
      nodes.push(node.map((ref) => tensorRef(ref, `an inbound node of layer "${name}"`)));
    }
  }
  return { name, className: v.class_name, config: v.config, nodes };
}

/**
 * Reads a topology: a model.json as a whole (its `modelTopology`), a Keras
 * model config (`{model_config: ...}`) or the `{class_name, config}` of the
 * model itself. Throws InvalidArgumentError naming the first problem.
 */
export function parseTopology(text: string): ParsedTopology {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (err) {
    throw invalid(`the model topology is not valid JSON (${(err as Error).message})`, err);
  }
  if (isObject(value) && 'modelTopology' in value) {
    if (value.format !== undefined && value.format !== 'layers-model') {
      throw invalid(`the model.json holds a "${String(value.format)}", not a "layers-model": fedlink trains TFJS Layers models only`);
    }
    value = value.modelTopology;
  }
  if (isObject(value) && isObject(value.model_config)) value = value.model_config;
  if (!isObject(value) || typeof value.class_name !== 'string') throw invalid('the model topology has no class_name: expected the modelTopology of a TFJS Layers model.json');
  if (!MODEL_CLASSES.includes(value.class_name)) {
    throw invalid(`the model is a "${value.class_name}"; fedlink builds ${MODEL_CLASSES.join(', ')} models`);
  }
  const kind = value.class_name === 'Sequential' ? 'sequential' : 'functional';
  const config = value.config;
  const list = kind === 'sequential' && Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
  if (!Array.isArray(list) || list.length === 0) throw invalid('the model topology lists no layers');
  const layers = list.map((l, i) => readLayer(l, i, kind === 'functional'));
  const refs = (key: string): Array<[string, number, number]> => {
    const v = isObject(config) ? config[key] : undefined;
    if (!Array.isArray(v)) throw invalid(`the functional model has no ${key}`);
    return v.map((ref) => tensorRef(ref, `an entry of ${key}`));
  };
  const inputs = kind === 'functional' ? refs('input_layers') : [];
  const outputs = kind === 'functional' ? refs('output_layers') : [];
  if (kind === 'functional' && (inputs.length !== 1 || outputs.length !== 1)) {
    throw invalid(`the model has ${inputs.length} inputs and ${outputs.length} outputs; fedlink trains models with one of each`);
  }
  return { kind, root: value, layers, inputs, outputs };
}

function toCamelCase(s: string): string {
  return s.length <= 1 || !s.includes('_') ? s : s.replace(/_+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Keras (snake_case) config to the TFJS form `fromConfig` takes: the same
 * conversion tf.models.modelFromJSON applies (tfjs-layers' convertPythonicToTs,
 * which it does not export). Names are kept: layer names, and the layer names
 * that head node references.
 */
function toTfjsConfig(value: Json, key?: string): tf.serialization.ConfigDictValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return toCamelCase(value);
  if (Array.isArray(value)) {
    const isName = key === 'inboundNodes' || key === 'inputLayers' || key === 'outputLayers';
    return value.map((item, i) => (isName && i === 0 && typeof item === 'string' ? item : toTfjsConfig(item, key)));
  }
  const out: tf.serialization.ConfigDict = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'name' && typeof v === 'string') {
      out[k] = v;
    } else if (k === 'class_name' && typeof v === 'string') {
      out.className = KERAS_CLASS_ALIASES[v] ?? v;
    } else {
      const tsKey = toCamelCase(k);
      out[tsKey] = toTfjsConfig(v, tsKey);
    }
  }
  return out;
}

/** An unbuilt layer (no weights yet) from its entry, through TFJS's registry of serialisable classes. */
function instantiate(entry: LayerEntry): tf.layers.Layer {
  const registered = tf.serialization.SerializationMap.getMap().classNameMap[entry.className];
  if (!registered) throw invalid(`layer "${entry.name}" has class "${entry.className}", which this TensorFlow.js does not know`);
  const [cls, fromConfig] = registered;
  try {
    return fromConfig(cls, toTfjsConfig(entry.config) as LayerConfig) as unknown as tf.layers.Layer;
  } catch (err) {
    throw invalid(`layer "${entry.name}" (${entry.className}) has an invalid config: ${firstLine(err)}`, err);
  }
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}

function declaredInputShape(layer: tf.layers.Layer): Shape | undefined {
  const shape = layer.getConfig().batchInputShape;
  return Array.isArray(shape) ? (shape as Shape) : undefined;
}

function weightsOf(entry: LayerEntry, layer: tf.layers.Layer, shape: Shape | Shape[]): number {
  const count = LAYER_CLASSES[entry.className].weights;
  if (!count) return 0;
  if (Array.isArray(shape[0])) throw invalid(`layer "${entry.name}" (${entry.className}) takes one input`);
  // The layer's own config fills in defaults; the written one adds what getConfig leaves out (SeparableConv2D's depthMultiplier).
  const n = count({ ...(toTfjsConfig(entry.config) as LayerConfig), ...layer.getConfig() }, shape as Shape);
  if (!Number.isFinite(n)) throw invalid(`layer "${entry.name}" (${entry.className}) gets an input of shape ${JSON.stringify(shape)} whose size is not known`);
  return n;
}

function outputShapeOf(entry: LayerEntry, layer: tf.layers.Layer, input: Shape | Shape[]): Shape | Shape[] {
  try {
    return layer.computeOutputShape(input) as Shape | Shape[];
  } catch (err) {
    throw invalid(`layer "${entry.name}" (${entry.className}) cannot take an input of shape ${JSON.stringify(input)}: ${firstLine(err)}`, err);
  }
}

/**
 * Counts the weights a topology will create, from its layer configs and the
 * shapes TFJS infers for unbuilt layers: no weight is allocated. Stops as soon
 * as the count passes `limit`.
 */
export function countParameters(parsed: ParsedTopology, limit = Number.POSITIVE_INFINITY): number {
  let total = 0;
  const add = (n: number) => {
    total += n;
    if (total > limit) throw invalid(`the model has more than ${limit.toLocaleString('en-US')} parameters, the limit`);
  };
  if (parsed.kind === 'sequential') {
    let shape: Shape | undefined;
    for (const entry of parsed.layers) {
      const layer = instantiate(entry);
      shape ??= declaredInputShape(layer);
      if (!shape) throw invalid(`the first layer ("${entry.name}") declares no input shape: give it batch_input_shape or start with an InputLayer`);
      if (entry.className === 'InputLayer') continue;
      add(weightsOf(entry, layer, shape));
      shape = outputShapeOf(entry, layer, shape) as Shape;
    }
    return total;
  }
  // Functional: each call ("node") of a layer gets the outputs of earlier calls; layers listed in any order.
  const outputs = new Map<string, Shape | Shape[]>();
  const pending = parsed.layers.map((entry) => ({ entry, layer: instantiate(entry), done: 0 }));
  let progress = true;
  while (progress) {
    progress = false;
    for (const p of pending) {
      if (p.entry.className === 'InputLayer') {
        if (p.done > 0) continue;
        const shape = declaredInputShape(p.layer);
        if (!shape) throw invalid(`input layer "${p.entry.name}" declares no batch_input_shape`);
        outputs.set(`${p.entry.name}:0`, shape);
        p.done = 1;
        progress = true;
        continue;
      }
      while (p.done < p.entry.nodes.length) {
        const refs = p.entry.nodes[p.done];
        const inputs = refs.map(([name, node, tensor]) => {
          const out = outputs.get(`${name}:${node}`);
          return out && Array.isArray(out[0]) ? (out as Shape[])[tensor] : (out as Shape | undefined);
        });
        if (inputs.some((s) => s === undefined)) break;
        const input = inputs.length === 1 ? inputs[0]! : (inputs as Shape[]);
        if (p.done === 0) add(weightsOf(p.entry, p.layer, input));
        outputs.set(`${p.entry.name}:${p.done}`, outputShapeOf(p.entry, p.layer, input));
        p.done++;
        progress = true;
      }
    }
  }
  const stuck = pending.find((p) => p.entry.className !== 'InputLayer' && p.done < p.entry.nodes.length);
  if (stuck) throw invalid(`layer "${stuck.entry.name}" takes inputs from layers the model does not define`);
  return total;
}

/** Whether every layer of the topology can be trained on the wasm backend. */
export function trainsOnWasm(parsed: ParsedTopology): boolean {
  return parsed.layers.every((l) => LAYER_CLASSES[l.className].wasmTrains !== false);
}

/**
 * The model config (TFJS form) with every random initialiser seeded from
 * `seed` and its position, so the same seed builds the same initial weights
 * and no two initialisers share a stream. Each layer's config is completed with
 * the defaults its unbuilt layer reports, so initialisers the topology leaves
 * to the default (a Dense kernel's glorot, say) are seeded too; a seed the
 * topology sets itself is kept.
 */
function seededConfig(parsed: ParsedTopology, seed: number): LayerConfig {
  const config = (toTfjsConfig(parsed.root) as LayerConfig).config as LayerConfig | LayerConfig[];
  const layers = (Array.isArray(config) ? config : config.layers) as LayerConfig[];
  let position = 0;
  layers.forEach((layer, i) => {
    const full: LayerConfig = { ...(layer.config as LayerConfig), ...instantiate(parsed.layers[i]).getConfig() };
    for (const [key, value] of Object.entries(full)) {
      const init = value as LayerConfig | null;
      if (!key.endsWith('Initializer') || !init || typeof init.className !== 'string' || !RANDOM_INITIALIZERS.has(init.className)) continue;
      const own = (init.config ?? {}) as LayerConfig;
      // Any integer works as a TFJS seed (seedrandom's alea takes its string form).
      if (own.seed == null) full[key] = { ...init, config: { ...own, seed: seed * 100_003 + position++ } };
    }
    layer.config = full;
  });
  return config as LayerConfig;
}

/** Options of {@link buildTopology}. */
export interface BuildTopologyOptions {
  /** Seeds the random initialisers that have none; unseeded (Math.random) when absent. */
  seed?: number;
  /** Zero weights instead of initialised ones: for a model whose weights are about to be replaced or only counted. */
  zeroWeights?: boolean;
}

/**
 * Builds the model of a parsed topology. Call {@link countParameters} first:
 * this allocates every weight. A topology TFJS refuses throws
 * InvalidArgumentError, and the weights of the layers built before the
 * failure are released.
 */
export function buildTopology(parsed: ParsedTopology, options: BuildTopologyOptions = {}): tf.LayersModel {
  const config = options.seed === undefined ? ((toTfjsConfig(parsed.root) as LayerConfig).config as LayerConfig) : seededConfig(parsed, options.seed);
  const fast = options.zeroWeights === true;
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return parsed.kind === 'sequential'
      ? tf.Sequential.fromConfig<tf.Sequential>(tf.Sequential, config, {}, fast)
      : tf.LayersModel.fromConfig<tf.LayersModel>(tf.LayersModel, config, {}, fast);
  } catch (err) {
    const variables = tf.engine().registeredVariables;
    for (const name of Object.keys(variables)) if (!before.has(name)) variables[name].dispose();
    throw invalid(`the model topology cannot be built: ${firstLine(err)}`, err);
  }
}

function exampleShape(shape: Shape, what: string): number[] {
  if (shape[0] !== null) throw invalid(`the model's ${what} has a fixed batch size of ${shape[0]}: leave the batch dimension unset (null)`);
  const rest = shape.slice(1);
  if (rest.length === 0 || !rest.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
    throw invalid(`the model's ${what} shape ${JSON.stringify(shape)} has dimensions that are not known: give every dimension but the batch one`);
  }
  return rest as number[];
}

/** The shapes and weights of a built model; throws InvalidArgumentError unless it has one input and one output of known shape. */
export function describeModel(model: tf.LayersModel): TopologyDescription {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw invalid(`the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; fedlink trains models with one of each`);
  }
  const tensors = model.weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[] }));
  const source = model.outputs[0].sourceLayer;
  const activation = source.getClassName() === 'Softmax' ? 'softmax' : source.getConfig().activation;
  return {
    inputShape: exampleShape(model.inputs[0].shape, 'input'),
    outputShape: exampleShape(model.outputs[0].shape, 'output'),
    tensors,
    parameterCount: tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0),
    ...(typeof activation === 'string' ? { outputActivation: activation } : {}),
  };
}
