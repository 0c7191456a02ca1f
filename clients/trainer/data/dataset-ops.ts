/**
 * Small operations on a LocalDataset that every reader or the loader needs:
 * keep some examples, shape inputs to the model, turn class indices into
 * one-hot vectors, and read each example's class (for partitioning).
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { LocalDataset } from '../dataset';
import type { Selector } from './reader';

/** Number of values in one example of `shape` ([] is one value). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[30]`, `[28, 28, 1]`, `[]`: shapes as messages print them. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A new dataset of the examples at `indices`, in that order. */
export function subsetDataset(data: LocalDataset, indices: ArrayLike<number>): LocalDataset {
  const fx = sizeOf(data.featureShape);
  const fy = sizeOf(data.labelShape);
  const features = new Float32Array(indices.length * fx);
  const labels = new Float32Array(indices.length * fy);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    if (!(Number.isInteger(src) && src >= 0 && src < data.count)) throw new InvalidArgumentError(`example index ${src} out of range 0..${data.count - 1}`);
    features.set(data.features.subarray(src * fx, (src + 1) * fx), i * fx);
    labels.set(data.labels.subarray(src * fy, (src + 1) * fy), i * fy);
  }
  return { ...data, count: indices.length, features, labels };
}

/** Applies a reader's selector to a dataset read whole (readers that cannot select earlier). */
export function applySelector(data: LocalDataset, select: Selector | undefined): LocalDataset {
  return select ? subsetDataset(data, select(data.labels, data.labelShape)) : data;
}

/**
 * Each example's class: the label itself for a class index (shape [] or [1]),
 * the arg-max for a one-hot vector. Throws when the labels are not classes
 * (e.g. regression targets), naming `why` the classes were wanted.
 */
export function classIndices(labels: Float32Array, labelShape: number[], why: string): Uint32Array {
  const k = sizeOf(labelShape);
  const count = k === 0 ? 0 : labels.length / k;
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    if (k === 1) {
      const v = labels[i];
      if (!(Number.isInteger(v) && v >= 0)) throw new InvalidArgumentError(`${why} needs class labels (whole numbers >= 0); the data has ${v}`);
      out[i] = v;
    } else {
      let best = 0;
      for (let j = 1; j < k; j++) if (labels[i * k + j] > labels[i * k + best]) best = j;
      out[i] = best;
    }
  }
  return out;
}

/** Class indices (shape []) as one-hot rows of `classes` values. */
export function oneHot(data: LocalDataset, classes: number): LocalDataset {
  const labels = new Float32Array(data.count * classes);
  for (let i = 0; i < data.count; i++) {
    const c = data.labels[i];
    // Callers check the range first (openData); a row of anything else would stay all zeros.
    if (Number.isInteger(c) && c >= 0 && c < classes) labels[i * classes + c] = 1;
  }
  return { ...data, labelShape: [classes], labels };
}
