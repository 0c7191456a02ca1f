#!/usr/bin/env node
// Splits the breast-cancer Wisconsin data set that Debian's python3-sklearn ships
// into three "hospital" CSV files and a held-out test file, and writes the
// preprocessing every device applies (feature standardisation, label names).
//
//   node examples/breast-cancer/prepare.mjs <out-dir> [--source <breast_cancer.csv>]
//
// sklearn's file starts with "569,30,malignant,benign" (counts and class names);
// every other row is 30 features and the class (0 = malignant, 1 = benign).
// The split is seeded: the same files every time. In a real cross-silo setting
// the hospitals would agree the standardisation beforehand; here it is computed
// from the three training files together, which the script can see.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededShuffle } from '../seeded-shuffle.mjs';

const DEFAULT_SOURCE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv';
const HOSPITALS = 3;
const TEST_FRACTION = 0.2;

const args = process.argv.slice(2);
const out = args.find((a) => !a.startsWith('--'));
const sourceAt = args.indexOf('--source');
const source = sourceAt >= 0 ? args[sourceAt + 1] : DEFAULT_SOURCE;
if (!out) {
  console.error('usage: node examples/breast-cancer/prepare.mjs <out-dir> [--source breast_cancer.csv]');
  process.exit(2);
}
let text;
try {
  text = readFileSync(source, 'utf8');
} catch (err) {
  console.error(`cannot read ${source} (${err.code ?? err.message}); install it with: apt-get install python3-sklearn`);
  process.exit(1);
}
const [head, ...lines] = text.trim().split('\n');
const [, , ...classNames] = head.split(',');
const rows = lines.map((l) => l.split(',').map(Number));
const features = rows[0].length - 1;
const names = Array.from({ length: features }, (_, i) => `f${String(i).padStart(2, '0')}`);

seededShuffle(rows, 42);
const testCount = Math.round(rows.length * TEST_FRACTION);
const test = rows.slice(0, testCount);
const train = rows.slice(testCount);

const mean = names.map((_, j) => train.reduce((s, r) => s + r[j], 0) / train.length);
const std = names.map((_, j) => Math.sqrt(train.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / train.length) || 1);

const csv = (rs) => [[...names, 'diagnosis'].join(','), ...rs.map((r) => [...r.slice(0, features), classNames[r[features]]].join(','))].join('\n') + '\n';
mkdirSync(out, { recursive: true });
for (let h = 0; h < HOSPITALS; h++) writeFileSync(path.join(out, `hospital-${h + 1}.csv`), csv(train.filter((_, i) => i % HOSPITALS === h)));
writeFileSync(path.join(out, 'test.csv'), csv(test));
const round6 = (v) => Number(v.toPrecision(6));
writeFileSync(
  path.join(out, 'preprocessing.json'),
  JSON.stringify({ labelColumn: 'diagnosis', featureColumns: names, shift: mean.map(round6), divide: std.map(round6), labels: classNames }, null, 1) + '\n',
);
console.log(`wrote ${HOSPITALS} hospital files (${train.length} rows), test.csv (${test.length} rows) and preprocessing.json to ${out}`);
