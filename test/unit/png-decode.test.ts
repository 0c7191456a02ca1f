/** The PNG decoder `model predict` reads images with: every colour type and scanline filter, and bad files as one line. */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePng, isPng } from '../../clients/cli/predict/png';
import { InvalidArgumentError } from '../../common/errors';
import { encodePng } from '../helpers/png';

function pixels(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), s & 0xff));
}

/** A PNG with one hand-made IHDR and raw (unfiltered) scanlines, for the cases the test encoder does not write. */
function rawPng(width: number, height: number, depth: number, colour: number, scanlines: number[][], extra: Array<[string, number[]]> = []): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body, Buffer.alloc(4)]); // the decoder does not check CRCs
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  const data = Buffer.from(scanlines.flatMap((l) => [0, ...l]));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra.map(([t, b]) => chunk(t, Buffer.from(b))),
    chunk('IDAT', deflateSync(data)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('PNG decoder', () => {
  it('png - grey, grey+alpha, RGB and RGBA round-trip exactly through every scanline filter', () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const [w, h] = [7, 11];
      const px = pixels(w * h * channels, channels);
      const png = encodePng(w, h, channels, px);
      expect(isPng(png)).toBe(true);
      const img = decodePng(png, 'x.png');
      expect({ width: img.width, height: img.height, channels: img.channels }).toEqual({ width: w, height: h, channels });
      expect(Buffer.from(img.data).equals(Buffer.from(px)), `channels ${channels}`).toBe(true);
    }
  });

  it('png - palette images (with transparency), 16-bit and 1-bit greyscale decode to 8-bit samples', () => {
    const palette = rawPng(2, 1, 8, 3, [[1, 0]], [['PLTE', [10, 20, 30, 200, 210, 220]], ['tRNS', [128]]]);
    expect(decodePng(palette)).toMatchObject({ channels: 4, data: Uint8Array.from([200, 210, 220, 255, 10, 20, 30, 128]) });
    const sixteen = rawPng(2, 1, 16, 0, [[0x12, 0x34, 0xff, 0x00]]);
    expect(decodePng(sixteen)).toMatchObject({ channels: 1, data: Uint8Array.from([0x12, 0xff]) });
    const bits = rawPng(10, 1, 1, 0, [[0b10100000, 0b01000000]]);
    expect(Array.from(decodePng(bits).data)).toEqual([255, 0, 255, 0, 0, 0, 0, 0, 0, 255]);
  });

  it('png - a file that is not PNG, truncated, interlaced or with a palette index past the palette is one InvalidArgumentError naming it', () => {
    const good = encodePng(4, 4, 1, pixels(16, 1));
    expect(() => decodePng(Buffer.from('GIF89a...'), 'a.gif')).toThrow(new InvalidArgumentError('a.gif is not a PNG file'));
    expect(() => decodePng(good.subarray(0, 40), 'cut.png')).toThrow(/cut\.png: PNG (file|chunk).*truncated/);
    const interlaced = Buffer.from(good);
    interlaced[8 + 8 + 12] = 1;
    expect(() => decodePng(interlaced, 'i.png')).toThrow('i.png: interlaced PNG is not supported; save it non-interlaced');
    const past = rawPng(1, 1, 8, 3, [[5]], [['PLTE', [1, 2, 3]]]);
    expect(() => decodePng(past, 'p.png')).toThrow(/p\.png: PNG pixel refers to palette entry 5/);
  });
});
