/**
 * Whether data fits a model (checkData's messages name both sides), how a data
 * spec is parsed, and what openData does for a model: reshape, one-hot labels,
 * partitions of any reader's class labels.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalDataset } from '../../clients/trainer/dataset';
import { checkData, DataMismatchError, type ModelShape } from '../../clients/trainer/data/check-data';
import { openData } from '../../clients/trainer/data/open-data';
import { DATA_KINDS, DATA_READERS, dataSpecHelp, NAMED_DATA, parseDataSpec } from '../../clients/trainer/data/readers';
import { InvalidArgumentError } from '../../common/errors';
import type { LossName } from '../../common/model-definition';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

afterAll(cleanTempDirs);

function dataset(featureShape: number[], labels: number[], labelShape: number[] = [], labelNames?: string[]): LocalDataset {
  const per = labelShape.reduce((a, b) => a * b, 1);
  const count = labels.length / per;
  const size = featureShape.reduce((a, b) => a * b, 1);
  return { count, featureShape, features: new Float32Array(count * size), labelShape, labels: Float32Array.from(labels), ...(labelNames && { labelNames }) };
}

function model(inputShape: number[], loss: LossName, outputShape: number[]): ModelShape {
  return { name: 'custom' as ModelShape['name'], inputShape, numClasses: outputShape[outputShape.length - 1], outputShape, objective: { loss, metrics: [], optimizer: { name: 'sgd' } } };
}

function mismatch(data: LocalDataset, spec: ModelShape): string {
  try {
    checkData(data, spec, 'the model of run run-7');
  } catch (err) {
    expect(err).toBeInstanceOf(DataMismatchError);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error('checkData accepted the data');
}

describe('check data', () => {
  it('check - data that fits passes for every loss', () => {
    checkData(dataset([30], [0, 1, 1]), model([30], 'binary-crossentropy', [1]));
    checkData(dataset([4], [0, 9, 3]), model([4], 'sparse-categorical-crossentropy', [10]));
    checkData(dataset([4], [0, 1, 0, 1], [2]), model([4], 'categorical-crossentropy', [2]));
    checkData(dataset([4], [0.5, -3]), model([4], 'mse', [1]));
    checkData(dataset([4], [0.5, -3, 1, 2], [2]), model([4], 'mae', [2]));
    // A built-in spec: no objective or output shape means sparse cross-entropy over numClasses.
    checkData(dataset([784], [0, 9]), { name: 'mlp', inputShape: [784], numClasses: 10 });
  });

  it('check - the input shape message names both shapes', () => {
    expect(mismatch(dataset([30], [0]), model([784], 'sparse-categorical-crossentropy', [10]))).toBe('data gives inputs of shape [30] but the model of run run-7 takes [784]');
    expect(mismatch(dataset([784], [0]), model([28, 28, 1], 'sparse-categorical-crossentropy', [10]))).toBe('data gives inputs of shape [784] but the model of run run-7 takes [28, 28, 1]');
  });

  it('check - labels must have the form the loss wants, in range', () => {
    const sparse = model([2], 'sparse-categorical-crossentropy', [10]);
    expect(mismatch(dataset([2], [0, 12, 3]), sparse)).toBe('labels span 0..12 but the model of run run-7 has 10 classes (0..9)');
    expect(mismatch(dataset([2], [0, 1.5]), sparse)).toBe('loss sparse-categorical-crossentropy needs whole class indices; 1 labels are not whole numbers');
    expect(mismatch(dataset([2], [0, 1, 1, 0], [2]), sparse)).toMatch(/data gives labels of shape \[2\] but the model of run run-7 with loss sparse-categorical-crossentropy takes one class index per example \(one-hot labels go with categorical-crossentropy\)/);
    const binary = model([2], 'binary-crossentropy', [1]);
    expect(mismatch(dataset([2], [0, 1, 2]), binary)).toBe('loss binary-crossentropy needs labels 0 or 1; labels span 0..2 (1 are neither)');
    expect(mismatch(dataset([2], [0, 1], [], ['a', 'b', 'c']), binary)).toBe('data names 3 classes (a, b, c) but the model of run run-7 has 2');
    const categorical = model([2], 'categorical-crossentropy', [3]);
    expect(mismatch(dataset([2], [0, 1]), categorical)).toMatch(/labels of shape \[\] but .* takes one-hot labels of shape \[3\]/);
    expect(mismatch(dataset([2], [1, 1, 0], [3]), categorical)).toBe('loss categorical-crossentropy needs one-hot labels of 3 values (or probabilities summing to 1); 1 label rows are not');
    expect(mismatch(dataset([2], [1, 2, 3], [3]), model([2], 'mse', [1]))).toMatch(/labels of shape \[3\] .* takes 1 target value per example \(output \[1\]\)/);
    expect(mismatch(dataset([2], []), sparse)).toBe('no local examples');
    expect(mismatch(dataset([2], [NaN]), sparse)).toMatch(/data has no labels/);
  });
});

describe('data specs', () => {
  it('spec - kinds, named data sets and help text all come from the reader registry', () => {
    expect(DATA_KINDS).toEqual(['csv', 'jsonl', 'idx', 'images', 'module']);
    for (const reader of DATA_READERS) expect(dataSpecHelp()).toContain(reader.usage);
    expect(parseDataSpec('csv:/data/a.csv')).toMatchObject({ argument: '/data/a.csv', reader: { kind: 'csv' } });
    expect(parseDataSpec('images:C:/x')).toMatchObject({ argument: 'C:/x' });
    const named = parseDataSpec('fashion-mnist', { dataDir: '/d' });
    expect(named).toMatchObject({ reader: { kind: 'idx' }, argument: '/d/train-images-idx3-ubyte.gz,/d/train-labels-idx1-ubyte.gz', named: { name: 'fashion-mnist' } });
    for (const bad of ['parquet:/x', 'csv:', 'a.csv', '']) expect(() => parseDataSpec(bad), bad).toThrow(InvalidArgumentError);
    expect(() => parseDataSpec('parquet:/x')).toThrow(`invalid data "parquet:/x": expected ${dataSpecHelp()}`);
  });

  it('spec - docs/data.md has a row for every reader and named data set', () => {
    const doc = readFileSync(new URL('../../docs/data.md', import.meta.url), 'utf8');
    for (const reader of DATA_READERS) expect(doc, reader.kind).toContain(`| \`${reader.usage}\` |`);
    for (const named of NAMED_DATA) expect(doc, named.name).toContain(`| \`${named.name}\` |`);
  });
});

describe('open data for a model', () => {
  function csv(text: string): string {
    const file = path.join(tempDir(), 'd.csv');
    writeFileSync(file, text);
    return file;
  }

  it('open - categorical cross-entropy gets one-hot labels of the model\'s classes; out-of-range ones are named', async () => {
    const file = csv('x,label\n1,b\n2,a\n3,c\n');
    const data = await openData(`csv:${file}`, { loss: 'categorical-crossentropy', numClasses: 4 });
    expect(data.labelShape).toEqual([4]);
    expect(Array.from(data.labels)).toEqual([0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]);
    await expect(openData(`csv:${file}`, { loss: 'categorical-crossentropy', numClasses: 2 })).rejects.toThrow(DataMismatchError);
  });

  it('open - any reader\'s class labels can be partitioned; every example lands in exactly one part', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${['red', 'green', 'blue'][i % 3]}`);
    const file = csv(`x,label\n${rows.join('\n')}\n`);
    const seen: number[] = [];
    for (let index = 0; index < 3; index++) {
      const part = await openData(`csv:${file}`, { partition: { partition: 'labels:1', numPartitions: 3, index, seed: 5 } });
      expect(new Set(part.labels).size).toBe(1);
      seen.push(...part.features);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const reg = csv('x,y\n1,0.5\n2,0.25\n');
    await expect(openData(`csv:${reg}`, { loss: 'mse', partition: { partition: 'dirichlet:0.5', numPartitions: 2, index: 0, seed: 1 } })).rejects.toThrow(
      /partition dirichlet:0.5 needs class labels/,
    );
    expect((await openData(`csv:${reg}`, { loss: 'mse', partition: { partition: 'iid', numPartitions: 2, index: 1, seed: 1 } })).count).toBe(1);
  });
});
