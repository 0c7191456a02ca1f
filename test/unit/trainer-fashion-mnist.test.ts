import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, MissingDependencyError } from '../../common/errors';
import { loadFashionMnist, loadFashionMnistLabels, subset } from '../../clients/trainer/fashion-mnist';
import { parsePartitionSpec, partitionIndices } from '../../clients/trainer/partition';
import { loadLocalData } from '../../clients/trainer/local-data';
import { requireFashionMnist } from '../helpers/fashion-mnist';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-fmnist-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A tiny, valid IDX pair of `count` 2×2 images; `mutate` may corrupt the raw bytes before gzip. */
function writeIdx(dir: string, split: 'train' | 't10k', count: number, mutate?: (images: Buffer, labels: Buffer) => void): void {
  const images = Buffer.alloc(16 + count * 4);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(2, 8);
  images.writeUInt32BE(2, 12);
  for (let i = 0; i < count * 4; i++) images[16 + i] = (i * 37) % 256;
  const labels = Buffer.alloc(8 + count);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) labels[8 + i] = i % 10;
  mutate?.(images, labels);
  writeFileSync(path.join(dir, `${split}-images-idx3-ubyte.gz`), gzipSync(images));
  writeFileSync(path.join(dir, `${split}-labels-idx1-ubyte.gz`), gzipSync(labels));
}

function pixelRange(images: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

describe('fashion-mnist', () => {
  it('fashion-mnist - loads 60000 training and 10000 test images with pixels in [0, 1] and labels 0..9', async () => {
    const dir = requireFashionMnist();
    for (const [split, count] of [['train', 60000], ['test', 10000]] as const) {
      const data = await loadFashionMnist(split, { dir });
      expect(data.count).toBe(count);
      expect([data.height, data.width]).toEqual([28, 28]);
      expect(data.images.length).toBe(count * 784);
      expect(pixelRange(data.images)).toEqual([0, 1]);
      const classes = new Array<number>(10).fill(0);
      for (const l of data.labels) classes[l]++;
      // Fashion-MNIST is balanced: 6000 / 1000 examples per class.
      expect(classes).toEqual(new Array(10).fill(count / 10));
    }
  });

  it('fashion-mnist - limit keeps the first examples and subset copies the chosen ones', async () => {
    const dir = requireFashionMnist();
    const all = await loadFashionMnist('test', { dir });
    const first = await loadFashionMnist('test', { dir, limit: 100 });
    expect(first.count).toBe(100);
    expect(first.labels).toEqual(all.labels.subarray(0, 100));
    expect(first.images).toEqual(all.images.subarray(0, 100 * 784));
    const picked = subset(all, [5, 2]);
    expect(picked.count).toBe(2);
    expect(Array.from(picked.labels)).toEqual([all.labels[5], all.labels[2]]);
    expect(picked.images.subarray(784)).toEqual(all.images.subarray(2 * 784, 3 * 784));
    expect(() => subset(all, [10000])).toThrow(InvalidArgumentError);
  });

  it('fashion-mnist - reads a valid IDX file from another directory', async () => {
    const dir = tempDir();
    writeIdx(dir, 't10k', 3);
    const data = await loadFashionMnist('test', { dir });
    expect(data).toMatchObject({ count: 3, height: 2, width: 2 });
    expect(Array.from(data.labels)).toEqual([0, 1, 2]);
    expect(data.images[1]).toBeCloseTo(37 / 255, 6);
  });

  it('fashion-mnist - rejects corrupt files: not gzip, bad magic, truncated, bad label', async () => {
    const corruptions: Array<[string, (dir: string) => void]> = [
      ['not gzip', (dir) => { writeIdx(dir, 'train', 3); writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), 'not a gzip file'); }],
      ['bad magic', (dir) => writeIdx(dir, 'train', 3, (images) => images.writeUInt32BE(0x804, 0))],
      ['truncated', (dir) => writeIdx(dir, 'train', 3, (images) => images.writeUInt32BE(4, 4))],
      ['bad label', (dir) => writeIdx(dir, 'train', 3, (_images, labels) => (labels[9] = 42))],
    ];
    for (const [what, corrupt] of corruptions) {
      const dir = tempDir();
      corrupt(dir);
      await expect(loadFashionMnist('train', { dir }), what).rejects.toThrow(InvalidArgumentError);
    }
  });

  it('fashion-mnist - a missing dataset names the package to install', async () => {
    const dir = path.join(tempDir(), 'nothing-here');
    const load = loadFashionMnist('train', { dir });
    await expect(load).rejects.toThrow(MissingDependencyError);
    await expect(load).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
  });

  it('local data - a client loads only its own deterministic partition, the same examples as the Fashion-MNIST loader', async () => {
    const dataDir = requireFashionMnist();
    const base = { data: 'fashion-mnist', dataDir, partition: 'labels:2', numPartitions: 5, seed: 42, maxExamples: 2000 } as const;
    const parts = await Promise.all([0, 1, 2, 3, 4].map((index) => loadLocalData({ ...base, index })));
    expect(parts.reduce((s, p) => s + p.count, 0)).toBe(2000);
    for (const p of parts) expect(new Set(p.labels).size).toBe(2);
    const again = await loadLocalData({ ...base, index: 3 });
    expect(again.labels).toEqual(parts[3].labels);
    expect(again.features).toEqual(parts[3].features);
    // The idx: reader gives what the built-in path always gave: the same partition, the same pixels.
    const labels = await loadFashionMnistLabels('train', { dir: dataDir, limit: 2000 });
    const indices = partitionIndices(labels, parsePartitionSpec('labels:2'), 5, 42, 10)[3];
    const legacy = await loadFashionMnist('train', { dir: dataDir, limit: 2000, indices });
    expect(parts[3].features).toEqual(legacy.images);
    expect(Array.from(parts[3].labels)).toEqual(Array.from(legacy.labels));
    expect(parts[3].featureShape).toEqual([784]);
  });

  it('local data - bad partition options are rejected', async () => {
    const dataDir = requireFashionMnist();
    const base = { data: 'fashion-mnist', dataDir, partition: 'iid', numPartitions: 3, index: 0, seed: 1 } as const;
    for (const bad of [{ index: 3 }, { index: -1 }, { numPartitions: 0 }, { partition: 'dirichlet:-1' }, { maxExamples: 0 }]) {
      await expect(loadLocalData({ ...base, ...bad }), JSON.stringify(bad)).rejects.toThrow(InvalidArgumentError);
    }
  });

  it('local data - fashion-mnist in a directory without the files names the package to install', async () => {
    const dataDir = path.join(tempDir(), 'nothing-here');
    const load = loadLocalData({ data: 'fashion-mnist', dataDir, partition: 'iid', numPartitions: 1, index: 0, seed: 1 });
    await expect(load).rejects.toThrow(MissingDependencyError);
    await expect(load).rejects.toThrow(/apt-get install dataset-fashion-mnist/);
  });
});
