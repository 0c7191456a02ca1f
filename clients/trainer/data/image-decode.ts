/**
 * Image files to model inputs: PNG (pngjs) and JPEG (jpeg-js) decoded to RGBA by
 * their magic bytes, converted to 1 channel (luma, ITU-R BT.601 weights as PIL's
 * "L") or 3 (RGB; alpha dropped), and resized with bilinear interpolation (pixel
 * centres aligned as TensorFlow's half_pixel_centers; no anti-aliasing, so a
 * large downscale samples rather than averages). Both decoders are pure JS,
 * loaded on first use (the CLI lists this reader without paying for them).
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../../../common/errors';
import { fileError } from './text-lines';

/** Decoded pixels, 4 bytes (RGBA) per pixel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Where and how big an image becomes: height × width × channels. */
export interface ImageTarget {
  height: number;
  width: number;
  channels: 1 | 3;
  /** Divide pixel values by 255. */
  normalize: boolean;
}

/** File name endings the images: reader decodes (case-insensitive). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, magic: number[]) => magic.every((b, i) => bytes[i] === b);

let codecs: Promise<{ PNG: typeof import('pngjs').PNG; jpeg: typeof import('jpeg-js') }> | undefined;
const loadCodecs = () =>
  (codecs ??= Promise.all([import('pngjs'), import('jpeg-js')]).then(([png, jpeg]) => ({ PNG: png.PNG, jpeg: (jpeg as { default?: typeof import('jpeg-js') }).default ?? jpeg })));

/** Decodes PNG or JPEG bytes; anything else, or a corrupt file, is an InvalidArgumentError naming `where`. */
export async function decodeImage(bytes: Uint8Array, where: string): Promise<RgbaImage> {
  const { PNG, jpeg } = await loadCodecs();
  try {
    if (startsWith(bytes, PNG_MAGIC)) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (startsWith(bytes, JPEG_MAGIC)) {
      // Limits well above a device's photos, well below what would exhaust its memory.
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new InvalidArgumentError(`cannot decode image ${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  throw new InvalidArgumentError(`cannot decode image ${where}: neither PNG nor JPEG`);
}

/** Reads and decodes an image file. */
export async function readImage(file: string): Promise<RgbaImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw fileError(file, err);
  }
  return await decodeImage(bytes, file);
}

/** Whether every pixel is grey (R = G = B). */
export function isGray(image: RgbaImage): boolean {
  const d = image.data;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** The image as target.height × target.width × target.channels floats, written into `out` at `offset`. */
export function imageToInput(image: RgbaImage, target: ImageTarget, out: Float32Array, offset = 0): void {
  const { channels } = target;
  const src = toChannels(image, channels);
  const divisor = target.normalize ? 255 : 1;
  if (image.width === target.width && image.height === target.height) {
    for (let i = 0; i < src.length; i++) out[offset + i] = src[i] / divisor;
    return;
  }
  resizeBilinear(src, image.height, image.width, channels, target.height, target.width, out, offset, divisor);
}

/** RGBA bytes as `channels` floats per pixel (0..255). */
export function toChannels(image: RgbaImage, channels: 1 | 3): Float32Array {
  const n = image.width * image.height;
  const d = image.data;
  const out = new Float32Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = d[4 * p];
    const g = d[4 * p + 1];
    const b = d[4 * p + 2];
    if (channels === 1) {
      out[p] = 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  }
  return out;
}

/** Bilinear resize of an h × w × c image into out[offset..], each value divided by `divisor`. */
export function resizeBilinear(
  src: Float32Array, h: number, w: number, c: number,
  outH: number, outW: number, out: Float32Array, offset = 0, divisor = 1,
): void {
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < outW; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k];
        const b = src[(y0 * w + x1) * c + k];
        const cc = src[(y1 * w + x0) * c + k];
        const d = src[(y1 * w + x1) * c + k];
        const top = a + (b - a) * wx;
        const bottom = cc + (d - cc) * wx;
        out[offset + (y * outW + x) * c + k] = (top + (bottom - top) * wy) / divisor;
      }
    }
  }
}
