/**
 * Raw records → model inputs, with the run's preprocessing (the same the
 * devices trained with): tabular fields picked by name and scaled, images
 * converted to the model's channels, resized and scaled. Every mismatch is one
 * line naming the input and both shapes.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../../common/errors';
import type { Preprocessing } from '../../../common/model-definition';
import type { ModelSpec } from '../../../common/types';
import { effectivePreprocessing } from '../model-defaults';
import type { DecodedImage } from './read-inputs';
import type { RawInput } from './read-inputs';

/** A batch ready for the model: count × prod(inputShape) values. */
export interface ModelInputs {
  count: number;
  inputShape: number[];
  values: Float32Array;
  /** The name of each input ("row 3", "cat.png"), for the output lines. */
  names: string[];
}

function shapeText(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

function toNumber(value: unknown, where: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${where} is ${JSON.stringify(value)?.slice(0, 40)}, not a number`);
  return n;
}

/** The feature values of a tabular input, in model-input order. */
function features(input: Exclude<RawInput, { kind: 'image' }>, pre: Preprocessing, size: number, inputShape: number[]): number[] {
  if (input.kind === 'values') {
    if (input.values.length !== size) {
      const hint = input.values.length === size + 1 ? ' (a label column? give the file a header row naming its columns)' : '';
      throw new InvalidArgumentError(`${input.name} has ${input.values.length} values; the model takes ${size} (input shape ${shapeText(inputShape)})${hint}`);
    }
    return input.values;
  }
  const columns = pre.featureColumns ?? Object.keys(input.record).filter((k) => k !== pre.labelColumn);
  if (columns.length !== size) {
    throw new InvalidArgumentError(`${input.name} has ${columns.length} feature fields (${columns.slice(0, 4).join(', ')}${columns.length > 4 ? ', …' : ''}); the model takes ${size} (input shape ${shapeText(inputShape)})`);
  }
  return columns.map((c) => {
    if (!Object.hasOwn(input.record, c)) throw new InvalidArgumentError(`${input.name} has no field "${c}" (the run's feature columns: ${columns.join(', ')})`);
    return toNumber(input.record[c], `${input.name} field "${c}"`);
  });
}

/** x' = (x − shift) / divide, one value for every feature or one per feature. */
function scale(values: number[], pre: Preprocessing, name: string): number[] {
  const { shift, divide } = pre;
  for (const [what, v] of [['shift', shift], ['divide', divide]] as const) {
    if (v && v.length !== 1 && v.length !== values.length) throw new InvalidArgumentError(`the run's preprocessing ${what} has ${v.length} values, ${name} ${values.length} features`);
  }
  if (!shift && !divide) return values;
  return values.map((x, i) => (x - (shift ? shift[shift.length === 1 ? 0 : i] : 0)) / (divide ? divide[divide.length === 1 ? 0 : i] : 1));
}

/** An image's pixels converted to `channels` (luma for grey, alpha dropped), as floats 0-255. */
function convertChannels(img: DecodedImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const src = img.data;
  const c = img.channels;
  for (let p = 0; p < n; p++) {
    const r = src[p * c];
    const g = c >= 3 ? src[p * c + 1] : r;
    const b = c >= 3 ? src[p * c + 2] : r;
    if (channels === 1) out[p] = c >= 3 ? 0.299 * r + 0.587 * g + 0.114 * b : r;
    else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  }
  return out;
}

function imageValues(input: Extract<RawInput, { kind: 'image' }>, pre: Preprocessing, size: number, inputShape: number[]): Float32Array {
  const target = pre.image;
  if (!target) throw new InvalidArgumentError(`${input.name} is an image, but this run's model takes tabular inputs (input shape ${shapeText(inputShape)}); give CSV rows or JSON lines`);
  const { height, width, channels } = target;
  if (height * width * channels !== size) {
    throw new InvalidArgumentError(`the run's image preprocessing makes ${height}×${width}×${channels} values, the model takes ${size} (input shape ${shapeText(inputShape)})`);
  }
  let pixels = convertChannels(input.image, channels);
  if (input.image.height !== height || input.image.width !== width) {
    pixels = tf.tidy(() => {
      const t = tf.tensor3d(pixels, [input.image.height, input.image.width, channels]);
      return tf.image.resizeBilinear(t, [height, width]).dataSync() as Float32Array;
    });
  }
  if (target.normalize) for (let i = 0; i < pixels.length; i++) pixels[i] /= 255;
  return pixels;
}

/** Applies the run's preprocessing to every input; the values are in the order the model's input shape reads them. */
export function toModelInputs(inputs: RawInput[], spec: ModelSpec): ModelInputs {
  const pre = effectivePreprocessing(spec);
  const size = spec.inputShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(inputs.length * size);
  inputs.forEach((input, i) => {
    if (input.kind === 'image') {
      values.set(imageValues(input, pre, size, spec.inputShape), i * size);
    } else {
      values.set(scale(features(input, pre, size, spec.inputShape), pre, input.name), i * size);
    }
  });
  return { count: inputs.length, inputShape: spec.inputShape, values, names: inputs.map((x) => x.name) };
}
