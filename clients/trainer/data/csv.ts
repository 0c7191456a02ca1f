/**
 * `csv:<path>`: a header row, then one example per row. The label is the column
 * the run names (preprocessing.labelColumn), else a column called "label", else
 * the last column; the features are the columns the run names, else all the
 * others in file order. Every feature must be a plain decimal number: a missing,
 * empty or non-numeric cell is refused with the file, row and column (rows count
 * as a spreadsheet shows them: the header is row 1). Labels are class names
 * (mapped through the run's label list, or sorted) or numbers. Commas separate
 * fields; a field may be double-quoted ("" inside for a quote) but not span lines.
 * Streamed line by line (.gz through zlib), never read whole.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { LocalDataset } from '../dataset';
import { clipText, isStrictNumber, listNames } from './labels';
import type { DataReader, ReadOptions } from './reader';
import { pickFeatureColumns, pickLabelColumn, Scaling, TabularRows } from './tabular';
import { readLines } from './text-lines';

/** Largest magnitude a float32 holds; a bigger value would silently become Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Splits one CSV line into fields (quotes removed); throws InvalidArgumentError for an unterminated quote. */
export function splitCsvLine(line: string, where: () => string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    // Leading spaces before a quote are allowed (`a, "b"`), as many writers emit them.
    let j = i;
    while (line[j] === ' ') j++;
    if (line[j] === '"') {
      let value = '';
      j++;
      for (;;) {
        const close = line.indexOf('"', j);
        if (close < 0) throw new InvalidArgumentError(`${where()}: unterminated quote (a field may not span lines)`);
        value += line.slice(j, close);
        if (line[close + 1] === '"') {
          value += '"';
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      while (line[j] === ' ') j++;
      if (j < line.length && line[j] !== ',') throw new InvalidArgumentError(`${where()}: text after a closing quote`);
      fields.push(value);
      if (j >= line.length) return fields;
      i = j + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** Parses a feature cell strictly; `at` names the place for the error. */
export function parseFeature(cell: string, at: () => string): number {
  const text = cell.trim();
  if (text === '') throw new InvalidArgumentError(`${at()}: missing value`);
  if (!isStrictNumber(text)) throw new InvalidArgumentError(`${at()}: "${clipText(text)}" is not a number`);
  const value = Number(text);
  if (!(Math.abs(value) <= FLOAT32_MAX)) throw new InvalidArgumentError(`${at()}: ${clipText(text)} is out of float32 range`);
  return value;
}

async function readCsv(file: string, options: ReadOptions): Promise<LocalDataset> {
  const pre = options.preprocessing;
  const rows = new TabularRows(options);
  let header: string[] | undefined;
  let labelAt = -1;
  let featureAt: number[] = [];
  let row = new Float32Array(0);
  let scaling: Scaling | undefined;
  for await (const { text, number } of readLines(file)) {
    if (rows.full()) break;
    if (text.trim() === '') continue;
    const fields = splitCsvLine(number === 1 ? text.replace(/^\uFEFF/, '') : text, () => `${file} row ${number}`);
    if (!header) {
      header = fields.map((f) => f.trim());
      const where = `${file} header`;
      const seen = new Set<string>();
      for (const name of header) {
        if (name === '') throw new InvalidArgumentError(`${where}: a column has no name`);
        if (seen.has(name)) throw new InvalidArgumentError(`${where}: column "${name}" appears twice`);
        seen.add(name);
      }
      const label = labelColumn(header, options, where);
      const features = pickFeatureColumns(header, label, pre, where);
      labelAt = label === undefined ? -1 : header.indexOf(label);
      featureAt = features.map((f) => header!.indexOf(f));
      row = new Float32Array(featureAt.length);
      scaling = Scaling.of(pre, featureAt.length, file);
      continue;
    }
    if (fields.length !== header.length) {
      throw new InvalidArgumentError(`${file} row ${number}: ${fields.length} fields, the header has ${header.length} (${listNames(header)})`);
    }
    for (let j = 0; j < featureAt.length; j++) {
      const col = featureAt[j];
      row[j] = parseFeature(fields[col], () => `${file} row ${number}, column "${header![col]}"`);
    }
    scaling?.apply(row);
    rows.features.pushAll(row);
    rows.labels.push(labelAt < 0 ? NaN : rows.mapper.map(fields[labelAt], () => `${file} row ${number}, column "${header![labelAt]}"`));
    rows.count++;
  }
  if (!header) throw new InvalidArgumentError(`${file}: empty file (expected a header row, then one example per row)`);
  return rows.finish([featureAt.length]);
}

/** The label column, or undefined for inputs only without one. */
function labelColumn(header: string[], options: ReadOptions, where: string): string | undefined {
  if (!options.unlabeled) return pickLabelColumn(header, options.preprocessing, where);
  const named = options.preprocessing?.labelColumn ?? 'label';
  return header.includes(named) ? named : undefined;
}

/** The csv: reader. */
export const csvReader: DataReader = {
  kind: 'csv',
  usage: 'csv:<path>',
  help: 'a CSV file (.gz too) with a header row; label column by name (default "label", else the last), features the other columns',
  readsInputShape: false,
  read: (argument, options) => readCsv(argument, options),
};
