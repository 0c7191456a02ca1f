/**
 * Turns rows of a LabeledImages into input/label tensors shaped for a model spec.
 * Rows are gathered in JS into one buffer per batch, so no tensor of the whole
 * partition is ever held on the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../common/errors';
import type { ModelSpec } from '../../common/types';
import type { LabeledImages } from './fashion-mnist';

/** Input and one-hot label tensors of one batch; the caller disposes both. */
export interface Batch {
  xs: tf.Tensor;
  ys: tf.Tensor2D;
  size: number;
}

/** Throws InvalidArgumentError when `data` cannot feed `spec` (pixel count or label range). */
export function checkDataFitsSpec(spec: ModelSpec, data: LabeledImages): void {
  const inputSize = spec.inputShape.reduce((a, b) => a * b, 1);
  if (data.height * data.width !== inputSize) {
    throw new InvalidArgumentError(`data has ${data.height}×${data.width} pixels per example, model "${spec.name}" takes ${inputSize}`);
  }
  if (data.images.length !== data.count * inputSize || data.labels.length !== data.count) {
    throw new InvalidArgumentError(`data arrays do not hold ${data.count} examples`);
  }
  for (let i = 0; i < data.count; i++) {
    if (data.labels[i] >= spec.numClasses) {
      throw new InvalidArgumentError(`label ${data.labels[i]} at ${i} is not a class of model "${spec.name}" (0..${spec.numClasses - 1})`);
    }
  }
}

/** Builds the batch of rows order[start..end) (or start..end directly when order is absent). */
export function makeBatch(spec: ModelSpec, data: LabeledImages, start: number, end: number, order?: Uint32Array): Batch {
  const size = end - start;
  const inputSize = data.height * data.width;
  const classes = spec.numClasses;
  let pixels: Float32Array;
  if (order) {
    pixels = new Float32Array(size * inputSize);
    for (let i = 0; i < size; i++) {
      const row = order[start + i];
      pixels.set(data.images.subarray(row * inputSize, (row + 1) * inputSize), i * inputSize);
    }
  } else {
    // Contiguous rows: a copy still, because the cpu backend keeps the array it is handed.
    pixels = data.images.slice(start * inputSize, end * inputSize);
  }
  const oneHot = new Float32Array(size * classes);
  for (let i = 0; i < size; i++) oneHot[i * classes + data.labels[order ? order[start + i] : start + i]] = 1;
  return {
    xs: tf.tensor(pixels, [size, ...spec.inputShape], 'float32'),
    ys: tf.tensor2d(oneHot, [size, classes], 'float32'),
    size,
  };
}

/** Sum over the batch of categorical cross-entropy of softmax outputs (clipped like Keras, so log(0) never happens). */
export function crossEntropySum(ys: tf.Tensor2D, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(probs, 1e-7, 1 - 1e-7))))) as tf.Scalar);
}

/** Number of rows whose arg-max prediction equals the one-hot label. */
export function correctCount(ys: tf.Tensor2D, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(probs, 1), tf.argMax(ys, 1)), 'float32')) as tf.Scalar);
}
