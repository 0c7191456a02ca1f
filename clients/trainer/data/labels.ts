/**
 * Label values as readers meet them (numbers, or class names as text) mapped to
 * what the trainer wants: a class name becomes its index in the run's label
 * list, or, without one, its index among the names the data holds, sorted (so
 * every device holding the same classes agrees without talking); a number is
 * a class index, or the target value under a regression loss.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { LossName } from '../../../common/model-definition';

/** Losses whose targets are values, not classes. */
export const REGRESSION_LOSSES: readonly LossName[] = ['mse', 'mae'];

/** Whether `loss` trains on values rather than classes. */
export function isRegression(loss: LossName | undefined): boolean {
  return loss !== undefined && REGRESSION_LOSSES.includes(loss);
}

/** Maps each example's raw label to a number; `finish` fixes provisional class ids once every name has been seen. */
export class LabelMapper {
  private readonly known?: Map<string, number>;
  /** Names met so far (no run label list), with provisional ids in order of first appearance. */
  private readonly collected = new Map<string, number>();
  private firstNumberAt?: string;
  private firstNameAt?: string;

  constructor(
    private readonly options: { names?: string[]; loss?: LossName },
  ) {
    if (options.names) this.known = new Map(options.names.map((n, i) => [n, i]));
  }

  /** The number for `raw` (text parsed strictly, or a JSON number); `at` names the place for messages. */
  map(raw: string | number | boolean, at: () => string): number {
    if (typeof raw === 'boolean') return this.number(raw ? 1 : 0, at);
    if (typeof raw === 'number') return this.number(raw, at);
    const text = raw.trim();
    if (text === '') throw new InvalidArgumentError(`${at()}: missing label`);
    const known = this.known?.get(text);
    if (known !== undefined) return known;
    if (isStrictNumber(text)) return this.number(Number(text), at);
    if (isRegression(this.options.loss)) {
      throw new InvalidArgumentError(`${at()}: label "${clipText(text)}" is not a number (loss ${this.options.loss} needs numeric targets)`);
    }
    if (this.known) {
      throw new InvalidArgumentError(`${at()}: label "${clipText(text)}" is not one of the run's labels (${listNames([...this.known.keys()])})`);
    }
    this.firstNameAt ??= at();
    this.checkNotMixed();
    let id = this.collected.get(text);
    if (id === undefined) {
      id = this.collected.size;
      this.collected.set(text, id);
    }
    return id;
  }

  /** Renumbers collected names in sorted order (in `labels`, in place) and returns the label names, if the data or the run has them. */
  finish(labels: Float32Array): string[] | undefined {
    if (this.options.names) return [...this.options.names];
    if (this.collected.size === 0) return undefined;
    const names = [...this.collected.keys()].sort();
    const remap = new Float32Array(this.collected.size);
    names.forEach((name, index) => (remap[this.collected.get(name)!] = index));
    for (let i = 0; i < labels.length; i++) labels[i] = remap[labels[i]];
    return names;
  }

  private number(value: number, at: () => string): number {
    if (!Number.isFinite(value)) throw new InvalidArgumentError(`${at()}: label ${value} is not a finite number`);
    if (!this.known) {
      this.firstNumberAt ??= at();
      this.checkNotMixed();
    }
    return value;
  }

  // Without a run label list, "3" and "cat" in one column cannot both be class ids: 3 could collide with cat's index.
  private checkNotMixed(): void {
    if (this.firstNumberAt !== undefined && this.firstNameAt !== undefined) {
      throw new InvalidArgumentError(
        `labels mix numbers (${this.firstNumberAt}) and class names (${this.firstNameAt}); give the run's label names (preprocessing.labels) or use one form`,
      );
    }
  }
}

// Number('') is 0, Number(' 1') is 1, Number('0x10') is 16: only a plain decimal literal counts.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether `text` is a plain decimal number (no hex, no Infinity or NaN, no spaces inside). */
export function isStrictNumber(text: string): boolean {
  return DECIMAL.test(text);
}

/** A value from a data file, shortened for an error message (it may be long, and it is the user's own data). */
export function clipText(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Up to 10 names, comma-separated, then how many more. */
export function listNames(names: string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, … ${names.length - 10} more` : names.join(', ');
}
