/**
 * The jsonl: reader: fields by name with the csv: semantics, array-valued
 * features and labels, refusals with the line number, gzip.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openData } from '../../clients/trainer/data/open-data';
import { InvalidArgumentError } from '../../common/errors';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

afterAll(cleanTempDirs);

function jsonl(lines: unknown[] | string, name = 'data.jsonl'): string {
  const text = typeof lines === 'string' ? lines : `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`;
  const file = path.join(tempDir(), name);
  writeFileSync(file, name.endsWith('.gz') ? gzipSync(text) : text);
  return file;
}

describe('jsonl reader', () => {
  it('jsonl - number and array fields are features in the first line\'s order, "label" the label', async () => {
    const file = jsonl([{ pixels: [1, 2, 3], age: 4, label: 'b' }, { pixels: [5, 6, 7], age: 8, label: 'a' }]);
    const data = await openData(`jsonl:${file}`);
    expect(data).toMatchObject({ count: 2, featureShape: [4], labelShape: [], labelNames: ['a', 'b'] });
    expect(Array.from(data.features)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(data.labels)).toEqual([1, 0]);
  });

  it('jsonl - the run names fields; nested arrays flatten; inputs take the model\'s shape when the sizes agree', async () => {
    const file = jsonl([{ id: 7, img: [[1, 2], [3, 4]], y: true }, { id: 8, img: [[5, 6], [7, 8]], y: false }]);
    const data = await openData(`jsonl:${file}`, { preprocessing: { labelColumn: 'y', featureColumns: ['img'] }, inputShape: [2, 2, 1] });
    expect(data.featureShape).toEqual([2, 2, 1]);
    expect(Array.from(data.features)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(data.labels)).toEqual([1, 0]);
  });

  it('jsonl - array labels are vector targets; scaling applies per feature', async () => {
    const file = jsonl([{ x: [10, 20], label: [0.5, 1] }, { x: [30, 40], label: [1.5, 2] }]);
    const data = await openData(`jsonl:${file}`, { preprocessing: { shift: [10], divide: [10] }, loss: 'mse' });
    expect(data.labelShape).toEqual([2]);
    expect(Array.from(data.labels)).toEqual([0.5, 1, 1.5, 2]);
    expect(Array.from(data.features)).toEqual([0, 1, 2, 3]);
  });

  it('jsonl - a bad line is refused with its line number', async () => {
    const cases: Array<[string, string]> = [
      ['{"a":1,"label":0}\n{"a":1,"label":0\n', ' line 2: not valid JSON'],
      ['{"a":1,"label":0}\n\n[1,2]\n', ' line 3: not a JSON object'],
      ['{"a":1,"label":0}\n{"label":1}\n', ' line 2: no field "a"'],
      ['{"a":1,"label":0}\n{"a":"2","label":1}\n', ' line 2, field "a": "2" is not a number or an array of numbers'],
      ['{"a":[1,2],"label":0}\n{"a":[1],"label":1}\n', ' line 2, field "a": 1 values, the first line has 2'],
      ['{"a":1,"label":0}\n{"a":2,"label":null}\n', ' line 2, field "label": missing label'],
      ['{"a":1,"label":0}\n{"a":2,"label":[1,2]}\n', ' line 2, field "label": 2 label values, earlier lines have 1'],
    ];
    for (const [text, message] of cases) {
      const file = jsonl(text);
      const read = openData(`jsonl:${file}`);
      await expect(read, message).rejects.toThrow(InvalidArgumentError);
      await expect(read, message).rejects.toThrow(`${file}${message}`);
    }
  });

  it('jsonl - .gz is read through zlib', async () => {
    const file = jsonl([{ a: 1, label: 0 }, { a: 2, label: 1 }], 'data.jsonl.gz');
    expect(Array.from((await openData(`jsonl:${file}`)).features)).toEqual([1, 2]);
  });
});
