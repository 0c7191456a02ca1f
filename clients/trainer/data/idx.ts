/**
 * `idx:<images>,<labels>`: an IDX file of images (count × height × width, or
 * × channels) and one of labels (count class indices), as MNIST and
 * Fashion-MNIST ship them (.gz too). Pixels are divided by 255 (unless the
 * run's preprocessing.image says normalize: false) and given as flat inputs,
 * shaped to the model's input by openData when the sizes agree; they are not
 * resized. The run's label names, if any, name the classes. Built-in
 * Fashion-MNIST (`--data fashion-mnist`) is this reader on the Debian package's
 * training files.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { LocalDataset } from '../dataset';
import { readIdxFile } from './idx-format';
import type { DataReader, ReadOptions } from './reader';

/** Splits `<images>,<labels>`; throws InvalidArgumentError otherwise. */
export function parseIdxArgument(argument: string): { images: string; labels: string } {
  const parts = argument.split(',');
  if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
    throw new InvalidArgumentError(`idx: needs two files, idx:<images>,<labels> (got "idx:${argument}")`);
  }
  return { images: parts[0].trim(), labels: parts[1].trim() };
}

async function readIdx(argument: string, options: ReadOptions): Promise<LocalDataset> {
  const files = parseIdxArgument(argument);
  const [images, labels] = await Promise.all([readIdxFile(files.images), readIdxFile(files.labels)]);
  if (images.dims.length < 2) throw new InvalidArgumentError(`IDX file ${files.images} is not images: ${images.dims.length} dimension, expected count × height × width`);
  if (labels.dims.length !== 1) throw new InvalidArgumentError(`IDX file ${files.labels} is not labels: ${labels.dims.length} dimensions, expected 1`);
  if (images.dims[0] !== labels.dims[0]) {
    throw new InvalidArgumentError(`IDX files disagree: ${files.images} holds ${images.dims[0]} images, ${files.labels} ${labels.dims[0]} labels`);
  }
  const available = Math.min(images.dims[0], options.limit ?? Infinity);
  const allLabels = Float32Array.from(labels.data.subarray(0, available));
  // Choose first, convert after: a device holding a tenth of the examples converts only that tenth.
  const keep = options.select ? options.select(allLabels, []) : undefined;
  const count = keep ? keep.length : available;
  const size = images.dims.slice(1).reduce((a, b) => a * b, 1);
  const divisor = options.preprocessing?.image?.normalize === false ? 1 : 255;
  const features = new Float32Array(count * size);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const src = keep ? keep[i] : i;
    if (!(Number.isInteger(src) && src >= 0 && src < available)) throw new InvalidArgumentError(`example index ${src} out of range 0..${available - 1}`);
    out[i] = allLabels[src];
    const from = src * size;
    const to = i * size;
    for (let p = 0; p < size; p++) features[to + p] = images.data[from + p] / divisor;
  }
  const names = options.preprocessing?.labels;
  return { count, featureShape: [size], features, labelShape: [], labels: out, ...(names && { labelNames: [...names] }) };
}

/** The idx: reader. */
export const idxReader: DataReader = {
  kind: 'idx',
  usage: 'idx:<images>,<labels>',
  help: 'IDX image and label files (.gz too), as MNIST and Fashion-MNIST ship them; pixels / 255',
  readsInputShape: false,
  read: (argument, options) => readIdx(argument, options),
};
