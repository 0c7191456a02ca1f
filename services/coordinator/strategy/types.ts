/**
 * Contract of the aggregation strategies. A strategy acts once per round, at
 * commit, in two steps:
 *
 *  1. aggregate: how the round's accepted updates become one model. By
 *     default the example-weighted mean, folded straight from the uploads'
 *     journals (streaming-fedavg.ts), which the strategy never sees. A robust
 *     strategy brings its own rule instead (`aggregate`), which reads every
 *     update whole, spooled to disk (aggregation/dense-updates.ts).
 *  2. commit: the server step from that aggregate, the model the round
 *     trained from and the strategy's own server state to the next global
 *     model (identity for FedAvg and the robust rules; an optimiser step for
 *     FedAvgM and FedAdam/FedYogi/FedAdagrad).
 *
 * Both are pure functions of their inputs, so a resumed run that restores the
 * state from its checkpoint commits bit-identical models.
 */
import type { StrategyOptions, TrainConfig } from '../../../common/types';
import type { DenseUpdates } from '../aggregation/dense-updates';

/** Names of the options a strategy may take (fields of StrategyOptions). */
export type StrategyOptionName = keyof StrategyOptions;

/**
 * A strategy's server state: vectors as long as the model (momentum, Adam's m
 * and v) and scalars. Persisted with the checkpoint it produced; never mutated
 * once returned (the next round returns new vectors), so a commit that fails
 * leaves the previous state intact.
 */
export interface StrategyState {
  vectors: Record<string, Float32Array>;
  scalars: Record<string, number>;
}

/** What a strategy sees at commit. */
export interface CommitInput {
  /** The global model the round trained from (x_t). */
  previous: Float32Array;
  /** The example-weighted average of the round's accepted updates (FedAvg's result). */
  average: Float32Array;
  /** Examples behind the average (Σ n_k). */
  examples: number;
  /** Accepted updates behind the average. */
  updates: number;
  /** The round being committed, from 1. */
  round: number;
  /** What this strategy returned at the previous commit; undefined before the first. */
  state: StrategyState | undefined;
}

/** What a robust rule returns: the round's aggregate, metrics, and one line for `rounds show`. */
export interface AggregateResult {
  values: Float32Array;
  /** Finite numbers, named in snake_case. */
  metrics: Record<string, number>;
  /** What the rule did, e.g. which updates Krum kept. */
  note: string;
}

/** What a strategy returns: the next global model, metrics for the round record, its new state. */
export interface CommitResult {
  weights: Float32Array;
  /** Finite numbers, named in snake_case (they go to the round record and the log). */
  metrics: Record<string, number>;
  /** Undefined: the strategy keeps no state (nothing is persisted). */
  state?: StrategyState;
}

/**
 * An aggregation strategy: its name, what it does and where it comes from, the
 * options it takes with their defaults, and the commit step. `Opts` is the
 * exact option record it reads; the run-config schema fills every one of them.
 */
export interface Strategy<Opts extends Partial<Record<StrategyOptionName, number>> = Partial<Record<StrategyOptionName, number>>> {
  readonly name: string;
  /** One line for `--strategy` help and the docs. */
  readonly help: string;
  /** Paper and reference implementation the maths and defaults follow. */
  readonly source: string;
  /** The options it takes, with their defaults. An option not listed here (nor taken by every strategy) is refused. */
  readonly defaults: Opts;
  /** Options the `--strategy` spec may give by position, in order (`trimmed-mean:0.2`, `multi-krum:4:12`). */
  readonly positional?: readonly StrategyOptionName[];
  /** Options without a default that must be given (`norm-bound:<C>`). */
  readonly required?: readonly StrategyOptionName[];
  /** A rule that replaces the example-weighted mean, reading every accepted update whole (clipped to the norm bound, if any). */
  aggregate?(updates: DenseUpdates, options: Opts): AggregateResult;
  /** The fewest accepted updates the rule is defined for (Krum: 2f + 3); a round with fewer fails. */
  minUpdates?(options: Opts): number;
  /** The next global model (must not modify its inputs). */
  commit(input: CommitInput, options: Opts): CommitResult;
  /** What this strategy adds to the clients' training config (FedProx's μ); undefined for none. */
  train?(options: Opts): Partial<TrainConfig>;
}

/** How an option is named on the wire and the command line, what it means and its valid range. */
export interface StrategyOptionSpec {
  /** RunConfig field in control.proto. */
  wire: string;
  /** `fedlink runs create` flag. */
  flag: string;
  help: string;
  min: number;
  /** Upper bound; inclusive unless maxExclusive. */
  max: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  /** Whole numbers only. */
  integer?: boolean;
  /** Every strategy takes it (without a default: unset means off). */
  anyStrategy?: boolean;
}

/** Every strategy option: wire field, flag, help, range. */
export const STRATEGY_OPTIONS: Record<StrategyOptionName, StrategyOptionSpec> = {
  serverLr: { wire: 'server_lr', flag: '--server-lr', help: 'server learning rate η', min: 0, max: 100, minExclusive: true },
  serverMomentum: { wire: 'server_momentum', flag: '--server-momentum', help: 'server momentum β', min: 0, max: 1, maxExclusive: true },
  beta1: { wire: 'beta1', flag: '--beta1', help: 'first-moment decay β1', min: 0, max: 1, maxExclusive: true },
  beta2: { wire: 'beta2', flag: '--beta2', help: 'second-moment decay β2', min: 0, max: 1, maxExclusive: true },
  tau: { wire: 'tau', flag: '--tau', help: 'adaptivity τ, added to √v', min: 0, max: 10, minExclusive: true },
  proximalMu: { wire: 'proximal_mu', flag: '--proximal-mu', help: 'proximal term μ clients add to their loss', min: 0, max: 1000, minExclusive: true },
  trimRatio: { wire: 'trim_ratio', flag: '--trim-ratio', help: 'trim ratio β: fraction of values cut from each end of every parameter', min: 0, max: 0.5, maxExclusive: true },
  byzantine: { wire: 'byzantine', flag: '--byzantine', help: 'Byzantine clients f Krum tolerates', min: 0, max: 10_000, integer: true },
  krumSelect: { wire: 'krum_select', flag: '--krum-select', help: 'updates m Multi-Krum keeps and averages', min: 1, max: 100_000, integer: true },
  normBound: {
    wire: 'norm_bound', flag: '--norm-bound', help: "norm bound C: clip every update's L2 distance from the global model to C (any strategy)", min: 0, max: 1e30, minExclusive: true,
    anyStrategy: true,
  },
};

/** The option names, in STRATEGY_OPTIONS order. */
export const STRATEGY_OPTION_NAMES = Object.keys(STRATEGY_OPTIONS) as StrategyOptionName[];

/** "in (0, 1)", "in [0, 1)", "an integer in [1, 100000]", … for messages and help. */
export function optionRange(spec: StrategyOptionSpec): string {
  return `${spec.integer ? 'an integer in' : 'in'} ${spec.minExclusive ? '(' : '['}${spec.min}, ${spec.max}${spec.maxExclusive ? ')' : ']'}`;
}

/** Whether `value` is a finite number inside the option's range (and whole, if it must be). */
export function inOptionRange(spec: StrategyOptionSpec, value: number): boolean {
  if (!Number.isFinite(value) || (spec.integer && !Number.isInteger(value))) return false;
  const aboveMin = spec.minExclusive ? value > spec.min : value >= spec.min;
  const belowMax = spec.maxExclusive ? value < spec.max : value <= spec.max;
  return aboveMin && belowMax;
}
