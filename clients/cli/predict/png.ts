/**
 * A small PNG decoder (node:zlib plus the five scanline filters) so that
 * `fedlink model predict` reads images without a native dependency. It reads
 * what image datasets are stored as: non-interlaced, greyscale, grey+alpha,
 * RGB, RGBA or palette, 1-16 bits per sample. Anything else is refused with
 * one line naming the file and what it is.
 */
import { inflateSync } from 'node:zlib';
import { InvalidArgumentError } from '../../../common/errors';

/** Decoded pixels, row-major, `channels` 8-bit samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Largest image decoded (pixels): beyond a photo, far beyond any model input. */
const MAX_PIXELS = 64 * 1024 * 1024;
/** Samples per pixel by colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Whether `bytes` start like a PNG file. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.equals(Buffer.from(bytes.buffer, bytes.byteOffset, 8));
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-scanline filters in place; returns the raw scanlines without their filter bytes. */
function unfilter(raw: Buffer, height: number, stride: number, bpp: number, name: string): Uint8Array {
  if (raw.length < height * (stride + 1)) throw new InvalidArgumentError(`${name}: PNG image data is truncated`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x];
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp] : 0;
      switch (filter) {
        case 0: out[row + x] = v; break;
        case 1: out[row + x] = (v + a) & 0xff; break;
        case 2: out[row + x] = (v + b) & 0xff; break;
        case 3: out[row + x] = (v + ((a + b) >> 1)) & 0xff; break;
        case 4: out[row + x] = (v + paeth(a, b, c)) & 0xff; break;
        default: throw new InvalidArgumentError(`${name}: PNG scanline ${y} has unknown filter ${filter}`);
      }
    }
  }
  return out;
}

/** Decodes a PNG file's bytes; `name` (the file) goes into every error. */
export function decodePng(bytes: Uint8Array, name = 'image'): DecodedImage {
  if (!isPng(bytes)) throw new InvalidArgumentError(`${name} is not a PNG file`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let depth = 0;
  let colour = -1;
  let palette: Buffer | undefined;
  let transparency: Buffer | undefined;
  const idat: Buffer[] = [];
  let at = 8;
  for (;;) {
    if (at + 8 > buf.length) throw new InvalidArgumentError(`${name}: PNG file is truncated (no IEND chunk)`);
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const body = buf.subarray(at + 8, at + 8 + length);
    if (body.length !== length) throw new InvalidArgumentError(`${name}: PNG chunk ${type} is truncated`);
    at += 12 + length;
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      depth = body[8];
      colour = body[9];
      if (body[12] !== 0) throw new InvalidArgumentError(`${name}: interlaced PNG is not supported; save it non-interlaced`);
      if (!(colour in SAMPLES) || ![1, 2, 4, 8, 16].includes(depth) || (depth < 8 && colour !== 0 && colour !== 3) || (depth === 16 && colour === 3)) {
        throw new InvalidArgumentError(`${name}: PNG colour type ${colour} with ${depth}-bit samples is not valid`);
      }
      if (width < 1 || height < 1 || width * height > MAX_PIXELS) throw new InvalidArgumentError(`${name}: PNG of ${width}×${height} pixels is out of range`);
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
  }
  if (colour < 0) throw new InvalidArgumentError(`${name}: PNG has no IHDR chunk`);
  if (colour === 3 && !palette) throw new InvalidArgumentError(`${name}: palette PNG without a PLTE chunk`);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new InvalidArgumentError(`${name}: PNG image data does not inflate (${(err as Error).message})`, { cause: err });
  }
  const samples = SAMPLES[colour];
  const bitsPerPixel = samples * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const lines = unfilter(raw, height, stride, Math.max(1, bitsPerPixel >> 3), name);

  // Sample k of row y as an 8-bit value (palette: the index).
  const sample = (y: number, k: number): number => {
    const row = y * stride;
    if (depth === 8) return lines[row + k];
    if (depth === 16) return lines[row + 2 * k]; // the high byte
    const bit = k * depth;
    const v = (lines[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    return colour === 3 ? v : Math.round((v * 255) / ((1 << depth) - 1));
  };

  if (colour === 3) {
    const alpha = transparency !== undefined;
    const channels = alpha ? 4 : 3;
    const data = new Uint8Array(width * height * channels);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = sample(y, x);
        if (3 * i + 2 >= palette!.length) throw new InvalidArgumentError(`${name}: PNG pixel refers to palette entry ${i}, past the palette`);
        const o = (y * width + x) * channels;
        data[o] = palette![3 * i];
        data[o + 1] = palette![3 * i + 1];
        data[o + 2] = palette![3 * i + 2];
        if (alpha) data[o + 3] = i < transparency!.length ? transparency![i] : 255;
      }
    }
    return { width, height, channels, data };
  }
  const data = new Uint8Array(width * height * samples);
  for (let y = 0; y < height; y++) for (let k = 0; k < width * samples; k++) data[y * width * samples + k] = sample(y, k);
  return { width, height, channels: samples as DecodedImage['channels'], data };
}
