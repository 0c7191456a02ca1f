/**
 * Aggregation strategies by the name `--strategy` uses. The CLI's choices and
 * flags, the run-config schema and the table in docs/scheduling.md all derive from this list.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { StrategyOptions } from '../../../common/types';
import { fedadagradStrategy } from './fedadagrad';
import { fedadamStrategy } from './fedadam';
import { fedavgStrategy } from './fedavg';
import { fedavgmStrategy } from './fedavgm';
import { fedproxStrategy } from './fedprox';
import { fedyogiStrategy } from './fedyogi';
import { krumStrategy } from './krum';
import { medianStrategy } from './median';
import { multiKrumStrategy } from './multi-krum';
import { normBoundStrategy } from './norm-bound';
import { trimmedMeanStrategy } from './trimmed-mean';
import { optionRange, inOptionRange, STRATEGY_OPTION_NAMES, STRATEGY_OPTIONS, type Strategy, type StrategyOptionName } from './types';

const ALL: Strategy[] = [
  fedavgStrategy, fedavgmStrategy, fedproxStrategy, fedadamStrategy, fedyogiStrategy, fedadagradStrategy,
  medianStrategy, trimmedMeanStrategy, krumStrategy, multiKrumStrategy, normBoundStrategy,
];

/** Every strategy by name. */
export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map(ALL.map((s) => [s.name, s]));

/** Names `--strategy` accepts, in registry order. */
export const STRATEGY_NAMES: readonly string[] = ALL.map((s) => s.name);

/** Options every strategy takes (a norm bound). */
const GENERAL_OPTIONS = STRATEGY_OPTION_NAMES.filter((n) => STRATEGY_OPTIONS[n].anyStrategy);

/** True when `name` is a known strategy. */
export function isStrategy(name: string): boolean {
  return STRATEGIES.has(name);
}

/** The strategy called `name`; InvalidArgumentError listing the known ones otherwise. */
export function strategy(name: string): Strategy {
  const s = STRATEGIES.get(name);
  if (!s) throw new InvalidArgumentError(`unknown strategy "${name}" (known: ${STRATEGY_NAMES.join(', ')})`);
  return s;
}

/** `median`, `trimmed-mean:0.2`, `multi-krum:4:12` as the spec reads it: the name, and the options its positions set. */
export function parseStrategySpec(spec: string): { name: string; options: StrategyOptions } {
  const [name, ...values] = spec.split(':');
  const s = strategy(name);
  const positional = s.positional ?? [];
  const usage = `${name}${positional.map((p) => `:<${STRATEGY_OPTIONS[p].wire}>`).join('')}`;
  if (values.length > positional.length) {
    throw new InvalidArgumentError(positional.length ? `strategy "${spec}": expected ${usage}` : `strategy ${name} takes no parameters in its name, got "${spec}"`);
  }
  const options: StrategyOptions = {};
  values.forEach((text, i) => {
    const option = positional[i];
    const range = STRATEGY_OPTIONS[option];
    const value = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
    if (!inOptionRange(range, value)) throw new InvalidArgumentError(`strategy "${spec}": ${range.wire} must be ${optionRange(range)}, got "${text}" (expected ${usage})`);
    options[option] = value;
  });
  return { name, options };
}

/** The options a strategy takes: its own, in the order it lists them, then those every strategy takes. */
export function optionsOf(name: string): StrategyOptionName[] {
  const own = Object.keys(strategy(name).defaults) as StrategyOptionName[];
  const positional = strategy(name).positional ?? [];
  return [...new Set([...own, ...positional, ...GENERAL_OPTIONS])];
}

/** `given` completed with the strategy's defaults (only the options it takes; one without a default stays unset). */
export function withDefaults(name: string, given: StrategyOptions = {}): StrategyOptions {
  const out: StrategyOptions = {};
  for (const o of optionsOf(name)) {
    const v = given[o] ?? strategy(name).defaults[o];
    if (v !== undefined) out[o] = v;
  }
  return out;
}
