/**
 * Deterministic partitioners that cut a labelled dataset into client shards:
 * `iid`, `dirichlet:<alpha>` (per-class Dirichlet label skew, as in NIID-Bench)
 * and `labels:<k>` (each client holds k classes, FedAvg-paper style shards).
 * Every example lands in exactly one partition; the same seed gives the same cut
 * on every client, so each daemon can compute its own part independently.
 */
import { InvalidArgumentError } from '../../common/errors';
import { createRng, gamma, shuffleInPlace, type Rng } from '../../common/random';

/** How a dataset is split among clients. */
export type PartitionSpec = { kind: 'iid' } | { kind: 'dirichlet'; alpha: number } | { kind: 'labels'; k: number };

const SPEC_HELP = 'expected iid, dirichlet:<alpha> (alpha > 0, e.g. dirichlet:0.5) or labels:<k> (integer k >= 1, e.g. labels:2)';

/** Parses `iid`, `dirichlet:0.5` or `labels:2`; throws InvalidArgumentError otherwise. */
export function parsePartitionSpec(text: string): PartitionSpec {
  const trimmed = text.trim();
  const [kind, arg, ...rest] = trimmed.split(':');
  const bad = (why?: string) => new InvalidArgumentError(`invalid partition "${text}": ${why ? `${why}; ` : ''}${SPEC_HELP}`);
  if (rest.length > 0) throw bad();
  if (kind === 'iid' && arg === undefined) return { kind: 'iid' };
  // Number('') is 0 and Number(' 1') is 1: require a plain decimal literal.
  const numeric = arg !== undefined && /^[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(arg);
  if (kind === 'dirichlet') {
    const alpha = numeric ? Number(arg) : NaN;
    if (!(Number.isFinite(alpha) && alpha > 0)) throw bad('alpha must be a number > 0');
    return { kind: 'dirichlet', alpha };
  }
  if (kind === 'labels') {
    const k = numeric ? Number(arg) : NaN;
    if (!(Number.isInteger(k) && k >= 1)) throw bad('k must be an integer >= 1');
    return { kind: 'labels', k };
  }
  throw bad();
}

/** The text form of a spec, inverse of {@link parsePartitionSpec}. */
export function formatPartitionSpec(spec: PartitionSpec): string {
  switch (spec.kind) {
    case 'iid':
      return 'iid';
    case 'dirichlet':
      return `dirichlet:${spec.alpha}`;
    case 'labels':
      return `labels:${spec.k}`;
  }
}

/**
 * Splits example indices 0..labels.length-1 into `numPartitions` sorted index lists,
 * given each example's class index (any reader's class labels; iid ignores them).
 * Deterministic for a seed; each example lands in at most one partition (exactly one,
 * except labels:k with numPartitions·k < classes); every partition is non-empty when
 * numPartitions <= labels.length.
 */
export function partitionIndices(
  labels: ArrayLike<number>,
  spec: PartitionSpec,
  numPartitions: number,
  seed: number,
  numClasses = 10,
): Uint32Array[] {
  if (!(Number.isInteger(numPartitions) && numPartitions >= 1)) {
    throw new InvalidArgumentError(`numPartitions must be an integer >= 1, got ${numPartitions}`);
  }
  if (!(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new InvalidArgumentError(`numClasses must be an integer >= 1, got ${numClasses}`);
  }
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < numClasses)) throw new InvalidArgumentError(`label ${c} at ${i} is not a class 0..${numClasses - 1}`);
  }
  const rng = createRng(seed);
  let parts: number[][];
  switch (spec.kind) {
    case 'iid':
      parts = iid(labels.length, numPartitions, rng);
      break;
    case 'dirichlet':
      if (!(Number.isFinite(spec.alpha) && spec.alpha > 0)) throw new InvalidArgumentError(`dirichlet alpha must be > 0, got ${spec.alpha}`);
      parts = dirichlet(byClass(labels, numClasses), spec.alpha, numPartitions, labels.length, rng);
      break;
    case 'labels':
      parts = labelShards(byClass(labels, numClasses), spec.k, numPartitions, rng);
      break;
    default:
      throw new InvalidArgumentError(`unknown partition kind ${(spec as { kind: string }).kind}`);
  }
  if (numPartitions <= labels.length) fillEmpty(parts);
  return parts.map((p) => Uint32Array.from(p).sort());
}

function iid(n: number, numPartitions: number, rng: Rng): number[][] {
  const order = shuffleInPlace(range(n), rng);
  const parts: number[][] = [];
  for (let p = 0; p < numPartitions; p++) {
    parts.push(order.slice(Math.floor((p * n) / numPartitions), Math.floor(((p + 1) * n) / numPartitions)));
  }
  return parts;
}

/** Example indices grouped by class, in index order. */
function byClass(labels: ArrayLike<number>, numClasses: number): number[][] {
  const classes: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) classes[labels[i]].push(i);
  return classes;
}

/**
 * NIID-Bench's label-skew sampler: for every class draw p ~ Dir(alpha) over the
 * partitions, zero the share of partitions already above n/N (keeps sizes from
 * running away), and cut the shuffled class at the cumulative proportions.
 * Redraw while the smallest partition is below the minimum size, as NIID-Bench
 * does; after a bounded number of tries `fillEmpty` guarantees non-empty parts.
 */
function dirichlet(classes: number[][], alpha: number, numPartitions: number, n: number, rng: Rng): number[][] {
  const minSize = Math.max(1, Math.min(10, Math.floor(n / numPartitions)));
  let parts: number[][] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    parts = Array.from({ length: numPartitions }, () => []);
    for (const members of classes) {
      if (members.length === 0) continue;
      const idx = shuffleInPlace(members.slice(), rng);
      const props = new Float64Array(numPartitions);
      let sum = 0;
      for (let p = 0; p < numPartitions; p++) {
        props[p] = parts[p].length < n / numPartitions ? gamma(alpha, rng) : 0;
        sum += props[p];
      }
      // Tiny alpha can underflow every gamma draw to 0: give the class to one partition.
      if (!(sum > 0)) {
        props.fill(0);
        props[Math.floor(rng() * numPartitions)] = 1;
        sum = 1;
      }
      let start = 0;
      let acc = 0;
      for (let p = 0; p < numPartitions; p++) {
        acc += props[p] / sum;
        const end = p === numPartitions - 1 ? idx.length : Math.min(idx.length, Math.floor(acc * idx.length));
        for (let i = start; i < end; i++) parts[p].push(idx[i]);
        start = Math.max(start, end);
      }
    }
    if (Math.min(...parts.map((p) => p.length)) >= minSize) break;
  }
  return parts;
}

/**
 * FedAvg-paper style shards: classes (in a seeded order) are dealt round-robin,
 * k per partition, so every class is held by someone once numPartitions·k >=
 * numClasses; each class's examples are split evenly among its holders.
 * With fewer partitions than that, the classes nobody holds are left out:
 * giving them to someone would break "k classes per client", the point of the skew.
 */
function labelShards(classes: number[][], k: number, numPartitions: number, rng: Rng): number[][] {
  const present = classes.map((m, c) => (m.length > 0 ? c : -1)).filter((c) => c >= 0);
  if (!(Number.isInteger(k) && k >= 1)) throw new InvalidArgumentError(`labels:k needs an integer k >= 1, got ${k}`);
  if (k > present.length) {
    throw new InvalidArgumentError(`labels:${k} asks for ${k} classes per partition but the data has only ${present.length} classes`);
  }
  const order = shuffleInPlace(present.slice(), rng);
  const holders = new Map<number, number[]>(order.map((c) => [c, []]));
  for (let p = 0; p < numPartitions; p++) {
    for (let j = 0; j < k; j++) holders.get(order[(p * k + j) % order.length])!.push(p);
  }
  const parts: number[][] = Array.from({ length: numPartitions }, () => []);
  for (const [c, owners] of holders) {
    if (owners.length === 0) continue;
    const idx = shuffleInPlace(classes[c].slice(), rng);
    for (let o = 0; o < owners.length; o++) {
      const from = Math.floor((o * idx.length) / owners.length);
      const to = Math.floor(((o + 1) * idx.length) / owners.length);
      for (let i = from; i < to; i++) parts[owners[o]].push(idx[i]);
    }
  }
  return parts;
}

/** Deterministic fix-up: an empty partition takes one example from the largest one. */
function fillEmpty(parts: number[][]): void {
  for (const part of parts) {
    if (part.length > 0) continue;
    let largest = parts[0];
    for (const p of parts) if (p.length > largest.length) largest = p;
    part.push(largest.pop()!);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
