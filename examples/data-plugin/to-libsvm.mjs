#!/usr/bin/env node
// Writes the breast-cancer example's hospital files as standardised LIBSVM files (site-N.svm),
// and its test file as a standardised CSV for the coordinator's evaluation (test.csv, label column
// "label": 0 malignant, 1 benign), so the data-plugin example trains the same model on a format
// no built-in reader knows.
//
//   node examples/breast-cancer/prepare.mjs /tmp/bc && node examples/data-plugin/to-libsvm.mjs /tmp/bc /tmp/svm
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: node examples/data-plugin/to-libsvm.mjs <breast-cancer-dir> <out-dir>');
  process.exit(2);
}
const prep = JSON.parse(readFileSync(path.join(from, 'preprocessing.json'), 'utf8'));
const rows = (file) =>
  readFileSync(path.join(from, file), 'utf8').trim().split('\n').slice(1).map((l) => {
    const cells = l.split(',');
    const label = prep.labels.indexOf(cells.at(-1));
    const features = cells.slice(0, -1).map((v, j) => (Number(v) - prep.shift[j]) / prep.divide[j]);
    return { label, features };
  });
mkdirSync(to, { recursive: true });
for (const h of [1, 2, 3]) {
  const lines = rows(`hospital-${h}.csv`).map((r) => `${r.label} ${r.features.map((v, j) => `${j + 1}:${v.toPrecision(6)}`).join(' ')}`);
  writeFileSync(path.join(to, `site-${h}.svm`), lines.join('\n') + '\n');
}
const test = rows('test.csv');
const header = [...test[0].features.map((_, j) => `f${j}`), 'label'].join(',');
writeFileSync(path.join(to, 'test.csv'), [header, ...test.map((r) => [...r.features.map((v) => v.toPrecision(6)), r.label].join(','))].join('\n') + '\n');
console.log(`wrote site-1..3.svm and test.csv to ${to}`);
