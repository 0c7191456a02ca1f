/**
 * Does local data fit a run's model? Input shape, label form for the loss
 * (sparse: one whole class index each; categorical: one-hot rows of the class
 * count; binary: 0 or 1; regression: finite values of the output's size) and
 * label range. The daemon checks at task start, before any download or
 * training, and `fedlink client --check-data` offline. Messages name shapes and
 * ranges, never an example's values: a task failure reaches the coordinator.
 */
import { InvalidArgumentError } from '../../../common/errors';
import { objectiveOf, outputShapeOf, type LossName } from '../../../common/model-definition';
import type { ModelSpec } from '../../../common/types';
import type { LocalDataset } from '../dataset';
import { shapeText, sizeOf } from './dataset-ops';
import { isRegression, listNames } from './labels';

/** Local data does not fit the model: the reason a task fails with. */
export class DataMismatchError extends InvalidArgumentError {}

/** What checkData needs of a model. */
export type ModelShape = Pick<ModelSpec, 'name' | 'inputShape' | 'numClasses' | 'outputShape' | 'objective'>;

/** The loss a spec trains with. */
export function lossOf(spec: Pick<ModelSpec, 'objective'>): LossName {
  return objectiveOf(spec).loss;
}

export { outputShapeOf };

/**
 * Throws DataMismatchError naming both sides when `data` cannot train `spec`;
 * `model` names the model in messages (e.g. "the model of run run-7").
 */
export function checkData(data: LocalDataset, spec: ModelShape, model = `model "${spec.name}"`): void {
  const fail = (why: string) => {
    throw new DataMismatchError(why);
  };
  if (data.count < 1) fail('no local examples');
  const fx = sizeOf(data.featureShape);
  const fy = sizeOf(data.labelShape);
  if (data.features.length !== data.count * fx || data.labels.length !== data.count * fy) {
    fail(`data arrays do not hold ${data.count} examples of inputs ${shapeText(data.featureShape)} and labels ${shapeText(data.labelShape)}`);
  }
  if (data.featureShape.join() !== spec.inputShape.join()) {
    fail(`data gives inputs of shape ${shapeText(data.featureShape)} but ${model} takes ${shapeText(spec.inputShape)}`);
  }
  const loss = lossOf(spec);
  const out = outputShapeOf(spec);
  const outSize = sizeOf(out);
  const stats = labelStats(data.labels);
  if (stats.nan > 0) fail(`data has no labels (${stats.nan} label values missing)`);
  const labelsVs = (wanted: string) => `data gives labels of shape ${shapeText(data.labelShape)} but ${model} with loss ${loss} takes ${wanted}`;
  const classes = out[out.length - 1] ?? 1;
  switch (loss) {
    case 'sparse-categorical-crossentropy':
      if (fy !== 1) fail(`${labelsVs('one class index per example')} (one-hot labels go with categorical-crossentropy)`);
      if (stats.fractional > 0) fail(`loss ${loss} needs whole class indices; ${stats.fractional} labels are not whole numbers`);
      if (stats.min < 0 || stats.max >= classes) fail(`labels span ${stats.min}..${stats.max} but ${model} has ${classes} classes (0..${classes - 1})`);
      break;
    case 'categorical-crossentropy': {
      if (data.labelShape.join() !== String(classes) || data.labelShape.length !== 1) fail(labelsVs(`one-hot labels of shape [${classes}]`));
      const bad = notOneHotRows(data.labels, classes);
      if (bad > 0) fail(`loss ${loss} needs one-hot labels of ${classes} values (or probabilities summing to 1); ${bad} label rows are not`);
      break;
    }
    case 'binary-crossentropy':
      if (fy !== outSize) fail(labelsVs(`${outSize === 1 ? 'one 0/1 label' : `${outSize} 0/1 labels`} per example (output ${shapeText(out)})`));
      if (stats.notBinary > 0) fail(`loss ${loss} needs labels 0 or 1; labels span ${stats.min}..${stats.max} (${stats.notBinary} are neither)`);
      break;
    default:
      if (!isRegression(loss)) fail(`unknown loss ${String(loss)}`);
      if (fy !== outSize) fail(`${labelsVs(`${outSize} target value${outSize === 1 ? '' : 's'} per example`)} (output ${shapeText(out)})`);
  }
  if (data.labelNames && !isRegression(loss)) {
    const most = loss === 'binary-crossentropy' && outSize === 1 ? 2 : classes;
    if (data.labelNames.length > most) fail(`data names ${data.labelNames.length} classes (${listNames(data.labelNames)}) but ${model} has ${most}`);
  }
}

interface LabelStats {
  min: number;
  max: number;
  nan: number;
  fractional: number;
  notBinary: number;
}

function labelStats(labels: Float32Array): LabelStats {
  const s: LabelStats = { min: Infinity, max: -Infinity, nan: 0, fractional: 0, notBinary: 0 };
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (Number.isNaN(v)) {
      s.nan++;
      continue;
    }
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    if (!Number.isInteger(v)) s.fractional++;
    if (v !== 0 && v !== 1) s.notBinary++;
  }
  return s;
}

function notOneHotRows(labels: Float32Array, k: number): number {
  let bad = 0;
  for (let i = 0; i < labels.length; i += k) {
    let sum = 0;
    let ok = true;
    for (let j = 0; j < k; j++) {
      const v = labels[i + j];
      if (!(v >= 0 && v <= 1)) ok = false;
      sum += v;
    }
    if (!ok || Math.abs(sum - 1) > 1e-3) bad++;
  }
  return bad;
}
