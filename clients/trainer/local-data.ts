/**
 * A client's own slice of the training set: every daemon computes the same
 * seeded partition of the (optionally truncated) train split and keeps only its
 * part, so no coordination is needed and no other client's data is held as floats.
 */
import { InvalidArgumentError } from '../../common/errors';
import { FASHION_MNIST_CLASSES, loadFashionMnist, loadFashionMnistLabels, type LabeledImages } from './fashion-mnist';
import { parsePartitionSpec, partitionIndices } from './partition';

/** Which partition of which dataset a client holds. */
export interface LocalPartitionOptions {
  dataset: 'fashion-mnist';
  /** Dataset directory. @default process.env.FEDLINK_DATA_DIR ?? '/usr/share/datasets/fashion-mnist' */
  dir?: string;
  /** 'iid' | 'dirichlet:<alpha>' | 'labels:<k>'. */
  partition: string;
  numPartitions: number;
  /** 0-based index of this client's partition. */
  index: number;
  /** Partitioning seed: must be the same on every client. */
  seed: number;
  /** Partition only the first N training examples (small, fast runs). */
  maxExamples?: number;
}

/** Loads this client's partition of the training split; throws InvalidArgumentError on bad options. */
export async function loadLocalPartition(options: LocalPartitionOptions): Promise<LabeledImages> {
  const { dataset, dir, numPartitions, index, seed, maxExamples } = options;
  if (dataset !== 'fashion-mnist') throw new InvalidArgumentError(`unknown dataset "${String(dataset)}" (known: fashion-mnist)`);
  if (!(Number.isInteger(numPartitions) && numPartitions >= 1)) {
    throw new InvalidArgumentError(`numPartitions must be an integer >= 1, got ${numPartitions}`);
  }
  if (!(Number.isInteger(index) && index >= 0 && index < numPartitions)) {
    throw new InvalidArgumentError(`partition index must be an integer in 0..${numPartitions - 1}, got ${index}`);
  }
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`seed must be an integer, got ${seed}`);
  if (maxExamples !== undefined && !(Number.isInteger(maxExamples) && maxExamples >= 1)) {
    throw new InvalidArgumentError(`maxExamples must be an integer >= 1, got ${maxExamples}`);
  }
  const spec = parsePartitionSpec(options.partition);
  const labels = await loadFashionMnistLabels('train', { dir, limit: maxExamples });
  const parts = partitionIndices(labels, spec, numPartitions, seed, FASHION_MNIST_CLASSES);
  return loadFashionMnist('train', { dir, limit: maxExamples, indices: parts[index] });
}
