/**
 * What csv: and jsonl: share: which column is the label and which are the
 * features (by name), the per-feature scaling x' = (x − shift) / divide, and
 * the rows collected as they stream in.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { Preprocessing } from '../../../common/model-definition';
import type { LocalDataset } from '../dataset';
import { applySelector } from './dataset-ops';
import { FloatColumn } from './float-column';
import { LabelMapper, listNames } from './labels';
import type { ReadOptions } from './reader';

/** The label column when the run names none and the data has no column called this. */
export const DEFAULT_LABEL_COLUMN = 'label';

/**
 * The label column among `names`: the run's labelColumn (which must exist), else
 * a column called "label", else the last column.
 */
export function pickLabelColumn(names: string[], pre: Preprocessing | undefined, where: string): string {
  if (pre?.labelColumn !== undefined) {
    if (!names.includes(pre.labelColumn)) throw new InvalidArgumentError(`${where}: no label column "${pre.labelColumn}" (columns: ${listNames(names)})`);
    return pre.labelColumn;
  }
  if (names.includes(DEFAULT_LABEL_COLUMN)) return DEFAULT_LABEL_COLUMN;
  if (names.length === 0) throw new InvalidArgumentError(`${where}: no columns`);
  return names[names.length - 1];
}

/** The feature columns: the run's featureColumns (each must exist), else every column but the label, in order. */
export function pickFeatureColumns(names: string[], label: string | undefined, pre: Preprocessing | undefined, where: string): string[] {
  if (pre?.featureColumns !== undefined) {
    const missing = pre.featureColumns.filter((c) => !names.includes(c));
    if (missing.length > 0) throw new InvalidArgumentError(`${where}: no feature column ${missing.map((m) => `"${m}"`).join(', ')} (columns: ${listNames(names)})`);
    if (label !== undefined && pre.featureColumns.includes(label)) throw new InvalidArgumentError(`${where}: column "${label}" is both the label and a feature`);
    if (pre.featureColumns.length === 0) throw new InvalidArgumentError(`${where}: preprocessing.featureColumns is empty`);
    return [...pre.featureColumns];
  }
  const features = names.filter((n) => n !== label);
  if (features.length === 0) throw new InvalidArgumentError(`${where}: no feature columns besides the label "${label}"`);
  return features;
}

/** x' = (x − shift) / divide, per feature (or one value for all); built once per read and checked. */
export class Scaling {
  private constructor(
    private readonly shift: number[],
    private readonly divide: number[],
  ) {}

  /** The scaling of `pre` for `width` feature values, or undefined when there is none. */
  static of(pre: Preprocessing | undefined, width: number, where: string): Scaling | undefined {
    if (pre?.shift === undefined && pre?.divide === undefined) return undefined;
    const expand = (name: string, values: number[] | undefined, neutral: number): number[] => {
      if (values === undefined) return new Array<number>(width).fill(neutral);
      if (values.length !== 1 && values.length !== width) {
        throw new InvalidArgumentError(`${where}: preprocessing.${name} has ${values.length} values; the data has ${width} features (give 1 or ${width})`);
      }
      if (!values.every(Number.isFinite)) throw new InvalidArgumentError(`${where}: preprocessing.${name} holds a value that is not a finite number`);
      return values.length === 1 ? new Array<number>(width).fill(values[0]) : [...values];
    };
    const shift = expand('shift', pre.shift, 0);
    const divide = expand('divide', pre.divide, 1);
    if (divide.some((d) => d === 0)) throw new InvalidArgumentError(`${where}: preprocessing.divide holds 0`);
    return new Scaling(shift, divide);
  }

  /** Scales `row` in place. */
  apply(row: Float32Array | number[]): void {
    for (let i = 0; i < row.length; i++) row[i] = (row[i] - this.shift[i]) / this.divide[i];
  }
}

/** Rows collected while a tabular file streams: features, one label each, and the label mapping. */
export class TabularRows {
  readonly features = new FloatColumn(64 * 1024);
  readonly labels = new FloatColumn(16 * 1024);
  readonly mapper: LabelMapper;
  count = 0;
  /** Values per label: 1, or k for an array-valued label (jsonl). */
  labelWidth?: number;

  constructor(readonly options: ReadOptions) {
    this.mapper = new LabelMapper({ names: options.preprocessing?.labels, loss: options.loss });
  }

  /** Whether the row limit has been reached. */
  full(): boolean {
    return this.options.limit !== undefined && this.count >= this.options.limit;
  }

  /** The dataset of every row added, label names fixed, the reader's selector applied. */
  finish(featureShape: number[]): LocalDataset {
    const labels = this.labels.values();
    const labelNames = this.mapper.finish(labels);
    const width = this.labelWidth ?? 1;
    const data: LocalDataset = {
      count: this.count,
      featureShape,
      features: this.features.values(),
      labelShape: width === 1 ? [] : [width],
      labels,
      ...(labelNames && { labelNames }),
    };
    return applySelector(data, this.options.select);
  }
}
