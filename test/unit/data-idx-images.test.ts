/**
 * The idx: and images: readers: IDX pairs (gz or not) shaped to the model,
 * a partition chosen before pixels are converted, and class folders of PNG and
 * JPEG files (made here by the encoders) converted and resized to the model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { openData } from '../../clients/trainer/data/open-data';
import { resizeBilinear } from '../../clients/trainer/data/image-decode';
import { InvalidArgumentError } from '../../common/errors';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

afterAll(cleanTempDirs);

/** An IDX file of unsigned bytes with these dimensions. */
function idxBytes(dims: number[], values: (i: number) => number): Buffer {
  const size = dims.reduce((a, b) => a * b, 1);
  const buf = Buffer.alloc(4 + 4 * dims.length + size);
  buf[2] = 0x08;
  buf[3] = dims.length;
  dims.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < size; i++) buf[4 + 4 * dims.length + i] = values(i);
  return buf;
}

function writeIdxPair(count: number, gz: boolean): string {
  const dir = tempDir();
  const ext = gz ? '.gz' : '';
  const images = path.join(dir, `images${ext}`);
  const labels = path.join(dir, `labels${ext}`);
  const pack = (b: Buffer) => (gz ? gzipSync(b) : b);
  writeFileSync(images, pack(idxBytes([count, 2, 3], (i) => i % 256)));
  writeFileSync(labels, pack(idxBytes([count], (i) => i % 4)));
  return `idx:${images},${labels}`;
}

/** A w × h RGBA image where pixel (x, y) is rgb(x·40, y·40, 100). */
function rgba(w: number, h: number, gray = false): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 4 * (y * w + x);
      const v = gray ? (x + y) * 20 : 0;
      data[p] = gray ? v : x * 40;
      data[p + 1] = gray ? v : y * 40;
      data[p + 2] = gray ? v : 100;
      data[p + 3] = 255;
    }
  }
  return data;
}

function png(w: number, h: number, gray = false): Buffer {
  const image = new PNG({ width: w, height: h });
  rgba(w, h, gray).copy(image.data);
  return PNG.sync.write(image);
}

describe('idx reader', () => {
  it('idx - reads an image and a label file (.gz or not), pixels / 255, flat or in the model\'s shape', async () => {
    for (const gz of [false, true]) {
      const spec = writeIdxPair(5, gz);
      const flat = await openData(spec);
      expect(flat).toMatchObject({ count: 5, featureShape: [6], labelShape: [] });
      expect(flat.features[7]).toBeCloseTo(7 / 255, 6);
      expect(Array.from(flat.labels)).toEqual([0, 1, 2, 3, 0]);
      expect((await openData(spec, { inputShape: [2, 3, 1] })).featureShape).toEqual([2, 3, 1]);
      // A model that takes something else is checkData's to refuse: the reader leaves the shape alone.
      expect((await openData(spec, { inputShape: [28, 28, 1] })).featureShape).toEqual([6]);
    }
  });

  it('idx - a partition is chosen from the labels; dirichlet and labels:k cut by class', async () => {
    const spec = writeIdxPair(40, false);
    const partition = { partition: 'labels:1', numPartitions: 4, index: 2, seed: 3 };
    const part = await openData(spec, { partition });
    expect(part.count).toBe(10);
    expect(new Set(part.labels).size).toBe(1);
    const all = await openData(spec);
    const again = await openData(spec, { partition });
    expect(again.features).toEqual(part.features);
    // Every partition's examples are real examples of the whole, with their own pixels.
    const row = part.features.subarray(0, 6);
    let found = false;
    for (let i = 0; i < all.count && !found; i++) found = all.features.subarray(i * 6, i * 6 + 6).every((v, j) => v === row[j]);
    expect(found).toBe(true);
  });

  it('idx - mismatched counts, a wrong type or a bad argument are refused naming the file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'i'), idxBytes([3, 2, 2], () => 0));
    writeFileSync(path.join(dir, 'l'), idxBytes([4], () => 0));
    await expect(openData(`idx:${dir}/i,${dir}/l`)).rejects.toThrow(`IDX files disagree: ${dir}/i holds 3 images, ${dir}/l 4 labels`);
    const float = idxBytes([3], () => 0);
    float[2] = 0x0d;
    writeFileSync(path.join(dir, 'f'), float);
    await expect(openData(`idx:${dir}/i,${dir}/f`)).rejects.toThrow(`IDX file ${dir}/f holds float elements; only unsigned bytes are read`);
    await expect(openData(`idx:${dir}/i`)).rejects.toThrow(/idx: needs two files/);
  });
});

describe('images reader', () => {
  function classFolders(): string {
    const dir = tempDir();
    mkdirSync(path.join(dir, 'cat'));
    mkdirSync(path.join(dir, 'dog'));
    mkdirSync(path.join(dir, '.hidden'));
    writeFileSync(path.join(dir, 'cat', 'a.png'), png(4, 4));
    writeFileSync(path.join(dir, 'cat', 'b.JPG'), jpeg.encode({ width: 4, height: 4, data: rgba(4, 4) }, 95).data);
    writeFileSync(path.join(dir, 'dog', 'c.png'), png(8, 8));
    writeFileSync(path.join(dir, 'dog', 'notes.txt'), 'not an image');
    writeFileSync(path.join(dir, 'top.png'), png(4, 4));
    return dir;
  }

  it('images - one folder per class, sorted names as labels; PNG and JPEG decoded, resized to the model input', async () => {
    const dir = classFolders();
    const data = await openData(`images:${dir}`, { inputShape: [4, 4, 3] });
    expect(data).toMatchObject({ count: 3, featureShape: [4, 4, 3], labelShape: [], labelNames: ['cat', 'dog'] });
    expect(Array.from(data.labels)).toEqual([0, 0, 1]);
    // a.png pixel (1, 2): rgb(40, 80, 100) / 255.
    const at = (example: number, x: number, y: number) => Array.from(data.features.subarray(example * 48 + (y * 4 + x) * 3, example * 48 + (y * 4 + x) * 3 + 3));
    expect(at(0, 1, 2).map((v) => Math.round(v * 255))).toEqual([40, 80, 100]);
    // The JPEG is lossy: close, not equal.
    at(1, 1, 2).forEach((v, k) => expect(Math.abs(v * 255 - [40, 80, 100][k])).toBeLessThan(12));
    // c.png is 8×8, halved: every output pixel is the mean of a 2×2 block (bilinear with centred pixels).
    expect(Math.round(at(2, 0, 0)[0] * 255)).toBe(20);
  });

  it('images - grey from the run\'s preprocessing.image, raw values without normalize; a flat input gets a square image', async () => {
    const dir = classFolders();
    const grey = await openData(`images:${dir}`, { preprocessing: { image: { height: 2, width: 2, channels: 1, normalize: false } } });
    expect(grey.featureShape).toEqual([2, 2, 1]);
    // Pixel rgb(x·40, y·40, 100) in luma: 0.299·r + 0.587·g + 0.114·b; the 4×4 → 2×2 top-left block averages x, y ∈ {0, 1}.
    expect(grey.features[0]).toBeCloseTo(0.299 * 20 + 0.587 * 20 + 0.114 * 100, 3);
    const flat = await openData(`images:${dir}`, { inputShape: [27] });
    expect(flat.featureShape).toEqual([27]);
    expect(flat.count * 27).toBe(flat.features.length);
  });

  it('images - the run\'s label names fix the class indices; a folder outside them, or a broken image, is refused naming it', async () => {
    const dir = classFolders();
    const named = await openData(`images:${dir}`, { inputShape: [4, 4, 3], preprocessing: { labels: ['dog', 'bird', 'cat'] } });
    expect(Array.from(named.labels)).toEqual([2, 2, 0]);
    expect(named.labelNames).toEqual(['dog', 'bird', 'cat']);
    await expect(openData(`images:${dir}`, { preprocessing: { labels: ['cat'] } })).rejects.toThrow(`${dir}: folder "dog" is not one of the run's labels (cat)`);
    writeFileSync(path.join(dir, 'dog', 'd.png'), 'garbage');
    const broken = openData(`images:${dir}`, { inputShape: [4, 4, 3] });
    await expect(broken).rejects.toThrow(InvalidArgumentError);
    await expect(broken).rejects.toThrow(`cannot decode image ${path.join(dir, 'dog', 'd.png')}: neither PNG nor JPEG`);
    await expect(openData(`images:${tempDir()}`)).rejects.toThrow(/no class folders/);
  });

  it('images - bilinear resize keeps a constant image constant and interpolates a ramp', () => {
    const out = new Float32Array(4);
    resizeBilinear(Float32Array.from([7, 7, 7, 7, 7, 7, 7, 7, 7]), 3, 3, 1, 2, 2, out);
    expect(Array.from(out)).toEqual([7, 7, 7, 7]);
    const ramp = new Float32Array(4);
    resizeBilinear(Float32Array.from([0, 10]), 1, 2, 1, 1, 4, ramp);
    expect(Array.from(ramp)).toEqual([0, 2.5, 7.5, 10]);
  });
});
