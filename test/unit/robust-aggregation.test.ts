/**
 * The rules that read a round's updates whole (services/coordinator/aggregation/
 * dense-updates.ts, robust/*, clipped-mean.ts, aggregate-round.ts) against
 * references computed directly on fixed arrays: unweighted median and trimmed
 * mean, Krum scores by brute force, clipping, DP-FedAvg's fixed denominator,
 * deltas decoded onto the global model, spooling to disk and back.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDense, encodeUpdate } from '../../common/codecs';
import { float32ToBytes } from '../../common/weights-codec';
import { aggregateRound } from '../../services/coordinator/aggregation/aggregate-round';
import { clippedMean } from '../../services/coordinator/aggregation/clipped-mean';
import { DenseUpdates } from '../../services/coordinator/aggregation/dense-updates';
import { krumScores, krumSelect } from '../../services/coordinator/aggregation/robust/krum';
import { coordinateMedian } from '../../services/coordinator/aggregation/robust/median';
import { trimmedMean } from '../../services/coordinator/aggregation/robust/trimmed-mean';
import { StreamingFedAvg, type UpdateKind, type VerifiedUpdate } from '../../services/coordinator/aggregation/streaming-fedavg';
import { createJournal } from '../../services/coordinator/rounds/update-journal';
import { parseStrategySpec, strategy, withDefaults } from '../../services/coordinator/strategy/registry';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A verified update of `values` (new weights), or of an encoded delta. */
function update(clientId: string, numExamples: number, values: Float32Array, encoding = 'float32', global?: Float32Array): VerifiedUpdate {
  let bytes: Uint8Array;
  let kind: UpdateKind = 'weights';
  if (encoding === 'float32') bytes = float32ToBytes(values);
  else {
    const delta = values.map((v, i) => v - global![i]);
    bytes = encodeUpdate(delta, encoding);
    kind = 'delta';
  }
  const journal = createJournal(bytes.length, clientId, {});
  // Pieces as chunks arrive: whole values for float32 (the sink refuses others), uneven for encodings.
  const piece = kind === 'weights' ? 8 : 7;
  for (let off = 0; off < bytes.length; off += piece) journal.append(bytes.slice(off, off + piece));
  return { clientId, numExamples, kind, encoding, journal };
}

const f32 = (xs: number[]) => Float32Array.from(xs);

function dense(updates: VerifiedUpdate[], global: Float32Array, options: Parameters<typeof DenseUpdates.decode>[2] = {}): DenseUpdates {
  return DenseUpdates.decode(updates, global, { blockValues: 2, ...options });
}

describe('DenseUpdates', () => {
  it('holds updates in client-id order, as whole models, with their distance from the global model', () => {
    const g = f32([1, 1, 1]);
    const d = dense([update('b', 1, f32([4, 5, 1])), update('a', 2, f32([1, 1, 1]))], g);
    expect(d.updates.map((u) => [u.clientId, u.numExamples, u.norm, u.scale])).toEqual([
      ['a', 2, 0, 1],
      ['b', 1, 5, 1],
    ]);
    const seen: number[][] = [[], []];
    d.forEachBlock((_start, rows) => rows.forEach((r, k) => seen[k].push(...r)));
    expect(seen).toEqual([[1, 1, 1], [4, 5, 1]]);
    d.close();
  });

  it('decodes deltas onto the global model the round trained from (int8, top-k: unsent parameters stay global)', () => {
    const g = f32([0.5, -1, 2, 3]);
    const target = f32([0.75, -1.5, 2, 3.25]);
    for (const encoding of ['float16', 'int8', 'topk:0.5']) {
      const u = update('a', 1, target, encoding, g);
      const expected = decodeDense(encoding, encodeUpdate(target.map((v, i) => v - g[i]), encoding), g.length).map((v, i) => v + g[i]);
      const d = dense([u], g);
      const got: number[] = [];
      d.forEachBlock((_s, rows) => got.push(...rows[0]));
      expect(got, encoding).toEqual([...expected]);
      d.close();
    }
  });

  it('clips to the bound when read: the distance becomes C, the direction stays', () => {
    const g = f32([1, 1]);
    const d = dense([update('a', 1, f32([4, 5])), update('b', 1, f32([1.3, 1.4]))], g, { clipNorm: 1 });
    expect(d.clipped).toBe(1);
    expect(d.updates[0].scale).toBeCloseTo(0.2, 12);
    const rows: number[][] = [[], []];
    d.forEachBlock((_s, r) => r.forEach((x, k) => rows[k].push(...x)));
    expect(rows[0][0]).toBeCloseTo(1.6, 6);
    expect(rows[0][1]).toBeCloseTo(1.8, 6);
    expect(rows[1]).toEqual([Math.fround(1.3), Math.fround(1.4)]);
    d.close();
  });

  it('spools every update to a file in the spool directory and deletes them on close; results match the in-memory path', () => {
    const spool = mkdtempSync(path.join(tmpdir(), 'fedlink-dense-'));
    dirs.push(spool);
    const g = f32([0, 0, 0, 0, 0]);
    const ups = () => [update('a', 1, f32([1, 2, 3, 4, 5])), update('b', 1, f32([5, 4, 3, 2, 1])), update('c', 1, f32([9, 9, -9, 9, 9]))];
    const onDisk = dense(ups(), g, { spoolDir: spool });
    expect(readdirSync(spool)).toHaveLength(3);
    expect(onDisk.spooledBytes).toBe(3 * 5 * 4);
    const inMemory = dense(ups(), g);
    expect(coordinateMedian(onDisk)).toEqual(coordinateMedian(inMemory));
    onDisk.close();
    inMemory.close();
    expect(readdirSync(spool)).toHaveLength(0);
  });
});

describe('robust rules', () => {
  const g = f32([0, 0, 0]);

  it('median - per parameter, unweighted; the mean of the middle two for an even count', () => {
    const odd = dense([update('a', 100, f32([1, 10, -5])), update('b', 1, f32([2, 20, 7])), update('c', 1, f32([1e20, -1e20, 6]))], g);
    expect([...coordinateMedian(odd)]).toEqual([2, 10, 6]);
    const even = dense([update('a', 1, f32([1, 4, 0])), update('b', 1, f32([3, 8, 0])), update('c', 1, f32([100, 5, 0])), update('d', 1, f32([-100, 6, 1]))], g);
    expect([...coordinateMedian(even)]).toEqual([2, 5.5, 0]);
  });

  it('trimmed mean - drops ⌊β·K⌋ from each end of every parameter', () => {
    const values = [[1, -3], [2, 0], [3, 3], [4, 6], [1000, -1000]];
    const d = dense(values.map((v, i) => update(`c${i}`, 1, f32(v))), f32([0, 0]));
    // β = 0.2 of 5 cuts one value from each end.
    expect([...trimmedMean(d, 0.2)]).toEqual([3, 0]);
    expect([...trimmedMean(d, 0)]).toEqual([Math.fround(1010 / 5), Math.fround(-994 / 5)]);
  });

  it('krum - scores are sums of squared distances to the K − f − 2 nearest, as computed by brute force; the outliers score worst', () => {
    const pts = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [50, 50, 50], [-40, 60, 0]];
    const d = dense(pts.map((p, i) => update(`c${i}`, i + 1, f32(p))), g);
    const f = 2;
    const brute = pts.map((p, a) => {
      const ds = pts.flatMap((q, b) => (a === b ? [] : [p.reduce((s, v, j) => s + (v - q[j]) ** 2, 0)])).sort((x, y) => x - y);
      return ds.slice(0, pts.length - f - 2).reduce((s, v) => s + v, 0);
    });
    const scores = krumScores(d, f);
    scores.forEach((s, i) => expect(s).toBeCloseTo(brute[i], 9));
    expect(krumSelect(scores, 1)).toEqual([0]);
    expect(new Set(krumSelect(scores, 4))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('multi-krum via the strategy - the example-weighted mean of the kept updates; the note names who was left out', () => {
    const pts = [[1, 1], [1.2, 0.8], [0.8, 1.2], [100, -100], [1, 1.1]];
    const d = dense(pts.map((p, i) => update(`c${i}`, i + 1, f32(p))), f32([0, 0]));
    const s = strategy('multi-krum');
    const r = s.aggregate!(d, { byzantine: 1, krumSelect: 4 } as never);
    const kept = [0, 1, 2, 4];
    const total = kept.reduce((t, i) => t + i + 1, 0);
    const expected = [0, 1].map((j) => kept.reduce((t, i) => t + ((i + 1) / total) * pts[i][j], 0));
    expect(r.values[0]).toBeCloseTo(expected[0], 6);
    expect(r.values[1]).toBeCloseTo(expected[1], 6);
    expect(r.note).toContain('left out c3');
    expect(r.metrics.krum_kept).toBe(4);
  });
});

describe('clipped mean and DP-FedAvg', () => {
  it('the example-weighted mean of clipped updates around the global model', () => {
    const g = f32([1, 1]);
    const d = dense([update('a', 3, f32([4, 5])), update('b', 1, f32([1, 2]))], g, { clipNorm: 1 });
    // a clipped to g + (0.6, 0.8); b's distance is 1: kept.
    const got = clippedMean(d);
    expect(got[0]).toBeCloseTo(1 + (3 * 0.6 + 0) / 4, 6);
    expect(got[1]).toBeCloseTo(1 + (3 * 0.8 + 1) / 4, 6);
  });

  it('DP - weights every client alike, divides by the fixed cohort, adds the noise to the sum before dividing', () => {
    const g = f32([0, 0, 0]);
    const d = dense([update('a', 1000, f32([3, 0, 0])), update('b', 1, f32([0, 0.5, 0]))], g, { clipNorm: 1 });
    const constant = { fill: (out: Float64Array, s: number) => out.fill(s), stddev: 2 };
    const got = clippedMean(d, { uniform: true, denominator: 4, noise: constant });
    expect([...got]).toEqual([Math.fround((1 + 2) / 4), Math.fround((0.5 + 2) / 4), Math.fround(2 / 4)]);
  });
});

describe('aggregateRound', () => {
  function accumulator(ups: VerifiedUpdate[], size: number): StreamingFedAvg {
    const acc = new StreamingFedAvg(size, { kernel: 'scalar' });
    for (const u of ups) acc.add(u);
    return acc;
  }

  it('plain strategies without a bound fold the journals (no note); robust ones and bounds say what they did', async () => {
    const g = f32([0, 0]);
    const ups = () => [update('a', 1, f32([1, 1])), update('b', 1, f32([3, 3])), update('c', 1, f32([100, 100]))];
    const plain = accumulator(ups(), 2);
    const mean = aggregateRound(plain, g, { strategy: strategy('fedavg'), options: {} });
    expect(mean.note).toBeUndefined();
    expect([...mean.values]).toEqual([Math.fround(104 / 3), Math.fround(104 / 3)]);
    await plain.dispose();

    const robust = accumulator(ups(), 2);
    const med = aggregateRound(robust, g, { strategy: strategy('median'), options: withDefaults('median') });
    expect([...med.values]).toEqual([3, 3]);
    expect(med.note).toBe('coordinate-wise median of 3 update(s)');
    await robust.dispose();

    const bounded = accumulator(ups(), 2);
    const nb = aggregateRound(bounded, g, { strategy: strategy('fedadam'), options: withDefaults('fedadam', { normBound: Math.SQRT2 }) });
    expect(nb.metrics.clipped_updates).toBe(2);
    expect(nb.values[0]).toBeCloseTo(1, 6);
    expect(nb.note).toContain('2 of 3 update(s) clipped to norm');
    await bounded.dispose();
  });

  it('a single client - median, trimmed mean and multi-krum return its update; a norm bound clips it', async () => {
    const g = f32([0, 0]);
    for (const [name, options] of [['median', {}], ['trimmed-mean', { trimRatio: 0.4 }], ['norm-bound', { normBound: 1 }]] as const) {
      const acc = accumulator([update('only', 5, f32([3, 4]))], 2);
      const got = aggregateRound(acc, g, { strategy: strategy(name), options: withDefaults(name, options) }).values;
      if (name === 'norm-bound') expect([...got].map((v) => Number(v.toFixed(6)))).toEqual([0.6, 0.8]);
      else expect([...got], name).toEqual([3, 4]);
      await acc.dispose();
    }
    const d = dense([update('only', 5, f32([3, 4]))], g);
    expect([...strategy('multi-krum').aggregate!(d, { byzantine: 0, krumSelect: 3 } as never).values]).toEqual([3, 4]);
  });

  it('gives the same bits whatever order the updates were accepted in', async () => {
    const g = f32([0.1, 0.2, 0.3]);
    const make = () => ['e', 'a', 'd', 'b', 'c'].map((id, i) => update(id, i + 1, f32([i * 0.37, -i * 1.1, (i * i) % 3])));
    for (const name of ['median', 'trimmed-mean', 'krum', 'multi-krum', 'norm-bound']) {
      const options = withDefaults(name, name === 'norm-bound' ? { normBound: 0.5 } : {});
      const results: number[][] = [];
      for (const order of [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3]]) {
        const all = make();
        const acc = accumulator(order.map((i) => all[i]), 3);
        results.push([...aggregateRound(acc, g, { strategy: strategy(name), options }).values]);
        await acc.dispose();
      }
      expect(results[1], name).toEqual(results[0]);
      expect(results[2], name).toEqual(results[0]);
    }
  });
});

describe('strategy specs', () => {
  it('parses a name with its positional options', () => {
    expect(parseStrategySpec('median')).toEqual({ name: 'median', options: {} });
    expect(parseStrategySpec('trimmed-mean:0.1')).toEqual({ name: 'trimmed-mean', options: { trimRatio: 0.1 } });
    expect(parseStrategySpec('multi-krum:2:8')).toEqual({ name: 'multi-krum', options: { byzantine: 2, krumSelect: 8 } });
    expect(parseStrategySpec('norm-bound:5')).toEqual({ name: 'norm-bound', options: { normBound: 5 } });
  });

  it.each([
    ['median:3', /strategy median takes no parameters in its name/],
    ['krum:1.5', /byzantine must be an integer in \[0, 10000\], got "1.5" \(expected krum:<byzantine>\)/],
    ['trimmed-mean:0.5', /trim_ratio must be in \[0, 0.5\)/],
    ['multi-krum:1:2:3', /expected multi-krum:<byzantine>:<krum_select>/],
    ['bogus:1', /unknown strategy "bogus"/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseStrategySpec(spec)).toThrow(message);
  });
});
