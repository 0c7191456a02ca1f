/**
 * Objective and preprocessing between the wire (common.proto) and the domain
 * (model-definition.ts), validated the same way wherever they arrive: in
 * CreateRun on the coordinator, in a task on the daemon, and in the CLI
 * before it sends a run.
 */
import type { ImagePreprocessing__Output } from '../proto/gen/fedlink/v1/ImagePreprocessing';
import type { Objective as WireObjective, Objective__Output } from '../proto/gen/fedlink/v1/Objective';
import type { Preprocessing as WirePreprocessing, Preprocessing__Output } from '../proto/gen/fedlink/v1/Preprocessing';
import { InvalidArgumentError } from './errors';
import { DEFAULT_OBJECTIVE, LOSSES, METRICS, OPTIMIZERS, type LossName, type MetricName, type Objective, type OptimizerName, type Preprocessing } from './model-definition';

/** Longest name (column, label) and most entries a preprocessing list may hold. */
const MAX_NAME = 256;
const MAX_ENTRIES = 100_000;

function oneOf<T extends string>(what: string, known: readonly T[], value: string): T {
  if (!(known as readonly string[]).includes(value)) throw new InvalidArgumentError(`unknown ${what} "${value.slice(0, 64)}" (known: ${known.join(', ')})`);
  return value as T;
}

function optionalIn(what: string, v: number | undefined | null, min: number, max: number, openMax = false): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!(Number.isFinite(v) && v >= min && (openMax ? v < max : v <= max))) throw new InvalidArgumentError(`${what} must be in [${min}, ${max}${openMax ? ')' : ']'}, got ${v}`);
  return v;
}

/** Wire objective → domain; unset fields take DEFAULT_OBJECTIVE's. Throws InvalidArgumentError naming the bad field. */
export function fromWireObjective(w: Objective__Output | null | undefined): Objective {
  if (!w) return structuredClone(DEFAULT_OBJECTIVE);
  const loss = w.loss ? oneOf<LossName>('loss', LOSSES, w.loss) : DEFAULT_OBJECTIVE.loss;
  // Unset metrics: accuracy for a classifier, mae for a regression (accuracy means nothing there).
  const regression = loss === 'mse' || loss === 'mae';
  const metrics = w.metrics?.length ? [...new Set(w.metrics.map((m) => oneOf<MetricName>('metric', METRICS, m)))] : regression ? (['mae'] as MetricName[]) : [...DEFAULT_OBJECTIVE.metrics];
  const o = w.optimizer;
  const name = o?.name ? oneOf<OptimizerName>('optimizer', OPTIMIZERS, o.name) : DEFAULT_OBJECTIVE.optimizer.name;
  const momentum = optionalIn('optimizer momentum', o?.momentum, 0, 1, true);
  const beta1 = optionalIn('adam beta1', o?.beta1, 0, 1, true);
  const beta2 = optionalIn('adam beta2', o?.beta2, 0, 1, true);
  const epsilon = optionalIn('adam epsilon', o?.epsilon, 0, 1);
  if (momentum !== undefined && name !== 'momentum') throw new InvalidArgumentError(`optimizer momentum applies to the momentum optimizer, not ${name}`);
  if ((beta1 ?? beta2 ?? epsilon) !== undefined && name !== 'adam') throw new InvalidArgumentError(`beta1, beta2 and epsilon apply to the adam optimizer, not ${name}`);
  return {
    loss,
    metrics,
    optimizer: { name, ...(momentum !== undefined && { momentum }), ...(beta1 !== undefined && { beta1 }), ...(beta2 !== undefined && { beta2 }), ...(epsilon !== undefined && { epsilon }) },
  };
}

/** Domain objective → wire. */
export function toWireObjective(o: Objective): WireObjective {
  return { loss: o.loss, metrics: o.metrics, optimizer: { ...o.optimizer } };
}

function names(what: string, list: readonly string[]): string[] {
  if (list.length > MAX_ENTRIES) throw new InvalidArgumentError(`${what} lists ${list.length} entries, at most ${MAX_ENTRIES}`);
  for (const n of list) if (n.length === 0 || n.length > MAX_NAME) throw new InvalidArgumentError(`${what} entries must be 1-${MAX_NAME} characters`);
  if (new Set(list).size !== list.length) throw new InvalidArgumentError(`${what} lists a name twice`);
  return [...list];
}

function numbers(what: string, list: readonly number[]): number[] {
  if (list.length > MAX_ENTRIES) throw new InvalidArgumentError(`${what} lists ${list.length} values, at most ${MAX_ENTRIES}`);
  if (!list.every(Number.isFinite)) throw new InvalidArgumentError(`${what} values must be finite numbers`);
  return [...list];
}

function image(w: ImagePreprocessing__Output): NonNullable<Preprocessing['image']> {
  const dim = (what: string, v: number) => {
    if (!(Number.isInteger(v) && v >= 1 && v <= 4096)) throw new InvalidArgumentError(`image ${what} must be an integer in 1..4096, got ${v}`);
    return v;
  };
  if (w.channels !== 1 && w.channels !== 3) throw new InvalidArgumentError(`image channels must be 1 or 3, got ${w.channels}`);
  return { height: dim('height', w.height), width: dim('width', w.width), channels: w.channels, normalize: w.normalize };
}

/** Wire preprocessing → domain (undefined when it says nothing). Throws InvalidArgumentError naming the bad field. */
export function fromWirePreprocessing(w: Preprocessing__Output | null | undefined): Preprocessing | undefined {
  if (!w) return undefined;
  const p: Preprocessing = {};
  if (w.labelColumn) p.labelColumn = names('label column', [w.labelColumn])[0];
  if (w.featureColumns?.length) p.featureColumns = names('feature columns', w.featureColumns);
  if (w.shift?.length) p.shift = numbers('shift', w.shift);
  if (w.divide?.length) {
    p.divide = numbers('divide', w.divide);
    if (p.divide.some((d) => d === 0)) throw new InvalidArgumentError('divide values must not be 0');
  }
  if (p.shift && p.divide && p.shift.length !== p.divide.length && p.shift.length !== 1 && p.divide.length !== 1) {
    throw new InvalidArgumentError(`shift has ${p.shift.length} values and divide ${p.divide.length}: give one each, or one per feature`);
  }
  if (w.image) p.image = image(w.image);
  if (w.labels?.length) p.labels = names('labels', w.labels);
  return Object.keys(p).length ? p : undefined;
}

/** Domain preprocessing → wire. */
export function toWirePreprocessing(p: Preprocessing | undefined): WirePreprocessing | null {
  if (!p) return null;
  return { labelColumn: p.labelColumn ?? '', featureColumns: p.featureColumns ?? [], shift: p.shift ?? [], divide: p.divide ?? [], image: p.image ?? null, labels: p.labels ?? [] };
}
