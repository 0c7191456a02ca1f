/**
 * What a run trains besides its weights: the training objective (loss,
 * metrics, optimiser) and the preprocessing every device and the server apply
 * to raw data. Both travel in the run's ModelSpec, so every daemon builds,
 * trains and feeds the same model, and both are carried into exports (the
 * model card). The name lists here are the only ones: CLI choices, validation
 * and docs derive from them.
 */
import type { ModelSpec } from './types';

/** Losses a run may train with (TFJS names in kebab case). */
export const LOSSES = ['sparse-categorical-crossentropy', 'categorical-crossentropy', 'binary-crossentropy', 'mse', 'mae'] as const;
export type LossName = (typeof LOSSES)[number];

/** Metrics a run may report besides the loss. */
export const METRICS = ['accuracy', 'mae', 'mse'] as const;
export type MetricName = (typeof METRICS)[number];

/** Client-side optimisers (the learning rate is TrainConfig's). */
export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** An optimiser and its options; unset options take TFJS's defaults (momentum 0.9 for 'momentum'). */
export interface OptimizerSpec {
  name: OptimizerName;
  /** 'momentum'. */
  momentum?: number;
  /** 'adam'. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** The training objective of a run. */
export interface Objective {
  loss: LossName;
  metrics: MetricName[];
  optimizer: OptimizerSpec;
}

/** What the built-in models train with: sparse categorical cross-entropy, accuracy, plain SGD. */
export const DEFAULT_OBJECTIVE: Objective = { loss: 'sparse-categorical-crossentropy', metrics: ['accuracy'], optimizer: { name: 'sgd' } };

/** A spec's objective: the run's, or the built-ins' default. */
export function objectiveOf(spec: Pick<ModelSpec, 'objective'>): Objective {
  return spec.objective ?? DEFAULT_OBJECTIVE;
}

/** Shape of one example's model output. */
export function outputShapeOf(spec: Pick<ModelSpec, 'outputShape' | 'numClasses'>): number[] {
  return spec.outputShape ?? [spec.numClasses];
}

/**
 * What turns a device's raw records into model inputs and targets; applied by
 * the data readers (clients/trainer/data/), the server's evaluation and
 * `model predict` alike.
 */
export interface Preprocessing {
  /** Tabular (csv, jsonl): the label column or field. */
  labelColumn?: string;
  /** Tabular: the feature columns, in model-input order. @default every column but the label, in file order */
  featureColumns?: string[];
  /** Tabular: x' = (x − shift) / divide per feature (one value: every feature). */
  shift?: number[];
  divide?: number[];
  /** Images: decoded, converted to `channels`, resized to height × width; pixels divided by 255 when `normalize`. */
  image?: { height: number; width: number; channels: 1 | 3; normalize: boolean };
  /** Classification: label names in class-index order. A reader maps a label text to its index; a numeric label is the index. */
  labels?: string[];
}
