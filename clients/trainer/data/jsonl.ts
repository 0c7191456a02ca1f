/**
 * `jsonl:<path>`: one JSON object per line, with the csv: reader's column
 * semantics by field name (the label field the run names, else "label", else
 * the object's last field; the features the fields the run names, else all the
 * others in the first line's order). A feature is a number or an array of
 * numbers (nested arrays are flattened; each keeps the length it has on the
 * first line); a label is a number, a class name, true/false, or an array of
 * numbers (a vector target). A line that is not such an object is refused with
 * its line number. Blank lines are skipped. Streamed (.gz through zlib).
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { LocalDataset } from '../dataset';
import { FLOAT32_MAX } from './csv';
import { clipText } from './labels';
import type { DataReader, ReadOptions } from './reader';
import { pickFeatureColumns, pickLabelColumn, Scaling, TabularRows } from './tabular';
import { readLines } from './text-lines';

/** Appends the numbers of `value` (a number or nested arrays of numbers) to `out`; false when something else is in it. */
function flatten(value: unknown, out: number[]): boolean {
  if (typeof value === 'number') {
    out.push(value);
    return Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX;
  }
  if (Array.isArray(value)) return value.every((v) => flatten(v, out));
  return false;
}

interface Layout {
  label?: string;
  features: string[];
  /** Values each feature field holds. */
  widths: number[];
  width: number;
}

async function readJsonl(file: string, options: ReadOptions): Promise<LocalDataset> {
  const pre = options.preprocessing;
  const rows = new TabularRows(options);
  let layout: Layout | undefined;
  let scaling: Scaling | undefined;
  const values: number[] = [];
  for await (const { text, number } of readLines(file)) {
    if (rows.full()) break;
    if (text.trim() === '') continue;
    const where = `${file} line ${number}`;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      throw new InvalidArgumentError(`${where}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new InvalidArgumentError(`${where}: not a JSON object`);
    const fields = record as Record<string, unknown>;
    if (!layout) {
      layout = firstLayout(fields, options, where);
      scaling = Scaling.of(pre, layout.width, file);
    }
    values.length = 0;
    layout.features.forEach((name, j) => {
      if (!(name in fields)) throw new InvalidArgumentError(`${where}: no field "${name}"`);
      const before = values.length;
      if (!flatten(fields[name], values)) throw new InvalidArgumentError(`${where}, field "${name}": ${describe(fields[name])} is not a number or an array of numbers`);
      const got = values.length - before;
      if (got !== layout!.widths[j]) throw new InvalidArgumentError(`${where}, field "${name}": ${got} values, the first line has ${layout!.widths[j]}`);
    });
    scaling?.apply(values);
    rows.features.pushAll(values);
    addLabel(rows, layout.label === undefined ? undefined : fields[layout.label], layout.label, where);
    rows.count++;
  }
  return rows.finish([layout?.width ?? 0]);
}

function firstLayout(fields: Record<string, unknown>, options: ReadOptions, where: string): Layout {
  const names = Object.keys(fields);
  const named = options.preprocessing?.labelColumn ?? 'label';
  const label = options.unlabeled ? (names.includes(named) ? named : undefined) : pickLabelColumn(names, options.preprocessing, where);
  const features = pickFeatureColumns(names, label, options.preprocessing, where);
  const widths = features.map((name) => {
    const out: number[] = [];
    if (!(name in fields)) throw new InvalidArgumentError(`${where}: no field "${name}"`);
    if (!flatten(fields[name], out)) throw new InvalidArgumentError(`${where}, field "${name}": ${describe(fields[name])} is not a number or an array of numbers`);
    return out.length;
  });
  return { label, features, widths, width: widths.reduce((a, b) => a + b, 0) };
}

function addLabel(rows: TabularRows, value: unknown, name: string | undefined, where: string): void {
  if (name === undefined) {
    rows.labels.push(NaN);
    return;
  }
  const at = () => `${where}, field "${name}"`;
  if (value === undefined || value === null) throw new InvalidArgumentError(`${at()}: missing label`);
  if (Array.isArray(value)) {
    const out: number[] = [];
    if (!flatten(value, out)) throw new InvalidArgumentError(`${at()}: a label array must hold numbers only`);
    rows.labelWidth ??= out.length;
    if (out.length !== rows.labelWidth) throw new InvalidArgumentError(`${at()}: ${out.length} label values, earlier lines have ${rows.labelWidth}`);
    rows.labels.pushAll(out);
    return;
  }
  if (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') throw new InvalidArgumentError(`${at()}: ${describe(value)} is not a label`);
  rows.labelWidth ??= 1;
  if (rows.labelWidth !== 1) throw new InvalidArgumentError(`${at()}: one label value, earlier lines have ${rows.labelWidth}`);
  rows.labels.push(rows.mapper.map(value, at));
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `"${clipText(value)}"`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array holding something else' : value === null ? 'null' : 'an object';
  return clipText(String(value));
}

/** The jsonl: reader. */
export const jsonlReader: DataReader = {
  kind: 'jsonl',
  usage: 'jsonl:<path>',
  help: 'JSON lines (.gz too), one object per example; fields as csv: columns, arrays allowed for features',
  readsInputShape: false,
  read: (argument, options) => readJsonl(argument, options),
};
