/**
 * Aggregation strategies by the name `--strategy` uses. The CLI's choices and
 * flags, the run-config schema and the README table all derive from this list.
 */
import { InvalidArgumentError } from '../../../common/errors';
import type { StrategyOptions } from '../../../common/types';
import { fedadagradStrategy } from './fedadagrad';
import { fedadamStrategy } from './fedadam';
import { fedavgStrategy } from './fedavg';
import { fedavgmStrategy } from './fedavgm';
import { fedproxStrategy } from './fedprox';
import { fedyogiStrategy } from './fedyogi';
import type { Strategy, StrategyOptionName } from './types';

const ALL: Strategy[] = [fedavgStrategy, fedavgmStrategy, fedproxStrategy, fedadamStrategy, fedyogiStrategy, fedadagradStrategy];

/** Every strategy by name. */
export const STRATEGIES: ReadonlyMap<string, Strategy> = new Map(ALL.map((s) => [s.name, s]));

/** Names `--strategy` accepts, in registry order. */
export const STRATEGY_NAMES: readonly string[] = ALL.map((s) => s.name);

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

/** The options a strategy takes, in the order it lists them. */
export function optionsOf(name: string): StrategyOptionName[] {
  return Object.keys(strategy(name).defaults) as StrategyOptionName[];
}

/** `given` completed with the strategy's defaults (only the options it takes). */
export function withDefaults(name: string, given: StrategyOptions = {}): StrategyOptions {
  const out: StrategyOptions = {};
  for (const o of optionsOf(name)) out[o] = given[o] ?? strategy(name).defaults[o];
  return out;
}
