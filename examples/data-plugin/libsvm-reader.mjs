// A fedlink data module (docs/data.md, "Data modules") for LIBSVM / SVMlight files, a
// format no built-in reader knows: one example per line, "<label> <index>:<value> ...",
// indices from 1, features left out are 0.
//
//   FEDLINK_LIBSVM=/data/site-1.svm fedlink client --data-module examples/data-plugin/libsvm-reader.mjs ...
//
// The device owner chooses to run this file; the coordinator never sends code.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const BATCH = 256;

export default async function* examples(ctx) {
  const file = process.env.FEDLINK_LIBSVM;
  if (!file) throw new Error('set FEDLINK_LIBSVM to the LIBSVM file this device holds');
  // At start-up there is no run yet: size the rows by the widest index seen in the file.
  const width = ctx.inputShape ? ctx.inputShape.reduce((a, b) => a * b, 1) : await widest(file);
  let batch = { features: [], labels: [] };
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '' || text.startsWith('#')) continue;
    const [label, ...pairs] = text.trim().split(/\s+/);
    const row = new Array(width).fill(0);
    for (const pair of pairs) {
      const [i, v] = pair.split(':');
      const index = Number(i) - 1;
      if (!Number.isInteger(index) || index < 0 || index >= width) throw new Error(`${file} line ${line}: feature index ${i} outside 1..${width}`);
      row[index] = Number(v);
    }
    batch.features.push(row);
    batch.labels.push(Number(label));
    if (ctx.limit !== undefined && batch.labels.length >= ctx.limit) break;
    if (batch.labels.length === BATCH) {
      yield batch;
      batch = { features: [], labels: [] };
    }
  }
  if (batch.labels.length > 0) yield batch;
}

async function widest(file) {
  let max = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    for (const pair of text.trim().split(/\s+/).slice(1)) max = Math.max(max, Number(pair.split(':')[0]));
  }
  return max;
}
