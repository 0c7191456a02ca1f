/**
 * `openData(spec, options)`: data named by a spec (`csv:<path>`, `images:<dir>`,
 * `fashion-mnist`, ...; readers.ts) read into a LocalDataset with the run's
 * preprocessing, optionally cut to this client's partition, with inputs shaped
 * to the model (a reshape when only the shape differs: [784] ↔ [28, 28, 1]) and
 * class indices turned into one-hot rows when the loss is categorical
 * cross-entropy. Whether the result fits a model is checkData's question.
 */
import { InvalidArgumentError, MissingDependencyError } from '../../../common/errors';
import { LOSSES, type LossName, type Preprocessing } from '../../../common/model-definition';
import type { LocalDataset } from '../dataset';
import { parsePartitionSpec, partitionIndices } from '../partition';
import { DataMismatchError } from './check-data';
import { classIndices, oneHot, sizeOf } from './dataset-ops';
import { isRegression } from './labels';
import { parseDataSpec } from './readers';
import type { Selector } from './reader';

/** How a device's examples are cut among clients that share one data set (simulations, benchmarks). */
export interface PartitionOptions {
  /** 'iid' | 'dirichlet:<alpha>' | 'labels:<k>' (non-iid ones need class labels). */
  partition: string;
  numPartitions: number;
  /** 0-based index of this client's partition. */
  index: number;
  /** The same on every client. */
  seed: number;
}

/** Options of {@link openData}. */
export interface OpenDataOptions {
  /** The run's preprocessing. @default none: readers' defaults (documented per reader) */
  preprocessing?: Preprocessing;
  /** The model's input shape: images are resized to it, inputs reshaped to it when the sizes agree. */
  inputShape?: number[];
  /** The run's loss: categorical cross-entropy gets one-hot labels, regression numeric ones. */
  loss?: LossName;
  /** Classes of the model, for one-hot labels. @default the run's label names' count, else the largest label + 1 */
  numClasses?: number;
  /** Directory of a named data set's files (fashion-mnist). @default FEDLINK_DATA_DIR, else its Debian package's directory */
  dataDir?: string;
  /** Read only the first N examples (before partitioning). */
  maxExamples?: number;
  /** Keep only this client's partition. */
  partition?: PartitionOptions;
  /** Inputs only, labels NaN (see ReadOptions.unlabeled). */
  unlabeled?: boolean;
}

/** Reads the data `spec` names, fitted to the model; bad data or options are an InvalidArgumentError, a named data set's missing files a MissingDependencyError. */
export async function openData(spec: string, options: OpenDataOptions = {}): Promise<LocalDataset> {
  return fitToModel(await readData(spec, options), options);
}

/**
 * What decides what a read gives, as a string: two option sets with the same key
 * read the same data (they may still differ in fitToModel's reshape and one-hot).
 */
export function readKey(spec: string, options: OpenDataOptions): string {
  const parsed = parseDataSpec(spec, { dataDir: options.dataDir });
  return JSON.stringify([parsed.reader.kind, parsed.argument, options.preprocessing ?? null, parsed.reader.readsInputShape ? (options.inputShape ?? null) : null, isRegression(options.loss)]);
}

/** openData without the fit to the model: the examples as read, for a caller that fits them to several models. */
export async function readData(spec: string, options: OpenDataOptions = {}): Promise<LocalDataset> {
  const parsed = parseDataSpec(spec, { dataDir: options.dataDir });
  checkOptions(options);
  const select = options.partition ? partitionSelector(options.partition) : undefined;
  let data: LocalDataset;
  try {
    data = await parsed.reader.read(parsed.argument, {
      preprocessing: options.preprocessing,
      inputShape: options.inputShape,
      loss: options.loss,
      limit: options.maxExamples,
      select,
      unlabeled: options.unlabeled,
    });
  } catch (err) {
    const named = parsed.named;
    if (named && (err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') {
      throw new MissingDependencyError(
        `${named.name} not found (${(err as Error).message}): install it with \`${named.install}\`, or point FEDLINK_DATA_DIR (--data-dir) at a directory holding its files`,
        { cause: err },
      );
    }
    throw err;
  }
  return data;
}

/** Inputs reshaped to the model's input when only the shape differs, class indices one-hot for categorical cross-entropy. */
export function fitToModel(data: LocalDataset, model: Pick<OpenDataOptions, 'inputShape' | 'loss' | 'numClasses'>): LocalDataset {
  return shapeLabels(shapeInputs(data, model.inputShape), model.loss, model.numClasses);
}

function checkOptions(options: OpenDataOptions): void {
  const { maxExamples, partition, loss, numClasses } = options;
  if (maxExamples !== undefined && !(Number.isInteger(maxExamples) && maxExamples >= 1)) {
    throw new InvalidArgumentError(`maxExamples must be an integer >= 1, got ${maxExamples}`);
  }
  if (loss !== undefined && !LOSSES.includes(loss)) throw new InvalidArgumentError(`unknown loss "${String(loss)}" (known: ${LOSSES.join(', ')})`);
  if (numClasses !== undefined && !(Number.isInteger(numClasses) && numClasses >= 1)) throw new InvalidArgumentError(`numClasses must be an integer >= 1, got ${numClasses}`);
  if (options.inputShape && !options.inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new InvalidArgumentError(`input shape must hold whole numbers >= 1, got [${options.inputShape.join(', ')}]`);
  }
  if (!partition) return;
  const { numPartitions, index, seed } = partition;
  if (!(Number.isInteger(numPartitions) && numPartitions >= 1)) throw new InvalidArgumentError(`numPartitions must be an integer >= 1, got ${numPartitions}`);
  if (!(Number.isInteger(index) && index >= 0 && index < numPartitions)) {
    throw new InvalidArgumentError(`partition index must be an integer in 0..${numPartitions - 1}, got ${index}`);
  }
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${seed}`);
  parsePartitionSpec(partition.partition);
}

/** A selector keeping this client's partition; iid needs no labels, the others each example's class. */
function partitionSelector(p: PartitionOptions): Selector {
  const spec = parsePartitionSpec(p.partition);
  return (labels, labelShape) => {
    const k = sizeOf(labelShape);
    const count = k === 0 ? 0 : labels.length / k;
    if (spec.kind === 'iid') return partitionIndices(new Uint8Array(count), spec, p.numPartitions, p.seed, 1)[p.index];
    const classes = classIndices(labels, labelShape, `partition ${p.partition}`);
    let numClasses = 1;
    for (const c of classes) if (c + 1 > numClasses) numClasses = c + 1;
    return partitionIndices(classes, spec, p.numPartitions, p.seed, numClasses)[p.index];
  };
}

/** Gives the inputs the model's shape when only the shape differs ([784] → [28, 28, 1]). */
function shapeInputs(data: LocalDataset, inputShape: number[] | undefined): LocalDataset {
  if (!inputShape || data.featureShape.join() === inputShape.join()) return data;
  return sizeOf(data.featureShape) === sizeOf(inputShape) ? { ...data, featureShape: [...inputShape] } : data;
}

/** One-hot rows for categorical cross-entropy when the data gives class indices. */
function shapeLabels(data: LocalDataset, loss: LossName | undefined, numClasses: number | undefined): LocalDataset {
  if (loss !== 'categorical-crossentropy' || sizeOf(data.labelShape) !== 1) return data;
  let max = -1;
  for (const v of data.labels) if (v > max) max = v;
  const classes = numClasses ?? data.labelNames?.length ?? max + 1;
  for (const v of data.labels) {
    if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
      throw new DataMismatchError(`loss categorical-crossentropy needs class indices 0..${classes - 1} to make one-hot labels; labels span up to ${max}`);
    }
  }
  return oneHot(data, classes);
}
