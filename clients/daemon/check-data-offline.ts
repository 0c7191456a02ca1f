/**
 * `fedlink client --check-data`: the check a daemon runs at task start, done
 * offline before joining. The model is a built-in name or a TFJS Layers
 * model.json (its input and output shapes are read by building it, from data,
 * never running code); the loss and the preprocessing are the run's, given as
 * flags since the device does not ask the coordinator. Resolves to a summary
 * to print; rejects with DataMismatchError naming both shapes when the data
 * does not fit, InvalidArgumentError when it cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { FedlinkError, InvalidArgumentError } from '../../common/errors';
import { DEFAULT_OBJECTIVE, LOSSES, type LossName, type Preprocessing } from '../../common/model-definition';
import type { ModelName } from '../../common/types';
import { checkData, type ModelShape } from '../trainer/data/check-data';
import { shapeText } from '../trainer/data/dataset-ops';
import { listNames } from '../trainer/data/labels';
import { fitToModel } from '../trainer/data/open-data';
import { loadLocalData, type LocalDataOptions } from '../trainer/local-data';
import { MODEL_NAMES } from '../trainer/model-names';

/** The offline check's answer when the data does not fit the model or cannot be read (the CLI exits 1). */
export class DataCheckFailedError extends FedlinkError {}

/** The model side of an offline check. */
export interface OfflineModel {
  /** 'mlp', 'cnn', or the path of a TFJS Layers model.json. */
  model: string;
  /** @default DEFAULT_OBJECTIVE.loss */
  loss?: LossName;
  /** Path of a JSON file holding the run's preprocessing (common/model-definition.ts Preprocessing). */
  preprocessing?: string;
}

/** Reads the data as a task of that model would, checks it, and returns what was found. */
export async function checkDataOffline(data: LocalDataOptions, offline: OfflineModel): Promise<string> {
  const loss = offline.loss ?? DEFAULT_OBJECTIVE.loss;
  if (!LOSSES.includes(loss)) throw new InvalidArgumentError(`unknown loss "${String(loss)}" (known: ${LOSSES.join(', ')})`);
  const preprocessing = offline.preprocessing === undefined ? undefined : await readPreprocessing(offline.preprocessing);
  const model = await modelShape(offline.model, loss);
  const raw = await loadLocalData(data, { preprocessing, inputShape: model.inputShape, loss });
  const fitted = fitToModel(raw, { inputShape: model.inputShape, loss, numClasses: model.numClasses });
  const what = `model ${offline.model}`;
  checkData(fitted, model, what);
  const classes = fitted.labelNames ? ` (${fitted.labelNames.length} classes: ${listNames(fitted.labelNames)})` : '';
  return [
    `data ${data.data}: ${fitted.count} examples, inputs ${shapeText(fitted.featureShape)}, labels ${shapeText(fitted.labelShape)}${classes}`,
    `fits ${what}: input ${shapeText(model.inputShape)}, output ${shapeText(model.outputShape ?? [model.numClasses])}, loss ${loss}`,
  ].join('\n');
}

/** The shapes of a built-in model or of a model.json, with `loss` as its objective. */
async function modelShape(model: string, loss: LossName): Promise<ModelShape> {
  const objective = { ...DEFAULT_OBJECTIVE, loss };
  if ((MODEL_NAMES as readonly string[]).includes(model)) {
    const { modelSpecFor } = await import('../trainer/models');
    return { ...modelSpecFor(model as ModelName), objective };
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(model, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
    throw new InvalidArgumentError(`--model ${model}: not ${MODEL_NAMES.join(', ')} nor a readable model.json (${why})`, { cause: err });
  }
  const topology = (json as { modelTopology?: unknown }).modelTopology ?? json;
  const tf = await import('@tensorflow/tfjs');
  let built: import('@tensorflow/tfjs').LayersModel;
  try {
    built = await tf.models.modelFromJSON({ modelTopology: topology as import('@tensorflow/tfjs').io.ModelJSON['modelTopology'] });
  } catch (err) {
    throw new InvalidArgumentError(`--model ${model}: not a TFJS Layers model (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  try {
    const input = built.inputs[0].shape.slice(1);
    const output = built.outputs[0].shape.slice(1);
    if (built.inputs.length !== 1 || built.outputs.length !== 1 || [...input, ...output].some((d) => d === null)) {
      throw new InvalidArgumentError(`--model ${model}: needs one input and one output with every dimension but the batch set`);
    }
    const outputShape = output as number[];
    return { name: 'custom' as ModelName, inputShape: input as number[], outputShape, numClasses: outputShape[outputShape.length - 1] ?? 1, objective };
  } finally {
    built.dispose();
  }
}

async function readPreprocessing(file: string): Promise<Preprocessing> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new InvalidArgumentError(`--preprocessing ${file}: not a readable JSON file (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const p = value as Record<string, unknown>;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const numbers = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'number');
  const problems = [
    typeof value !== 'object' || value === null || Array.isArray(value) ? 'not a JSON object' : '',
    p.labelColumn !== undefined && typeof p.labelColumn !== 'string' ? 'labelColumn must be a string' : '',
    p.featureColumns !== undefined && !strings(p.featureColumns) ? 'featureColumns must be a list of names' : '',
    p.labels !== undefined && !strings(p.labels) ? 'labels must be a list of names' : '',
    p.shift !== undefined && !numbers(p.shift) ? 'shift must be a list of numbers' : '',
    p.divide !== undefined && !numbers(p.divide) ? 'divide must be a list of numbers' : '',
    p.image !== undefined && (typeof p.image !== 'object' || p.image === null) ? 'image must be { height, width, channels, normalize }' : '',
  ].filter((x) => x !== '');
  if (problems.length > 0) throw new InvalidArgumentError(`--preprocessing ${file}: ${problems[0]}`);
  return value as Preprocessing;
}
