/**
 * Fashion-MNIST from the IDX gz files of the Debian package `dataset-fashion-mnist`,
 * read by the idx: reader's parser (data/idx-format.ts). Raw bytes are cached per
 * process per file; float conversion happens per call and only for the examples
 * asked for, so a daemon holding one partition does not keep 188 MB of floats for
 * the whole training set. A daemon's `--data fashion-mnist` is the idx: reader on
 * the same training files (data/readers.ts); this loader serves the test split
 * to the server's evaluation, and tests and benchmarks.
 */
import path from 'node:path';
import { InvalidArgumentError, MissingDependencyError } from '../../common/errors';
import { clearIdxCache, readIdxFile, type IdxArray } from './data/idx-format';

/** Images and their labels, row-major, one example after another. */
export interface LabeledImages {
  /** count × height × width pixels, scaled to [0, 1]. */
  images: Float32Array;
  /** Class index per example, 0..9. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** Which half of the dataset. */
export type FashionMnistSplit = 'train' | 'test';

/** Where the Debian package installs the dataset. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Number of classes in Fashion-MNIST. */
export const FASHION_MNIST_CLASSES = 10;

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Directory holding the four IDX .gz files. @default process.env.FEDLINK_DATA_DIR ?? DEFAULT_FASHION_MNIST_DIR */
  dir?: string;
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Keep only these examples, in this order (applied after `limit`). */
  indices?: ArrayLike<number>;
}

/** Resolves the dataset directory from an option, the environment, or the Debian default. */
export function fashionMnistDir(dir?: string): string {
  return dir ?? process.env.FEDLINK_DATA_DIR ?? DEFAULT_FASHION_MNIST_DIR;
}

/** File name of one of the four IDX files. */
export function fashionMnistFile(split: FashionMnistSplit, kind: 'images-idx3' | 'labels-idx1'): string {
  return `${split === 'train' ? 'train' : 't10k'}-${kind}-ubyte.gz`;
}

async function readFile(dir: string, split: FashionMnistSplit, kind: 'images-idx3' | 'labels-idx1'): Promise<IdxArray> {
  const file = fashionMnistFile(split, kind);
  try {
    return await readIdxFile(path.join(dir, file));
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') {
      throw new MissingDependencyError(
        `Fashion-MNIST not found in ${dir} (no ${file}): install it with \`apt-get install dataset-fashion-mnist\`, or point FEDLINK_DATA_DIR (--data-dir) at a directory holding the IDX .gz files`,
        { cause: err },
      );
    }
    throw err;
  }
}

async function rawImages(dir: string, split: FashionMnistSplit): Promise<{ pixels: Uint8Array; count: number; height: number; width: number }> {
  const idx = await readFile(dir, split, 'images-idx3');
  if (idx.dims.length !== 3) throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${path.join(dir, fashionMnistFile(split, 'images-idx3'))}: not count × height × width images`);
  return { pixels: idx.data, count: idx.dims[0], height: idx.dims[1], width: idx.dims[2] };
}

async function rawLabels(dir: string, split: FashionMnistSplit): Promise<Uint8Array> {
  const idx = await readFile(dir, split, 'labels-idx1');
  const where = path.join(dir, fashionMnistFile(split, 'labels-idx1'));
  if (idx.dims.length !== 1) throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${where}: not a list of labels`);
  for (let i = 0; i < idx.data.length; i++) {
    if (idx.data[i] >= FASHION_MNIST_CLASSES) throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${where}: label ${idx.data[i]} at ${i} is not a class 0..9`);
  }
  return idx.data;
}

function checkLimit(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new InvalidArgumentError(`limit must be a non-negative integer, got ${limit}`);
  }
}

/**
 * Labels only (the small file), e.g. to partition before loading any pixels.
 * The returned array is shared with the cache: do not modify it.
 */
export async function loadFashionMnistLabels(split: FashionMnistSplit, options: { dir?: string; limit?: number } = {}): Promise<Uint8Array> {
  checkLimit(options.limit);
  const labels = await rawLabels(fashionMnistDir(options.dir), split);
  return options.limit !== undefined && options.limit < labels.length ? labels.subarray(0, options.limit) : labels;
}

/** Loads a split of Fashion-MNIST as floats in [0, 1]; throws MissingDependencyError naming the package when absent. */
export async function loadFashionMnist(split: FashionMnistSplit, options: LoadFashionMnistOptions = {}): Promise<LabeledImages> {
  if (split !== 'train' && split !== 'test') throw new InvalidArgumentError(`unknown Fashion-MNIST split "${split}" (train, test)`);
  checkLimit(options.limit);
  const dir = fashionMnistDir(options.dir);
  const [raw, allLabels] = await Promise.all([rawImages(dir, split), rawLabels(dir, split)]);
  if (raw.count !== allLabels.length) {
    throw new InvalidArgumentError(`corrupt Fashion-MNIST ${split} split in ${dir}: ${raw.count} images but ${allLabels.length} labels`);
  }
  const available = Math.min(raw.count, options.limit ?? raw.count);
  const indices = options.indices ?? identity(available);
  const size = raw.height * raw.width;
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    if (!(Number.isInteger(src) && src >= 0 && src < available)) {
      throw new InvalidArgumentError(`example index ${src} out of range 0..${available - 1}`);
    }
    labels[i] = allLabels[src];
    const from = src * size;
    const to = i * size;
    for (let p = 0; p < size; p++) images[to + p] = raw.pixels[from + p] / 255;
  }
  return { images, labels, count: indices.length, height: raw.height, width: raw.width };
}

/** Drops the per-process cache of raw dataset bytes (about 55 MB for both splits; every IDX file read). */
export function clearFashionMnistCache(): void {
  clearIdxCache();
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Copies the examples at `indices` (in that order) into a new LabeledImages. */
export function subset(data: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  const size = data.height * data.width;
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    if (!(Number.isInteger(src) && src >= 0 && src < data.count)) {
      throw new InvalidArgumentError(`example index ${src} out of range 0..${data.count - 1}`);
    }
    labels[i] = data.labels[src];
    images.set(data.images.subarray(src * size, (src + 1) * size), i * size);
  }
  return { images, labels, count: indices.length, height: data.height, width: data.width };
}
