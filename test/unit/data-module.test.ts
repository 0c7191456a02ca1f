/**
 * The data plugin (`module:<file>`, `--data-module`): a module written here to
 * a temp dir returns batches, or a tf.data.Dataset; what it gets, and how its
 * mistakes are reported.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openData } from '../../clients/trainer/data/open-data';
import { InvalidArgumentError } from '../../common/errors';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

afterAll(cleanTempDirs);

function module(source: string, name = 'my-data.mjs'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, source);
  return file;
}

describe('data module', () => {
  it('module - an async generator of batches: rows or flat values, class names or indices; it sees the run\'s context', async () => {
    const file = module(`
      export default async function* examples(ctx) {
        globalThis.__seenContext = { loss: ctx.loss, inputShape: ctx.inputShape, hasTf: typeof ctx.tf.tensor === 'function' };
        yield { features: [[1, 2], [3, 4]], labels: ['yes', 'no'] };
        yield { features: new Float32Array([5, 6]), labels: ['yes'] };
      }
    `);
    const data = await openData(`module:${file}`, { loss: 'binary-crossentropy', inputShape: [2] });
    expect(data).toMatchObject({ count: 3, featureShape: [2], labelShape: [], labelNames: ['no', 'yes'] });
    expect(Array.from(data.features)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(data.labels)).toEqual([1, 0, 1]);
    expect((globalThis as Record<string, unknown>).__seenContext).toEqual({ loss: 'binary-crossentropy', inputShape: [2], hasTf: true });
  });

  it('module - a tf.data.Dataset of { xs, ys }, batched or not; maxExamples stops it', async () => {
    const file = module(`
      export function examples({ tf }) {
        const rows = Array.from({ length: 10 }, (_, i) => ({ xs: tf.tensor1d([i, i + 0.5]), ys: tf.scalar(i % 3) }));
        return tf.data.array(rows).batch(4);
      }
    `);
    const data = await openData(`module:${file}`);
    expect(data).toMatchObject({ count: 10, featureShape: [2], labelShape: [] });
    expect(Array.from(data.labels)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(data.features[19]).toBe(9.5);
    expect((await openData(`module:${file}`, { maxExamples: 5 })).count).toBe(5);
    const unbatched = module(`export default ({ tf }) => tf.data.array([{ xs: tf.tensor2d([[1, 2], [3, 4]]), ys: tf.tensor1d([0, 1, 0]) }])`);
    expect((await openData(`module:${unbatched}`)).featureShape).toEqual([2, 2]);
  });

  it('module - mistakes are one line naming the module (and the batch)', async () => {
    const cases: Array<[string, RegExp]> = [
      ['export const x = 1;', /exports no function/],
      ['export default () => 42;', /returned neither batches \(an iterable\) nor a tf.data.Dataset/],
      ['export default function* () { yield { features: [[1], [2]], labels: [0] }; }', /batch 1: 2 feature rows, 1 labels/],
      ['export default function* () { yield { features: [[1]], labels: [0] }; yield { features: [[1, 2]], labels: [0] }; }', /batch 2: inputs of shape \[2\], earlier batches \[1\]/],
      ['export default function* () { yield { features: [[NaN]], labels: [0] }; }', /batch 1: a feature value is not a finite number/],
      ['export default async function* () { yield { features: [[1]], labels: [0] }; throw new Error("disk gone"); }', /failed at batch 2: disk gone/],
      ['export default () => { throw new Error("no access"); }', /failed: no access/],
      ['this is not javascript', /cannot load data module/],
    ];
    for (const [source, message] of cases) {
      const file = module(source);
      const read = openData(`module:${file}`);
      await expect(read, source).rejects.toThrow(InvalidArgumentError);
      await expect(read, source).rejects.toThrow(message);
    }
  });
});
