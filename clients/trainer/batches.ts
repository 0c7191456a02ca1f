/**
 * Turns rows of a LocalDataset into input/target tensors shaped for a model
 * spec, and scores a batch by the run's objective (the loss, and the hits that
 * make its accuracy). Rows are gathered in JS into one buffer per batch, so no
 * tensor of the whole partition is ever held on the backend.
 *
 * Losses are computed from the model's outputs as probabilities (softmax for
 * the cross-entropies, sigmoid for binary), as the built-ins produce them,
 * clipped like Keras so log(0) never happens.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../common/errors';
import { LOSSES, objectiveOf, outputShapeOf, type LossName } from '../../common/model-definition';
import type { ModelSpec } from '../../common/types';
import { fromLabeledImages, type LocalDataset } from './dataset';
import type { LabeledImages } from './fashion-mnist';

/** What training and evaluation take: a dataset, or Fashion-MNIST images until every caller passes datasets. */
export type TrainingData = LocalDataset | LabeledImages;

/** Input and target tensors of one batch; the caller disposes both. */
export interface Batch {
  xs: tf.Tensor;
  /** One-hot rows for sparse categorical cross-entropy, else the targets as [size, ...outputShape]. */
  ys: tf.Tensor;
  size: number;
}

const EPSILON = 1e-7;

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// The adapter copies the labels: convert a LabeledImages once, not for every batch.
const converted = new WeakMap<LabeledImages, LocalDataset>();

/** The data as a LocalDataset (Fashion-MNIST images are converted once and remembered). */
export function toDataset(data: TrainingData): LocalDataset {
  if (!('images' in data)) return data;
  let dataset = converted.get(data);
  if (!dataset) {
    dataset = fromLabeledImages(data);
    converted.set(data, dataset);
  }
  return dataset;
}

export { objectiveOf, outputShapeOf };

function fmt(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Throws InvalidArgumentError when `data` cannot feed `spec` under its
 * objective: input size, label shape, or a label value the loss cannot take
 * (a class index out of range, a binary target outside [0, 1], a value that is not finite).
 */
export function checkDataFitsSpec(spec: ModelSpec, input: TrainingData): void {
  const data = toDataset(input);
  const inputSize = sizeOf(spec.inputShape);
  const featureSize = sizeOf(data.featureShape);
  if (featureSize !== inputSize) {
    throw new InvalidArgumentError(`data examples have shape ${fmt(data.featureShape)}, model "${spec.name}" takes ${fmt(spec.inputShape)}`);
  }
  const labelSize = sizeOf(data.labelShape);
  if (data.features.length !== data.count * featureSize || data.labels.length !== data.count * labelSize) {
    throw new InvalidArgumentError(`data arrays do not hold ${data.count} examples`);
  }
  const { loss } = objectiveOf(spec);
  const outputShape = outputShapeOf(spec);
  const outputSize = sizeOf(outputShape);
  if (loss === 'sparse-categorical-crossentropy') {
    if (labelSize !== 1) {
      throw new InvalidArgumentError(`sparse-categorical-crossentropy takes one class index per example, the data has labels of shape ${fmt(data.labelShape)}`);
    }
    for (let i = 0; i < data.count; i++) {
      const label = data.labels[i];
      if (!(Number.isInteger(label) && label >= 0 && label < outputSize)) {
        throw new InvalidArgumentError(`label ${label} at example ${i} is not a class of model "${spec.name}" (0..${outputSize - 1})`);
      }
    }
    return;
  }
  if (labelSize !== outputSize) {
    throw new InvalidArgumentError(`${loss} compares each output with its target: the data has labels of shape ${fmt(data.labelShape)}, model "${spec.name}" outputs ${fmt(outputShape)}`);
  }
  for (let i = 0; i < data.labels.length; i++) {
    const label = data.labels[i];
    const ok = loss === 'binary-crossentropy' || loss === 'categorical-crossentropy' ? label >= 0 && label <= 1 : Number.isFinite(label);
    if (!ok) {
      const range = loss === 'binary-crossentropy' || loss === 'categorical-crossentropy' ? 'in [0, 1]' : 'finite';
      throw new InvalidArgumentError(`label ${label} at example ${Math.floor(i / labelSize)} is not ${range}, as ${loss} needs`);
    }
  }
}

/** Builds the batch of rows order[start..end) (or start..end directly when order is absent). */
export function makeBatch(spec: ModelSpec, input: TrainingData, start: number, end: number, order?: Uint32Array): Batch {
  const data = toDataset(input);
  const size = end - start;
  const row = (i: number) => (order ? order[start + i] : start + i);
  const xs = gather(data.features, sizeOf(data.featureShape), size, row, order === undefined ? start : undefined);
  const outputShape = outputShapeOf(spec);
  let ys: tf.Tensor;
  if (objectiveOf(spec).loss === 'sparse-categorical-crossentropy') {
    const classes = sizeOf(outputShape);
    const oneHot = new Float32Array(size * classes);
    for (let i = 0; i < size; i++) oneHot[i * classes + data.labels[row(i)]] = 1;
    ys = tf.tensor2d(oneHot, [size, classes], 'float32');
  } else {
    const targets = gather(data.labels, sizeOf(data.labelShape), size, row, order === undefined ? start : undefined);
    ys = tf.tensor(targets, [size, ...outputShape], 'float32');
  }
  return { xs: tf.tensor(xs, [size, ...spec.inputShape], 'float32'), ys, size };
}

function gather(values: Float32Array, width: number, size: number, row: (i: number) => number, contiguousFrom: number | undefined): Float32Array {
  // Contiguous rows: a copy still, because the cpu backend keeps the array it is handed.
  if (contiguousFrom !== undefined) return values.slice(contiguousFrom * width, (contiguousFrom + size) * width);
  const out = new Float32Array(size * width);
  for (let i = 0; i < size; i++) {
    const r = row(i);
    out.set(values.subarray(r * width, (r + 1) * width), i * width);
  }
  return out;
}

/** Sum over the batch of categorical cross-entropy of softmax outputs against one-hot (or probability) rows. */
export function crossEntropySum(ys: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(probs, EPSILON, 1 - EPSILON))))) as tf.Scalar);
}

/** Number of rows whose arg-max prediction equals the one-hot label. */
export function correctCount(ys: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), tf.argMax(ys, 1)), 'float32')) as tf.Scalar);
}

/** Values per example of a batch tensor (1 for a [size] tensor). */
function perExample(t: tf.Tensor): number {
  return t.shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * Sum over the batch of the per-example loss (the Keras definitions: binary
 * cross-entropy, mse and mae average over an example's outputs; categorical
 * cross-entropy sums over its classes).
 */
export function lossSum(loss: LossName, ys: tf.Tensor, outputs: tf.Tensor): tf.Scalar {
  switch (loss) {
    case 'sparse-categorical-crossentropy':
    case 'categorical-crossentropy':
      return crossEntropySum(ys, outputs);
    case 'binary-crossentropy':
      return tf.tidy(() => {
        const p = tf.clipByValue(outputs, EPSILON, 1 - EPSILON);
        const ll = tf.add(tf.mul(ys, tf.log(p)), tf.mul(tf.sub(1, ys), tf.log(tf.sub(1, p))));
        return tf.div(tf.neg(tf.sum(ll)), perExample(outputs)) as tf.Scalar;
      });
    case 'mse':
      return tf.tidy(() => tf.div(tf.sum(tf.squaredDifference(outputs, ys)), perExample(outputs)) as tf.Scalar);
    case 'mae':
      return tf.tidy(() => tf.div(tf.sum(tf.abs(tf.sub(outputs, ys))), perExample(outputs)) as tf.Scalar);
    default:
      throw new InvalidArgumentError(`unknown loss "${String(loss)}" (known: ${LOSSES.join(', ')})`);
  }
}

/**
 * The batch's accuracy numerator: rows whose arg-max matches (categorical),
 * or outputs on the right side of 0.5, averaged over an example's outputs
 * (binary, so a multi-label example counts the fraction it gets right). 0 for
 * regression, which has no accuracy.
 */
export function hitCount(loss: LossName, ys: tf.Tensor, outputs: tf.Tensor): tf.Scalar {
  switch (loss) {
    case 'sparse-categorical-crossentropy':
    case 'categorical-crossentropy':
      return correctCount(ys, outputs);
    case 'binary-crossentropy':
      return tf.tidy(() => tf.div(tf.sum(tf.cast(tf.equal(tf.greaterEqual(outputs, 0.5), tf.greaterEqual(ys, 0.5)), 'float32')), perExample(outputs)) as tf.Scalar);
    default:
      return tf.scalar(0);
  }
}
