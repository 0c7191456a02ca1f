#!/usr/bin/env node
// Writes sklearn's handwritten digits (Debian's python3-sklearn: digits.csv.gz, 1,797 images of
// 8×8 pixels in 0..16, then the digit) as PNG files in one folder per class — the layout the
// `images:` reader reads — for three sites and a held-out test folder, split with a seed.
//
//   node examples/digits-images/prepare.mjs <out-dir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededShuffle } from '../seeded-shuffle.mjs';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';

const SOURCE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';
const SITES = 3;
const out = process.argv[2];
if (!out) {
  console.error('usage: node examples/digits-images/prepare.mjs <out-dir>');
  process.exit(2);
}
let text;
try {
  text = gunzipSync(readFileSync(SOURCE)).toString('utf8');
} catch (err) {
  console.error(`cannot read ${SOURCE} (${err.code ?? err.message}); install it with: apt-get install python3-sklearn`);
  process.exit(1);
}
const rows = text.trim().split('\n').map((l) => l.split(',').map(Number));
seededShuffle(rows, 7);
const testCount = Math.round(rows.length * 0.2);
rows.forEach((r, i) => {
  const where = i < testCount ? 'test' : `site-${((i - testCount) % SITES) + 1}`;
  const digit = r[64];
  const png = new PNG({ width: 8, height: 8, colorType: 0, inputColorType: 0, bitDepth: 8 });
  for (let p = 0; p < 64; p++) {
    const v = Math.round((r[p] / 16) * 255);
    png.data[p * 4] = png.data[p * 4 + 1] = png.data[p * 4 + 2] = v;
    png.data[p * 4 + 3] = 255;
  }
  const dir = path.join(out, where, String(digit));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${i}.png`), PNG.sync.write(png, { colorType: 0 }));
});
console.log(`wrote ${rows.length - testCount} training images in ${SITES} site folders and ${testCount} test images to ${out}`);
