/**
 * Fashion-MNIST from the IDX gz files of the Debian package `dataset-fashion-mnist`.
 * Raw bytes are cached per process per (dir, split); float conversion happens per
 * call and only for the examples asked for, so a daemon holding one partition does
 * not keep 188 MB of floats for the whole training set.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidArgumentError, MissingDependencyError } from '../../common/errors';

const gunzipAsync = promisify(gunzip);

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

interface RawImages {
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

const IMAGES_MAGIC = 0x00000803; // unsigned byte, 3 dimensions
const LABELS_MAGIC = 0x00000801; // unsigned byte, 1 dimension

const imageCache = new Map<string, Promise<RawImages>>();
const labelCache = new Map<string, Promise<Uint8Array>>();

/** Resolves the dataset directory from an option, the environment, or the Debian default. */
export function fashionMnistDir(dir?: string): string {
  return dir ?? process.env.FEDLINK_DATA_DIR ?? DEFAULT_FASHION_MNIST_DIR;
}

function fileName(split: FashionMnistSplit, kind: 'images-idx3' | 'labels-idx1'): string {
  return `${split === 'train' ? 'train' : 't10k'}-${kind}-ubyte.gz`;
}

async function readGz(dir: string, file: string): Promise<Buffer> {
  const full = path.join(dir, file);
  let compressed: Buffer;
  try {
    compressed = await readFile(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MissingDependencyError(
        `Fashion-MNIST not found in ${dir} (no ${file}): install it with \`apt-get install dataset-fashion-mnist\`, or point FEDLINK_DATA_DIR (--data-dir) at a directory holding the IDX .gz files`,
        { cause: err },
      );
    }
    throw err;
  }
  try {
    return await gunzipAsync(compressed);
  } catch (err) {
    throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${full}: not valid gzip`, { cause: err });
  }
}

function parseImages(buf: Buffer, where: string): RawImages {
  if (buf.length < 16 || buf.readUInt32BE(0) !== IMAGES_MAGIC) {
    throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${where}: bad IDX image magic number`);
  }
  const count = buf.readUInt32BE(4);
  const height = buf.readUInt32BE(8);
  const width = buf.readUInt32BE(12);
  if (buf.length !== 16 + count * height * width) {
    throw new InvalidArgumentError(
      `corrupt Fashion-MNIST file ${where}: header says ${count}×${height}×${width} pixels, file holds ${buf.length - 16}`,
    );
  }
  return { pixels: new Uint8Array(buf.buffer, buf.byteOffset + 16, count * height * width), count, height, width };
}

function parseLabels(buf: Buffer, where: string): Uint8Array {
  if (buf.length < 8 || buf.readUInt32BE(0) !== LABELS_MAGIC) {
    throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${where}: bad IDX label magic number`);
  }
  const count = buf.readUInt32BE(4);
  if (buf.length !== 8 + count) {
    throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${where}: header says ${count} labels, file holds ${buf.length - 8}`);
  }
  const labels = new Uint8Array(buf.buffer, buf.byteOffset + 8, count);
  for (let i = 0; i < count; i++) {
    if (labels[i] >= FASHION_MNIST_CLASSES) {
      throw new InvalidArgumentError(`corrupt Fashion-MNIST file ${where}: label ${labels[i]} at ${i} is not a class 0..9`);
    }
  }
  return labels;
}

/** Memoises a load; a failed load is forgotten so a later call (after installing the package) retries. */
function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
  let entry = cache.get(key);
  if (!entry) {
    entry = load();
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

function rawImages(dir: string, split: FashionMnistSplit): Promise<RawImages> {
  const file = fileName(split, 'images-idx3');
  return cached(imageCache, `${dir}\0${split}`, async () => parseImages(await readGz(dir, file), path.join(dir, file)));
}

function rawLabels(dir: string, split: FashionMnistSplit): Promise<Uint8Array> {
  const file = fileName(split, 'labels-idx1');
  return cached(labelCache, `${dir}\0${split}`, async () => parseLabels(await readGz(dir, file), path.join(dir, file)));
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

/** Drops the per-process cache of raw dataset bytes (about 55 MB for both splits). */
export function clearFashionMnistCache(): void {
  imageCache.clear();
  labelCache.clear();
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
