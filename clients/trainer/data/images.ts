/**
 * `images:<dir>`: one subfolder per class, holding PNG and JPEG files (other
 * files and hidden entries are skipped; files directly in <dir> too). Classes
 * are the run's label names (every folder must be one of them) or, without
 * them, the sorted folder names. Each image is converted to the channels and
 * resized to the size the run's preprocessing.image gives, else the model's
 * input shape ([height, width, channels], or [height, width] for grey; a flat
 * input takes the first image's size if it fits, else a square), else the
 * first image's size and colour (grey if it is grey). Pixels are divided by 255
 * unless preprocessing.image.normalize is false. Files are decoded one at a
 * time, in sorted order, straight into the dataset.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../../../common/errors';
import type { LocalDataset } from '../dataset';
import { IMAGE_EXTENSIONS, imageToInput, isGray, readImage, type ImageTarget, type RgbaImage } from './image-decode';
import { listNames } from './labels';
import type { DataReader, ReadOptions } from './reader';
import { fileError } from './text-lines';

interface Example {
  file: string;
  label: number;
}

async function listDir(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fileError(dir, err);
  }
}

async function readImages(dir: string, options: ReadOptions): Promise<LocalDataset> {
  const entries = await listDir(dir);
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (folders.length === 0) throw new InvalidArgumentError(`${dir}: no class folders (expected one subfolder of images per class)`);
  const runNames = options.preprocessing?.labels;
  const names = runNames ?? folders;
  const unknown = folders.filter((f) => !names.includes(f));
  if (unknown.length > 0) throw new InvalidArgumentError(`${dir}: folder "${unknown[0]}" is not one of the run's labels (${listNames(names)})`);
  let examples: Example[] = [];
  for (const folder of folders) {
    const label = names.indexOf(folder);
    const files = (await listDir(path.join(dir, folder)))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && IMAGE_EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x)))
      .map((e) => e.name)
      .sort();
    for (const name of files) examples.push({ file: path.join(dir, folder, name), label });
  }
  if (options.limit !== undefined) examples = examples.slice(0, options.limit);
  const labels = Float32Array.from(examples, (e) => e.label);
  // Labels come from folder names: choose before decoding anything.
  if (options.select) {
    const keep = options.select(labels, []);
    examples = Array.from(keep, (i) => examples[i]);
  }
  const count = examples.length;
  const first = count > 0 ? await readImage(examples[0].file) : undefined;
  const target = imageTarget(options, first);
  const size = target.height * target.width * target.channels;
  const features = new Float32Array(count * size);
  for (let i = 0; i < count; i++) {
    const image = i === 0 ? first! : await readImage(examples[i].file);
    imageToInput(image, target, features, i * size);
  }
  return {
    count,
    featureShape: [target.height, target.width, target.channels],
    features,
    labelShape: [],
    labels: Float32Array.from(examples, (e) => e.label),
    labelNames: [...names],
  };
}

/** The size and colour images become, from the run's preprocessing, the model's input, or the first image. */
export function imageTarget(options: ReadOptions, first: RgbaImage | undefined): ImageTarget {
  const image = options.preprocessing?.image;
  const normalize = image?.normalize ?? true;
  if (image) {
    if (!(Number.isInteger(image.height) && image.height >= 1 && Number.isInteger(image.width) && image.width >= 1)) {
      throw new InvalidArgumentError(`preprocessing.image size must be whole numbers >= 1, got ${image.height}×${image.width}`);
    }
    if (image.channels !== 1 && image.channels !== 3) throw new InvalidArgumentError(`preprocessing.image.channels must be 1 or 3, got ${String(image.channels)}`);
    return { height: image.height, width: image.width, channels: image.channels, normalize };
  }
  const shape = options.inputShape;
  if (shape?.length === 3 && (shape[2] === 1 || shape[2] === 3)) return { height: shape[0], width: shape[1], channels: shape[2], normalize };
  if (shape?.length === 2) return { height: shape[0], width: shape[1], channels: 1, normalize };
  const channels: 1 | 3 = first && !isGray(first) ? 3 : 1;
  const native = { height: first?.height ?? 1, width: first?.width ?? 1, channels, normalize };
  if (shape?.length === 1 && native.height * native.width * channels !== shape[0]) {
    const side = Math.round(Math.sqrt(shape[0] / channels));
    if (side * side * channels === shape[0]) return { height: side, width: side, channels, normalize };
  }
  return native;
}

/** The images: reader. */
export const imagesReader: DataReader = {
  kind: 'images',
  usage: 'images:<dir>',
  help: 'a folder with one subfolder of PNG/JPEG images per class; resized to the model input (bilinear), pixels / 255',
  readsInputShape: true,
  read: (argument, options) => readImages(argument, options),
};
