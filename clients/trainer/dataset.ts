/**
 * A device's examples as training and evaluation see them: inputs already
 * preprocessed into the model's input shape, targets as the loss wants them
 * (a class index for sparse categorical cross-entropy, a vector for
 * categorical cross-entropy, one value or a vector for binary cross-entropy
 * and regression). Every data reader (clients/trainer/data/) produces one.
 */
import type { LabeledImages } from './fashion-mnist';

/** Examples held in memory, ready for the trainer. */
export interface LocalDataset {
  count: number;
  /** Shape of one example's input, e.g. [784], [28, 28, 1] or [30]. */
  featureShape: number[];
  /** count × prod(featureShape) values. */
  features: Float32Array;
  /** Shape of one example's target: [] for a class index or a scalar, [k] for a vector. */
  labelShape: number[];
  /** count × prod(labelShape) values (class indices as whole numbers). */
  labels: Float32Array;
  /** Label names in class-index order, when the data names its classes. */
  labelNames?: string[];
}

/** Fashion-MNIST images (pixels already in [0, 1]) as a dataset of flat 784-value inputs and class indices. */
export function fromLabeledImages(d: LabeledImages): LocalDataset {
  return { count: d.count, featureShape: [d.height * d.width], features: d.images, labelShape: [], labels: Float32Array.from(d.labels) };
}
