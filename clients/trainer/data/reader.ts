/**
 * The contract every data reader fulfils (one reader per kind of data a device
 * holds; the list of them is readers.ts). A reader turns `<kind>:<argument>`
 * into a LocalDataset, applying the run's preprocessing.
 */
import type { LossName, Preprocessing } from '../../../common/model-definition';
import type { LocalDataset } from '../dataset';

/** What a reader is told besides its argument. */
export interface ReadOptions {
  /** The run's preprocessing (column names, scaling, image size, label names). */
  preprocessing?: Preprocessing;
  /** The model's input shape: images are resized to it, IDX images shaped to it. */
  inputShape?: number[];
  /** The run's loss: a regression loss (mse, mae) takes labels as numbers, never as class names. */
  loss?: LossName;
  /**
   * Inputs only (e.g. rows to predict on): tabular data need no label column; a
   * label column present (named by the run, or "label") is still left out of the
   * features. Labels are then NaN, one per example.
   */
  unlabeled?: boolean;
  /** Read at most this many examples (from the start of the data). */
  limit?: number;
  /**
   * Keeps only some examples, given every example's class index (see partition):
   * readers that can apply it before building the inputs (idx) do, so a device
   * holding one partition never holds every example's inputs as floats.
   */
  select?: Selector;
}

/** Indices (sorted, distinct) of the examples to keep, from the labels the data holds. */
export type Selector = (labels: Float32Array, labelShape: number[]) => ArrayLike<number>;

/** One kind of data: `<kind>:<argument>`. */
export interface DataReader {
  kind: string;
  /** How the spec is written, e.g. `csv:<path>`. */
  usage: string;
  /** One line for help texts. */
  help: string;
  /** Whether what it reads depends on the model's input shape (images are resized to it); else only a reshape follows. */
  readsInputShape: boolean;
  /** Reads the data named by `argument` (the spec after `<kind>:`); bad data is an InvalidArgumentError naming the file and place. */
  read(argument: string, options: ReadOptions): Promise<LocalDataset>;
}
