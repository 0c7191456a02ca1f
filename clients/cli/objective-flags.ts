/** `runs create` flags for a run's objective and preprocessing: list parsers and the preprocessing file. */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError as FlagError } from 'commander';
import { InvalidArgumentError } from '../../common/errors';
import { METRICS, type MetricName, type Preprocessing } from '../../common/model-definition';
import { fromWirePreprocessing } from '../../common/model-definition-wire';
import type { Preprocessing__Output } from '../../proto/gen/fedlink/v1/Preprocessing';

/** "a,b,c" → names, none empty. */
export function nameList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new FlagError('expected comma-separated names, none empty');
  return names;
}

/** "accuracy,mae" → metric names from the one list. */
export function metricList(text: string): MetricName[] {
  const names = nameList(text);
  const unknown = names.filter((n) => !(METRICS as readonly string[]).includes(n));
  if (unknown.length) throw new FlagError(`unknown metric ${unknown.join(', ')} (known: ${METRICS.join(', ')})`);
  return names as MetricName[];
}

/** The flags that make up a run's preprocessing. */
export interface PreprocessingFlags {
  preprocessing?: string | Preprocessing;
  labels?: string[];
  labelColumn?: string;
  featureColumns?: string[];
}

/** The run's preprocessing: the file's, overridden by the single flags; undefined when none is given. */
export async function readPreprocessing(flags: PreprocessingFlags): Promise<Preprocessing | undefined> {
  let base: Partial<Preprocessing__Output> = {};
  if (typeof flags.preprocessing === 'string') {
    let text: string;
    try {
      text = await readFile(flags.preprocessing, 'utf8');
    } catch (err) {
      throw new InvalidArgumentError(`cannot read --preprocessing ${flags.preprocessing}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      base = JSON.parse(text) as Partial<Preprocessing__Output>;
    } catch (err) {
      throw new InvalidArgumentError(`--preprocessing ${flags.preprocessing} is not JSON: ${(err as Error).message}`);
    }
    if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new InvalidArgumentError(`--preprocessing ${flags.preprocessing} must hold one JSON object`);
    const known = ['labelColumn', 'featureColumns', 'shift', 'divide', 'image', 'labels'];
    const extra = Object.keys(base).filter((k) => !known.includes(k));
    if (extra.length) throw new InvalidArgumentError(`--preprocessing ${flags.preprocessing}: unknown field ${extra.join(', ')} (known: ${known.join(', ')})`);
  }
  const merged: Preprocessing__Output = {
    labelColumn: flags.labelColumn ?? base.labelColumn ?? '',
    featureColumns: flags.featureColumns ?? base.featureColumns ?? [],
    shift: base.shift ?? [],
    divide: base.divide ?? [],
    image: base.image ? { height: base.image.height ?? 0, width: base.image.width ?? 0, channels: base.image.channels ?? 0, normalize: base.image.normalize ?? false } : null,
    labels: flags.labels ?? base.labels ?? [],
  };
  try {
    return fromWirePreprocessing(merged);
  } catch (err) {
    throw new InvalidArgumentError(`preprocessing: ${(err as Error).message}`);
  }
}
