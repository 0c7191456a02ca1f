import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { createRng } from '../../common/random';
import { formatPartitionSpec, parsePartitionSpec, partitionIndices, type PartitionSpec } from '../../clients/trainer/partition';

/** 10 classes, 600 examples each, in a seeded random order (like a real train split). */
function syntheticLabels(perClass = 600, classes = 10, seed = 7): Uint8Array {
  const labels = new Uint8Array(perClass * classes);
  for (let i = 0; i < labels.length; i++) labels[i] = i % classes;
  const rng = createRng(seed);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  return labels;
}

function classCounts(labels: Uint8Array, part: Uint32Array, classes = 10): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const i of part) counts[labels[i]]++;
  return counts;
}

function expectExactCover(parts: Uint32Array[], n: number): void {
  expect(parts.reduce((s, p) => s + p.length, 0)).toBe(n);
  const seen = new Uint8Array(n);
  for (const p of parts) for (const i of p) seen[i]++;
  expect(seen.every((c) => c === 1)).toBe(true);
}

const labels = syntheticLabels();
const specs: PartitionSpec[] = [{ kind: 'iid' }, { kind: 'dirichlet', alpha: 0.5 }, { kind: 'dirichlet', alpha: 0.1 }, { kind: 'labels', k: 2 }];

describe('partition', () => {
  for (const spec of specs) {
    const name = formatPartitionSpec(spec);
    it(`partition - ${name} assigns every example to exactly one partition`, () => {
      const parts = partitionIndices(labels, spec, 10, 42);
      expect(parts).toHaveLength(10);
      expectExactCover(parts, labels.length);
      for (const p of parts) expect(p.length).toBeGreaterThan(0);
    });

    it(`partition - ${name} is deterministic for a seed and differs for another seed`, () => {
      const a = partitionIndices(labels, spec, 10, 42);
      const b = partitionIndices(labels, spec, 10, 42);
      const c = partitionIndices(labels, spec, 10, 43);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    });
  }

  it('partition - iid splits evenly with a label distribution close to uniform', () => {
    const parts = partitionIndices(labels, { kind: 'iid' }, 10, 1);
    for (const p of parts) {
      expect(p.length).toBe(600);
      for (const count of classCounts(labels, p)) expect(Math.abs(count / p.length - 0.1)).toBeLessThan(0.05);
    }
  });

  it('partition - dirichlet with small alpha really skews labels', () => {
    const meanMaxShare = (alpha: number) => {
      const parts = partitionIndices(labels, { kind: 'dirichlet', alpha }, 10, 3);
      return parts.reduce((s, p) => s + Math.max(...classCounts(labels, p)) / p.length, 0) / parts.length;
    };
    const skewed = meanMaxShare(0.1);
    expect(skewed).toBeGreaterThan(0.5);
    expect(meanMaxShare(100)).toBeLessThan(0.2);
    expect(meanMaxShare(0.5)).toBeLessThan(skewed);
  });

  it('partition - dirichlet keeps every partition non-empty even with many partitions and tiny alpha', () => {
    const small = syntheticLabels(5); // 50 examples
    const parts = partitionIndices(small, { kind: 'dirichlet', alpha: 0.01 }, 50, 9);
    expectExactCover(parts, 50);
    for (const p of parts) expect(p.length).toBe(1);
  });

  it('partition - labels:2 gives each partition exactly 2 classes and covers every class', () => {
    const parts = partitionIndices(labels, { kind: 'labels', k: 2 }, 10, 5);
    const covered = new Set<number>();
    for (const p of parts) {
      const held = classCounts(labels, p).flatMap((c, cls) => (c > 0 ? [cls] : []));
      expect(held).toHaveLength(2);
      held.forEach((c) => covered.add(c));
    }
    expect(covered.size).toBe(10);
  });

  it('partition - labels:k with few partitions keeps k classes each and leaves unheld classes out', () => {
    const parts = partitionIndices(labels, { kind: 'labels', k: 3 }, 2, 5);
    const seen = new Set<number>();
    for (const p of parts) {
      expect(classCounts(labels, p).filter((c) => c > 0)).toHaveLength(3);
      for (const i of p) {
        expect(seen.has(i)).toBe(false);
        seen.add(i);
      }
    }
    expect(seen.size).toBe(3600);
  });

  it('partition - labels:k with k above the number of classes is rejected', () => {
    expect(() => partitionIndices(labels, { kind: 'labels', k: 11 }, 10, 1)).toThrow(InvalidArgumentError);
  });

  it('partition - a bad partition count is rejected', () => {
    expect(() => partitionIndices(labels, { kind: 'iid' }, 0, 1)).toThrow(InvalidArgumentError);
    expect(() => partitionIndices(labels, { kind: 'iid' }, 2.5, 1)).toThrow(InvalidArgumentError);
  });

  it('partition - parses and formats iid, dirichlet:<alpha> and labels:<k>', () => {
    expect(parsePartitionSpec('iid')).toEqual({ kind: 'iid' });
    expect(parsePartitionSpec('dirichlet:0.5')).toEqual({ kind: 'dirichlet', alpha: 0.5 });
    expect(parsePartitionSpec(' labels:2 ')).toEqual({ kind: 'labels', k: 2 });
    for (const text of ['iid', 'dirichlet:0.5', 'dirichlet:10', 'labels:2']) {
      expect(formatPartitionSpec(parsePartitionSpec(text))).toBe(text);
    }
  });

  it('partition - bad specs are rejected with a message listing the valid forms', () => {
    for (const text of ['', 'iid:1', 'dirichlet', 'dirichlet:', 'dirichlet:0', 'dirichlet:-1', 'dirichlet:abc', 'dirichlet:Infinity', 'labels:0', 'labels:1.5', 'labels:x', 'shards:2', 'labels:2:3']) {
      expect(() => parsePartitionSpec(text), text).toThrow(InvalidArgumentError);
    }
    expect(() => parsePartitionSpec('zipf:1')).toThrow(/iid, dirichlet:<alpha>.*labels:<k>/);
  });
});
