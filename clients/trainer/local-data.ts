/**
 * A client's own examples: the data its `--data` names, read with a run's
 * preprocessing, and, when the fleet shares one data set (simulations,
 * benchmarks), cut to this client's part. Every daemon computes the same seeded
 * partition of the (optionally truncated) data and keeps only its part, so no
 * coordination is needed and no other client's data is held as floats.
 */
import type { LocalDataset } from './dataset';
import { readData, type OpenDataOptions } from './data/open-data';

/** Which data a client holds, and which part of it. */
export interface LocalDataOptions {
  /** A data spec (data/readers.ts): `csv:<path>`, `images:<dir>`, `fashion-mnist`, ... */
  data: string;
  /** Directory of a named data set's files. @default process.env.FEDLINK_DATA_DIR ?? its Debian package's directory */
  dataDir?: string;
  /** 'iid' | 'dirichlet:<alpha>' | 'labels:<k>'. */
  partition: string;
  /** 1: the whole data, no partitioning. */
  numPartitions: number;
  /** 0-based index of this client's partition. */
  index: number;
  /** Partitioning seed: must be the same on every client. */
  seed: number;
  /** Use only the first N examples (before partitioning). */
  maxExamples?: number;
}

/** What the run's model adds to a read: preprocessing, input shape (images), loss (regression labels). */
export type ModelReadOptions = Pick<OpenDataOptions, 'preprocessing' | 'inputShape' | 'loss'>;

/** The options of openData/readData that load this client's part. */
export function localReadOptions(options: LocalDataOptions, model: ModelReadOptions = {}): OpenDataOptions {
  const { dataDir, numPartitions, index, seed, partition, maxExamples } = options;
  return {
    ...model,
    dataDir,
    maxExamples,
    // One partition is the whole data: no selector, and no class labels needed.
    ...(numPartitions !== 1 || index !== 0 ? { partition: { partition, numPartitions, index, seed } } : {}),
  };
}

/** Reads this client's examples as read (not yet fitted to a model: see fitToModel); bad options or data are an InvalidArgumentError. */
export function loadLocalData(options: LocalDataOptions, model: ModelReadOptions = {}): Promise<LocalDataset> {
  return readData(options.data, localReadOptions(options, model));
}
