/**
 * `module:<file>` (`--data-module <file>`): the device owner's own code reads
 * the data, for formats no reader knows. The file (.js or .mjs: the compiled
 * CLI loads no TypeScript) exports, as default or as `examples`, one
 * function called with a DataModuleContext that returns (or resolves to) either
 * an iterable or async iterable of ExampleBatch, or a tf.data.Dataset of
 * { xs, ys } tensors (batched or not). This is the only place fedlink runs code
 * a user wrote, and only on the device whose owner chose it. docs/data.md.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../../../common/errors';
import type { LossName, Preprocessing } from '../../../common/model-definition';
import type { LocalDataset } from '../dataset';
import { applySelector, sizeOf } from './dataset-ops';
import { FloatColumn } from './float-column';
import { LabelMapper } from './labels';
import type { DataReader, ReadOptions } from './reader';

/** What a data module's function is called with. */
export interface DataModuleContext {
  preprocessing?: Preprocessing;
  /** The model's input shape, when known (at task time; not for the count at start-up). */
  inputShape?: number[];
  loss?: LossName;
  /** Stop after this many examples (more are ignored). */
  limit?: number;
  /** The TFJS the daemon trains with, to build a tf.data.Dataset with. */
  tf: typeof import('@tensorflow/tfjs');
}

/** One batch a data module yields. */
export interface ExampleBatch {
  /** One row per example (nested arrays are flattened), or every example's values one after another. */
  features: ArrayLike<number> | ArrayLike<ArrayLike<number> | number[][]>;
  /** One per example: a number (class index or target), a class name, or a vector. */
  labels: ArrayLike<number> | string[] | number[][];
  /** Shape of one example's input. @default the model's input shape when the sizes agree, else [values per example] */
  featureShape?: number[];
}

type Produced = AsyncIterable<unknown> | Iterable<unknown> | TfDataset;

interface TfDataset {
  iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }>;
}

interface TensorLike {
  shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}

const isTensor = (v: unknown): v is TensorLike => typeof v === 'object' && v !== null && Array.isArray((v as TensorLike).shape) && typeof (v as TensorLike).dataSync === 'function';

async function loadFunction(file: string): Promise<(ctx: DataModuleContext) => unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    const hint = /\.[cm]?ts$/.test(file) ? ' (fedlink loads JavaScript: compile the module to .mjs)' : '';
    throw new InvalidArgumentError(`cannot load data module ${file}: ${err instanceof Error ? err.message : String(err)}${hint}`, { cause: err });
  }
  const fn = typeof mod.default === 'function' ? mod.default : mod.examples;
  if (typeof fn !== 'function') throw new InvalidArgumentError(`data module ${file} exports no function (export default, or export examples)`);
  return fn as (ctx: DataModuleContext) => unknown;
}

/** Every element the module produced, as an async iterator (a tf.data.Dataset through its own iterator). */
async function* elements(produced: Produced, file: string): AsyncGenerator<unknown> {
  if (typeof (produced as TfDataset).iterator === 'function' && !(Symbol.asyncIterator in produced) && !(Symbol.iterator in produced)) {
    const it = await (produced as TfDataset).iterator();
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    return;
  }
  if (Symbol.asyncIterator in produced || Symbol.iterator in produced) {
    yield* produced as AsyncIterable<unknown>;
    return;
  }
  throw new InvalidArgumentError(`data module ${file} returned neither batches (an iterable) nor a tf.data.Dataset`);
}

/** Collects batches into one dataset. */
class Collector {
  readonly features = new FloatColumn(64 * 1024);
  readonly labels = new FloatColumn(16 * 1024);
  readonly mapper: LabelMapper;
  count = 0;
  featureShape?: number[];
  labelWidth?: number;

  constructor(readonly options: ReadOptions, readonly file: string) {
    this.mapper = new LabelMapper({ names: options.preprocessing?.labels, loss: options.loss });
  }

  room(): number {
    return this.options.limit === undefined ? Infinity : this.options.limit - this.count;
  }

  /** A { features, labels } batch, or a { xs, ys } element of a tf.data.Dataset. */
  add(element: unknown, batch: number): void {
    const where = `data module ${this.file} batch ${batch}`;
    if (typeof element !== 'object' || element === null) throw new InvalidArgumentError(`${where}: not an object with features and labels`);
    const e = element as Record<string, unknown>;
    if (isTensor(e.xs) && isTensor(e.ys)) return this.addTensors(e.xs, e.ys, where);
    if (!('features' in e) || !('labels' in e)) throw new InvalidArgumentError(`${where}: needs features and labels (or xs and ys tensors)`);
    const b = e as unknown as ExampleBatch;
    const labels = Array.from(b.labels as ArrayLike<unknown>);
    const n = Math.min(labels.length, this.room());
    const rows = this.rows(b.features, labels.length, b.featureShape, where);
    for (let i = 0; i < n; i++) {
      this.features.pushAll(rows[i]);
      this.addLabel(labels[i], () => `${where}, example ${i + 1}`);
    }
    this.count += n;
  }

  private addTensors(xs: TensorLike, ys: TensorLike, where: string): void {
    try {
      // An unbatched element is one example; a batched one has the batch first.
      const batched = xs.shape.length > 1 && ys.shape.length >= 1 && xs.shape[0] === ys.shape[0] && (this.featureShape === undefined || xs.shape.length > this.featureShape.length);
      const n = batched ? xs.shape[0] : 1;
      const shape = batched ? xs.shape.slice(1) : xs.shape;
      const x = xs.dataSync();
      const y = ys.dataSync();
      const take = Math.min(n, this.room());
      const fx = sizeOf(shape);
      const fy = y.length / n;
      this.setFeatureShape(shape, where);
      this.setLabelWidth(fy, where);
      for (let i = 0; i < take; i++) {
        this.features.pushAll(checkFinite(Array.prototype.slice.call(x, i * fx, (i + 1) * fx) as number[], where));
        for (let j = 0; j < fy; j++) this.labels.push(y[i * fy + j]);
      }
      this.count += take;
    } finally {
      xs.dispose();
      ys.dispose();
    }
  }

  private rows(features: ExampleBatch['features'], n: number, shape: number[] | undefined, where: string): ArrayLike<number>[] {
    const first = (features as ArrayLike<unknown>)[0];
    let rows: ArrayLike<number>[];
    if (n === 0) return [];
    if (typeof first === 'number') {
      const flat = features as ArrayLike<number>;
      if (flat.length % n !== 0) throw new InvalidArgumentError(`${where}: ${flat.length} feature values do not split into ${n} examples`);
      const per = flat.length / n;
      rows = Array.from({ length: n }, (_, i) => Array.prototype.slice.call(flat, i * per, (i + 1) * per) as number[]);
    } else {
      const list = features as ArrayLike<unknown>;
      if (list.length !== n) throw new InvalidArgumentError(`${where}: ${list.length} feature rows, ${n} labels`);
      rows = Array.from(list as ArrayLike<unknown>, (r) => (r as unknown[]).flat(Infinity) as number[]);
    }
    const per = rows[0].length;
    for (const r of rows) {
      if (r.length !== per) throw new InvalidArgumentError(`${where}: feature rows of different lengths (${per} and ${r.length})`);
      checkFinite(r, where);
    }
    const input = this.options.inputShape;
    const given = shape ?? (input && sizeOf(input) === per ? input : [per]);
    if (sizeOf(given) !== per) throw new InvalidArgumentError(`${where}: featureShape [${given.join(', ')}] does not hold ${per} values`);
    this.setFeatureShape(given, where);
    return rows;
  }

  private addLabel(value: unknown, at: () => string): void {
    if (Array.isArray(value)) {
      const v = value.flat(Infinity) as number[];
      this.setLabelWidth(v.length, at());
      this.labels.pushAll(checkFinite(v, at()));
      return;
    }
    if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') throw new InvalidArgumentError(`${at()}: a label must be a number, a class name or an array of numbers`);
    this.setLabelWidth(1, at());
    this.labels.push(this.mapper.map(value, at));
  }

  private setFeatureShape(shape: number[], where: string): void {
    if (this.featureShape === undefined) this.featureShape = [...shape];
    else if (this.featureShape.join() !== shape.join()) throw new InvalidArgumentError(`${where}: inputs of shape [${shape.join(', ')}], earlier batches [${this.featureShape.join(', ')}]`);
  }

  private setLabelWidth(width: number, where: string): void {
    this.labelWidth ??= width;
    if (this.labelWidth !== width) throw new InvalidArgumentError(`${where}: labels of ${width} values, earlier ones ${this.labelWidth}`);
  }

  finish(): LocalDataset {
    const labels = this.labels.values();
    const labelNames = this.mapper.finish(labels);
    const width = this.labelWidth ?? 1;
    const data: LocalDataset = {
      count: this.count,
      featureShape: this.featureShape ?? [0],
      features: this.features.values(),
      labelShape: width === 1 ? [] : [width],
      labels,
      ...(labelNames && { labelNames }),
    };
    return applySelector(data, this.options.select);
  }
}

function checkFinite<T extends ArrayLike<number>>(values: T, where: string): T {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) throw new InvalidArgumentError(`${where}: a feature value is not a finite number`);
  }
  return values;
}

async function readModule(file: string, options: ReadOptions): Promise<LocalDataset> {
  const fn = await loadFunction(file);
  const tf = await import('@tensorflow/tfjs');
  const ctx: DataModuleContext = { preprocessing: options.preprocessing, inputShape: options.inputShape, loss: options.loss, limit: options.limit, tf };
  const collector = new Collector(options, file);
  let produced: unknown;
  try {
    produced = await fn(ctx);
  } catch (err) {
    throw new InvalidArgumentError(`data module ${file} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof produced !== 'object' || produced === null) throw new InvalidArgumentError(`data module ${file} returned neither batches (an iterable) nor a tf.data.Dataset`);
  let batch = 0;
  try {
    for await (const element of elements(produced as Produced, file)) {
      collector.add(element, ++batch);
      if (collector.room() <= 0) break;
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`data module ${file} failed at batch ${batch + 1}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return collector.finish();
}

/** The module: reader (`--data-module`). */
export const moduleReader: DataReader = {
  kind: 'module',
  usage: 'module:<file>',
  help: 'your own code: a .js/.ts module whose function returns batches or a tf.data.Dataset (docs/data.md); same as --data-module',
  readsInputShape: true,
  read: (argument, options) => readModule(argument, options),
};
