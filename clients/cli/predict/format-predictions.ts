/**
 * Model outputs → what `fedlink model predict` prints: for a classifier the
 * top-k label names (from the run's preprocessing, else the class index) with
 * their probabilities, for a binary classifier the likelier class and its
 * probability, for regression the values. One text line or one JSON object per
 * input.
 */
import { stripControl } from '../../../common/sanitize';
import type { OutputKind } from '../model-defaults';

/** One class and its probability. */
export interface ClassScore {
  label: string;
  index: number;
  probability: number;
}

/** The prediction for one input. */
export type Prediction = { input: string; round: number; version: string } & ({ top: ClassScore[] } | { values: number[] });

/** How the outputs are read and shown. */
export interface FormatOptions {
  kind: OutputKind;
  /** Class names in output order; absent: the class index is the label. */
  labels?: string[];
  /** Classes shown per input (classifiers). @default 1 */
  top?: number;
}

function labelOf(labels: string[] | undefined, index: number): string {
  return labels?.[index] ?? String(index);
}

/** Reads one input's outputs (`row`, as the model gave them). */
export function readPrediction(row: ArrayLike<number>, options: FormatOptions): { top: ClassScore[] } | { values: number[] } {
  const values = Array.from(row);
  if (options.kind === 'values') return { values };
  const k = Math.max(1, options.top ?? 1);
  if (options.kind === 'binary' && values.length === 1) {
    // One sigmoid output: the probability of class 1.
    const p = values[0];
    const both: ClassScore[] = [
      { label: labelOf(options.labels, 1), index: 1, probability: p },
      { label: labelOf(options.labels, 0), index: 0, probability: 1 - p },
    ];
    return { top: both.sort((a, b) => b.probability - a.probability).slice(0, k) };
  }
  const ranked = values.map((probability, index) => ({ label: labelOf(options.labels, index), index, probability }));
  ranked.sort((a, b) => b.probability - a.probability || a.index - b.index);
  return { top: ranked.slice(0, k) };
}

function num(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** The text line of one prediction: "row 3: Ankle boot 0.9731, Sneaker 0.0211" or "row 3: 0.4213". */
export function predictionLine(p: Prediction): string {
  const body = 'top' in p ? p.top.map((c) => `${c.label} ${c.probability.toFixed(4)}`).join(', ') : p.values.map(num).join(', ');
  // File names and label names are the user's text: nothing in them may steer the terminal.
  return stripControl(`${p.input}: ${body}`);
}

/** The JSON line of one prediction. */
export function predictionJson(p: Prediction): string {
  return JSON.stringify(p);
}
