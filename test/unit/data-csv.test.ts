/**
 * The csv: reader: column semantics by name, strict numbers, labels as names
 * or indices, scaling, refusals that name file, row and column, gzip, and a
 * large file streamed rather than read whole.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openData } from '../../clients/trainer/data/open-data';
import { splitCsvLine } from '../../clients/trainer/data/csv';
import { readLines } from '../../clients/trainer/data/text-lines';
import { InvalidArgumentError } from '../../common/errors';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

afterAll(cleanTempDirs);

function csv(text: string, name = 'data.csv'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, name.endsWith('.gz') ? gzipSync(text) : text);
  return file;
}

describe('csv reader', () => {
  it('csv - reads features and a "label" column by name, in file order, labels as class indices', async () => {
    const file = csv('a,label,b\n1,0,2\n3.5,1,-4e-1\n');
    const data = await openData(`csv:${file}`);
    expect(data).toMatchObject({ count: 2, featureShape: [2], labelShape: [] });
    expect(Array.from(data.features)).toEqual([1, 2, 3.5, Math.fround(-0.4)]);
    expect(Array.from(data.labels)).toEqual([0, 1]);
    expect(data.labelNames).toBeUndefined();
  });

  it('csv - without a "label" column the last column is the label; the run may name the label and the features', async () => {
    const file = csv('x,y,z,target\n1,2,3,1\n4,5,6,0\n');
    expect(Array.from((await openData(`csv:${file}`)).labels)).toEqual([1, 0]);
    const picked = await openData(`csv:${file}`, { preprocessing: { labelColumn: 'x', featureColumns: ['z', 'y'] } });
    expect(picked.featureShape).toEqual([2]);
    expect(Array.from(picked.features)).toEqual([3, 2, 6, 5]);
    expect(Array.from(picked.labels)).toEqual([1, 4]);
    await expect(openData(`csv:${file}`, { preprocessing: { labelColumn: 'nope' } })).rejects.toThrow(/no label column "nope"/);
    await expect(openData(`csv:${file}`, { preprocessing: { featureColumns: ['x', 'w'] } })).rejects.toThrow(/no feature column "w"/);
  });

  it('csv - class names are sorted into indices, or mapped through the run\'s label list', async () => {
    const file = csv('f,label\n1,dog\n2,cat\n3,dog\n4,bird\n');
    const sorted = await openData(`csv:${file}`);
    expect(sorted.labelNames).toEqual(['bird', 'cat', 'dog']);
    expect(Array.from(sorted.labels)).toEqual([2, 1, 2, 0]);
    const mapped = await openData(`csv:${file}`, { preprocessing: { labels: ['dog', 'cat', 'bird'] } });
    expect(mapped.labelNames).toEqual(['dog', 'cat', 'bird']);
    expect(Array.from(mapped.labels)).toEqual([0, 1, 0, 2]);
    await expect(openData(`csv:${file}`, { preprocessing: { labels: ['dog', 'cat'] } })).rejects.toThrow(`${file} row 5, column "label": label "bird" is not one of the run's labels (dog, cat)`);
    // A regression loss wants numbers, not names.
    await expect(openData(`csv:${file}`, { loss: 'mse' })).rejects.toThrow(/row 2, column "label": label "dog" is not a number \(loss mse/);
    const mixed = csv('f,label\n1,3\n2,cat\n');
    await expect(openData(`csv:${mixed}`)).rejects.toThrow(/labels mix numbers .*row 2.* and class names .*row 3/);
  });

  it('csv - scaling x\' = (x − shift) / divide, one value for all features or one per feature', async () => {
    const file = csv('a,b,label\n10,20,0\n30,40,1\n');
    const one = await openData(`csv:${file}`, { preprocessing: { shift: [10], divide: [10] } });
    expect(Array.from(one.features)).toEqual([0, 1, 2, 3]);
    const each = await openData(`csv:${file}`, { preprocessing: { shift: [10, 20], divide: [2, 4] } });
    expect(Array.from(each.features)).toEqual([0, 0, 10, 5]);
    await expect(openData(`csv:${file}`, { preprocessing: { shift: [1, 2, 3] } })).rejects.toThrow(/shift has 3 values; the data has 2 features/);
    await expect(openData(`csv:${file}`, { preprocessing: { divide: [0] } })).rejects.toThrow(/divide holds 0/);
  });

  it('csv - a missing, empty or non-numeric value is refused with the file, row (header = row 1) and column', async () => {
    // What follows the file name in the message.
    const cases: Array<[string, string]> = [
      ['a,b,label\n1,2,0\n3,,1\n', ' row 3, column "b": missing value'],
      ['a,b,label\n1,2,0\n3,  ,1\n', ' row 3, column "b": missing value'],
      ['a,b,label\n1,2,0\n\n3,x7,1\n', ' row 4, column "b": "x7" is not a number'],
      ['a,b,label\n0x10,2,0\n', ' row 2, column "a": "0x10" is not a number'],
      ['a,b,label\nInfinity,2,0\n', ' row 2, column "a": "Infinity" is not a number'],
      ['a,b,label\n1e39,2,0\n', ' row 2, column "a": 1e39 is out of float32 range'],
      ['a,b,label\n1,2,0\n1,2\n', ' row 3: 2 fields, the header has 3'],
      ['a,b,label\n1,2,\n', ' row 2, column "label": missing label'],
      ['a,"b,label\n', ' row 1: unterminated quote'],
      ['a,a,label\n1,2,3\n', ' header: column "a" appears twice'],
      ['', ': empty file'],
    ];
    for (const [text, message] of cases) {
      const file = csv(text);
      const read = openData(`csv:${file}`);
      await expect(read, message).rejects.toThrow(InvalidArgumentError);
      await expect(read, message).rejects.toThrow(`${file}${message}`);
    }
  });

  it('csv - quoted fields, CRLF line ends, a byte-order mark and spaces after commas', async () => {
    const file = csv('\uFEFF"a","b, c",label\r\n 1, "2",yes\r\n3,4,"no"\r\n');
    const data = await openData(`csv:${file}`);
    expect(Array.from(data.features)).toEqual([1, 2, 3, 4]);
    expect(data.labelNames).toEqual(['no', 'yes']);
    expect(splitCsvLine('x,"say ""hi""",', () => 'here')).toEqual(['x', 'say "hi"', '']);
    expect(() => splitCsvLine('"a"b', () => 'here')).toThrow('here: text after a closing quote');
  });

  it('csv - a .gz file is read through zlib; a corrupt one is refused naming it', async () => {
    const file = csv('a,label\n1,0\n2,1\n', 'data.csv.gz');
    expect((await openData(`csv:${file}`)).count).toBe(2);
    const bad = path.join(tempDir(), 'bad.csv.gz');
    writeFileSync(bad, 'a,label\n1,0\n');
    await expect(openData(`csv:${bad}`)).rejects.toThrow(`cannot read ${bad}: not valid gzip`);
    await expect(openData(`csv:${path.join(tempDir(), 'none.csv')}`)).rejects.toThrow(/no such file/);
  });

  it('csv - inputs only: no label column needed, a "label" column present is left out, labels NaN', async () => {
    const file = csv('a,b\n1,2\n3,4\n');
    const data = await openData(`csv:${file}`, { unlabeled: true });
    expect(data.featureShape).toEqual([2]);
    expect(Array.from(data.labels).every(Number.isNaN)).toBe(true);
    const labelled = csv('a,label,b\n1,x,2\n');
    expect(Array.from((await openData(`csv:${labelled}`, { unlabeled: true })).features)).toEqual([1, 2]);
  });

  it('csv - maxExamples keeps the first rows and stops reading there', async () => {
    const file = csv(`a,label\n${Array.from({ length: 100 }, (_, i) => `${i},${i % 2}`).join('\n')}\n`);
    const data = await openData(`csv:${file}`, { maxExamples: 10 });
    expect(data.count).toBe(10);
    expect(Array.from(data.features)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('csv - a 200,000-row file is streamed: reading it holds its examples, never the file', async () => {
    // Each row carries a 400-character note column the run does not use: ~85 MB of text, 1.6 MB of features.
    const file = path.join(tempDir(), 'big.csv');
    const out = createWriteStream(file);
    const note = 'n'.repeat(400);
    out.write('x,y,note,label\n');
    const rows = 200_000;
    for (let i = 0; i < rows; i++) {
      if (!out.write(`${i},${i % 7},${note},${i % 3}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');

    // Stopping early reads only the start of the file: the reader pulls lines from a stream.
    const lines = readLines(file);
    let seen = 0;
    for await (const _ of lines) if (++seen === 1000) break;
    expect(lines.bytesRead()).toBeLessThan(1_000_000);

    global.gc?.();
    const before = process.memoryUsage();
    let peak = 0;
    const sample = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
    }, 2);
    const data = await openData(`csv:${file}`, { preprocessing: { featureColumns: ['x', 'y'] } });
    clearInterval(sample);
    expect(data.count).toBe(rows);
    expect(data.features[2 * (rows - 1)]).toBe(rows - 1);
    expect(Array.from(data.labels.subarray(0, 4))).toEqual([0, 1, 2, 0]);
    // Loose bound: the file is ~85 MB; holding it (or a string of it) would show here, streaming keeps well under.
    expect(peak).toBeLessThan(60_000_000);
  });
});
