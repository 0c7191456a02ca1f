/**
 * What a run's ModelSpec leaves unset, spelled out for the people and
 * programs that use the trained model: the built-in models ('mlp', 'cnn')
 * carry no objective or preprocessing (they train on Fashion-MNIST with the
 * default objective), so the model card and `model predict` need the
 * effective values, and what kind of output the model gives.
 */
import { DEFAULT_OBJECTIVE, outputShapeOf, type Objective, type Preprocessing } from '../../common/model-definition';
import type { ModelSpec } from '../../common/types';

/** Fashion-MNIST's class names, in label order (the dataset's documentation). */
export const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/**
 * The built-in models' preprocessing: 28×28 greyscale images scaled to [0, 1];
 * tabular rows are the 784 raw pixel values 0-255 (a `label` column, as in the
 * usual Fashion-MNIST CSVs, is skipped), divided by 255 alike.
 */
export const BUILTIN_PREPROCESSING: Preprocessing = {
  labelColumn: 'label',
  divide: [255],
  image: { height: 28, width: 28, channels: 1, normalize: true },
  labels: FASHION_MNIST_LABELS,
};

/** What a model's outputs are: class probabilities, one probability of the positive class (or one per label), or values. */
export type OutputKind = 'classes' | 'binary' | 'values';

/** Whether the spec is a user's model (its own topology) rather than a built-in. */
export function isUserModel(spec: ModelSpec): boolean {
  return spec.topology !== undefined;
}

/** The objective the run trains with. */
export function effectiveObjective(spec: ModelSpec): Objective {
  return spec.objective ?? DEFAULT_OBJECTIVE;
}

/** The preprocessing inputs need; a user model without any takes its inputs as they are. */
export function effectivePreprocessing(spec: ModelSpec): Preprocessing {
  return spec.preprocessing ?? (isUserModel(spec) ? {} : BUILTIN_PREPROCESSING);
}

export { outputShapeOf };

/** How to read the model's outputs, from its loss. */
export function outputKind(spec: ModelSpec): OutputKind {
  const { loss } = effectiveObjective(spec);
  if (loss === 'binary-crossentropy') return 'binary';
  if (loss === 'mse' || loss === 'mae') return 'values';
  return 'classes';
}
