/**
 * The one schema a requested run configuration passes (CreateRun, and the CLI
 * before it sends one): wire conventions (proto3 zero or unset means "the
 * default"), every range, the checks that span fields, the strategy and its
 * options from the strategy registry, and the defaults filled in, so the stored
 * RunConfig is complete. Messages name the wire field (and the flag, for
 * strategy options): they surface as INVALID_ARGUMENT.
 */
import { DATA_KINDS } from '../../../clients/trainer/data/readers';
import { z } from 'zod';
import { InvalidArgumentError } from '../../../common/errors';
import type { ModelName, PrivacyConfig, RunConfig, SelectionPolicyName, StrategyOptions } from '../../../common/types';
import { fromWireObjective, fromWirePreprocessing } from '../../../common/model-definition-wire';
import type { Objective__Output } from '../../../proto/gen/fedlink/v1/Objective';
import type { Preprocessing__Output } from '../../../proto/gen/fedlink/v1/Preprocessing';
import { checkCompressionPolicy } from '../compression/choose-encoding';
import { SELECTION_POLICIES } from '../selection/types';
import { optionsOf, parseStrategySpec, strategy as strategyNamed, withDefaults } from '../strategy/registry';
import { inOptionRange, optionRange, STRATEGY_OPTION_NAMES, STRATEGY_OPTIONS, type StrategyOptionName } from '../strategy/types';

const MODELS: readonly ModelName[] = ['mlp', 'cnn'];
const EVAL_DATA = ['fashion-mnist-test'] as const;
/** Readers the coordinator may use on its own files for server-side evaluation. */
const SERVER_DATA_KINDS = DATA_KINDS.filter((k) => k !== 'module');

/** Defaults for fields a CreateRun request leaves at zero or unset. */
export const RUN_DEFAULTS = {
  rounds: 10,
  clientsPerRound: 5,
  localEpochs: 1,
  batchSize: 32,
  learningRate: 0.05,
  roundDeadlineMs: 120_000,
  maxRoundRetries: 2,
  waitForClientsMs: 60_000,
  seed: 42,
  acceptFailures: true,
  strategy: 'fedavg',
  selection: 'random',
  model: 'mlp',
} as const;

type Ctx = z.RefinementCtx;

function fail(ctx: Ctx, message: string): never {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER as never;
}

/** A positive integer in 1..max; zero or unset is `fallback`. */
const positiveInt = (field: string, max: number, fallback: number) =>
  z.number().optional().transform((v, ctx) => {
    const n = v || fallback;
    return Number.isInteger(n) && n >= 1 && n <= max ? n : fail(ctx, `${field} must be an integer in 1..${max}, got ${n}`);
  });

/** One of `known`; empty or unset is `fallback`. */
const oneOf = <T extends string>(what: string, known: readonly T[], fallback: T) =>
  z.string().optional().transform((v, ctx): T => {
    const name = v || fallback;
    return (known as readonly string[]).includes(name) ? (name as T) : fail(ctx, `unknown ${what} "${name}" (known: ${known.join(', ')})`);
  });

/** A strategy option: unset is "the strategy's default"; a value must be in the option's range. */
const strategyOption = (name: StrategyOptionName) =>
  z.number().optional().transform((v, ctx) => {
    const spec = STRATEGY_OPTIONS[name];
    if (v === undefined || inOptionRange(spec, v)) return v;
    return fail(ctx, `${spec.wire} (${spec.flag}) must be ${optionRange(spec)}, got ${v}`);
  });

/** A DP setting: unset or 0 is "not given"; else a finite number in (min, max] (or (min, max) when `open`). */
const dpNumber = (field: string, min: number, max: number, open = false) =>
  z.number().optional().transform((v, ctx) => {
    if (!v) return undefined;
    return Number.isFinite(v) && v > min && (open ? v < max : v <= max) ? v : fail(ctx, `${field} must be in (${min}, ${max}${open ? ')' : ']'}, got ${v}`);
  });

/** Default δ: far below 1/N for any fleet this coordinator runs. */
export const DEFAULT_DP_DELTA = 1e-5;

/** The run's DP settings, or undefined when it asks for none; refuses half a configuration. */
function privacyOf(w: { dpNoise?: number; dpClip?: number; dpDelta?: number; dpTargetEpsilon?: number }, ctx: Ctx): PrivacyConfig | undefined {
  const any = w.dpNoise !== undefined || w.dpClip !== undefined || w.dpDelta !== undefined || w.dpTargetEpsilon !== undefined;
  if (!any) return undefined;
  if (w.dpNoise === undefined || w.dpClip === undefined) return fail(ctx, 'differential privacy needs both dp_noise (--dp-noise σ) and dp_clip (--dp-clip C)');
  return { noise: w.dpNoise, clip: w.dpClip, delta: w.dpDelta ?? DEFAULT_DP_DELTA, ...(w.dpTargetEpsilon !== undefined && { targetEpsilon: w.dpTargetEpsilon }) };
}

const trainSchema = z
  .object({
    localEpochs: positiveInt('local_epochs', 10_000, RUN_DEFAULTS.localEpochs),
    // 0 on the wire is "full": one batch of the whole local partition.
    batchSize: z.number().optional(),
    learningRate: z.number().optional().transform((v, ctx) => {
      const lr = v || RUN_DEFAULTS.learningRate;
      return lr > 0 && Number.isFinite(lr) && lr <= 100 ? lr : fail(ctx, `learning_rate must be in (0, 100], got ${lr}`);
    }),
    seed: z.number().optional(),
  })
  .nullish();

const strategyOptionShape = Object.fromEntries(STRATEGY_OPTION_NAMES.map((n) => [n, strategyOption(n)])) as { [K in StrategyOptionName]: ReturnType<typeof strategyOption> };

/** Wire RunConfig (CreateRun's, or the one the CLI is about to send) → complete domain RunConfig. */
export const runConfigSchema = z
  .object({
    rounds: positiveInt('rounds', 1_000_000, RUN_DEFAULTS.rounds),
    clientsPerRound: positiveInt('clients_per_round', 100_000, RUN_DEFAULTS.clientsPerRound),
    minClients: z.number().optional(),
    train: trainSchema,
    roundDeadlineMs: positiveInt('round_deadline_ms', 7 * 24 * 3_600_000, RUN_DEFAULTS.roundDeadlineMs),
    // A name, or a name with its parameters (`trimmed-mean:0.2`): stored as the name and options.
    strategy: z.string().optional().transform((v, ctx) => {
      try {
        return parseStrategySpec(v || RUN_DEFAULTS.strategy);
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
    }),
    // A built-in name, or (with model_upload) the uploaded model's label, filled in at creation.
    model: z.string().optional(),
    modelUpload: z.string().optional().transform((v, ctx) => {
      if (!v) return undefined;
      return /^model-[0-9a-f]{24}$/.test(v) ? v : fail(ctx, `model_upload "${v.slice(0, 64)}" is not an upload id (model-<24 hex>)`);
    }),
    objective: z.custom<Objective__Output | null | undefined>().transform((v, ctx) => {
      try {
        return fromWireObjective(v);
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
    }),
    preprocessing: z.custom<Preprocessing__Output | null | undefined>().transform((v, ctx) => {
      try {
        return fromWirePreprocessing(v);
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
    }),
    // The built-in test split, or the data readers' spec of a file on the coordinator (never a data module: no user code runs there).
    evalData: z.string().optional().transform((v, ctx) => {
      if (!v) return undefined;
      if ((EVAL_DATA as readonly string[]).includes(v)) return v;
      const kind = v.slice(0, Math.max(0, v.indexOf(':')));
      if (!SERVER_DATA_KINDS.includes(kind) || v.length > 4096) {
        return fail(ctx, `unknown eval data "${v.slice(0, 64)}" (known: ${EVAL_DATA.join(', ')}, or ${SERVER_DATA_KINDS.map((k) => `${k}:<path>`).join(', ')} on the coordinator)`);
      }
      return v;
    }),
    acceptFailures: z.boolean().optional().transform((v) => v ?? RUN_DEFAULTS.acceptFailures),
    selection: oneOf<SelectionPolicyName>('selection policy', SELECTION_POLICIES, RUN_DEFAULTS.selection),
    seed: z.number().optional().transform((v, ctx) => {
      const seed = v ?? RUN_DEFAULTS.seed;
      return Number.isInteger(seed) && seed >= 0 && seed <= 0xffff_ffff ? seed : fail(ctx, `seed must be an integer in 0..4294967295, got ${seed}`);
    }),
    maxRoundRetries: z.number().optional().transform((v, ctx) => {
      const n = v ?? RUN_DEFAULTS.maxRoundRetries;
      return Number.isInteger(n) && n >= 0 && n <= 1000 ? n : fail(ctx, `max_round_retries must be an integer in 0..1000, got ${n}`);
    }),
    waitForClientsMs: z.number().optional().transform((v) => v || RUN_DEFAULTS.waitForClientsMs),
    overSelection: z.number().optional().transform((v, ctx) => {
      const f = v || 1;
      return f >= 1 && f <= 10 ? f : fail(ctx, `over_selection must be in [1, 10], got ${f}`);
    }),
    clientDeadlineFactor: z.number().optional().transform((v, ctx) => {
      const f = v || 0;
      return f === 0 || (f >= 1 && f <= 100) ? f : fail(ctx, `client_deadline_factor must be 0 (off) or in [1, 100], got ${f}`);
    }),
    compression: z.string().optional().transform((v, ctx) => {
      try {
        return checkCompressionPolicy(v ?? '');
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
    }),
    downlink: z.string().optional().transform((v, ctx) => {
      if (!v || v === 'float32') return 'float32' as const;
      return v === 'float16' ? ('float16' as const) : fail(ctx, `unknown downlink encoding "${v}" (use float32 or float16)`);
    }),
    ...strategyOptionShape,
    dpNoise: dpNumber('dp_noise (--dp-noise)', 0, 1000),
    dpClip: dpNumber('dp_clip (--dp-clip)', 0, 1e30),
    dpDelta: dpNumber('dp_delta (--dp-delta)', 0, 1, true),
    dpTargetEpsilon: dpNumber('dp_target_epsilon (--dp-target-epsilon)', 0, 1e6),
  })
  .transform((w, ctx): RunConfig => {
    const minClients = w.minClients || Math.max(1, Math.ceil(w.clientsPerRound / 2));
    if (!Number.isInteger(minClients) || minClients < 1 || minClients > 100_000) fail(ctx, `min_clients must be an integer in 1..100000, got ${minClients}`);
    if (minClients > w.clientsPerRound) fail(ctx, `min_clients (${minClients}) must not exceed clients_per_round (${w.clientsPerRound})`);
    const { name: strategyName, options: inSpec } = w.strategy;
    const takes = optionsOf(strategyName);
    const given: StrategyOptions = { ...inSpec };
    for (const name of STRATEGY_OPTION_NAMES) {
      if (w[name] === undefined) continue;
      const spec = STRATEGY_OPTIONS[name];
      if (!takes.includes(name)) {
        const own = takes.filter((t) => !STRATEGY_OPTIONS[t].anyStrategy);
        const which = own.length ? `it takes ${own.map((t) => STRATEGY_OPTIONS[t].wire).join(', ')}` : 'it takes no options of its own';
        fail(ctx, `${spec.wire} (${spec.flag}) does not apply to strategy ${strategyName}; ${which}`);
      }
      if (inSpec[name] !== undefined && inSpec[name] !== w[name]) fail(ctx, `${spec.wire} is ${inSpec[name]} in the strategy "${strategyName}:…" but ${w[name]} in ${spec.flag}`);
      given[name] = w[name];
    }
    const chosen = strategyNamed(strategyName);
    const options = withDefaults(strategyName, given);
    for (const name of chosen.required ?? []) {
      if (options[name] === undefined) fail(ctx, `strategy ${strategyName} needs ${STRATEGY_OPTIONS[name].wire}: write ${strategyName}:<${STRATEGY_OPTIONS[name].wire}> or give ${STRATEGY_OPTIONS[name].flag}`);
    }
    const needs = chosen.minUpdates?.(options as never);
    if (needs !== undefined && minClients < needs) {
      fail(ctx, `strategy ${strategyName} with byzantine ${options.byzantine} needs at least ${needs} updates per round (2f + 3); min_clients is ${minClients}`);
    }
    if (options.krumSelect !== undefined && options.byzantine !== undefined && options.krumSelect > w.clientsPerRound - options.byzantine) {
      fail(ctx, `krum_select (${options.krumSelect}) must not exceed clients_per_round − byzantine (${w.clientsPerRound - options.byzantine})`);
    }
    const privacy = privacyOf(w, ctx);
    if (privacy && chosen.aggregate) fail(ctx, `DP noise is calibrated for the clipped mean; strategy ${strategyName} aggregates otherwise (use a mean-based strategy: fedavg, fedavgm, fedprox, fedadam, fedyogi, fedadagrad)`);
    if (privacy && options.normBound !== undefined) fail(ctx, 'norm_bound (--norm-bound) and DP clipping (--dp-clip) both clip updates: give only --dp-clip');
    let model = w.model || (w.modelUpload ? '' : RUN_DEFAULTS.model);
    if (!w.modelUpload && !(MODELS as readonly string[]).includes(model)) fail(ctx, `unknown model "${model}" (known: ${MODELS.join(', ')}; or upload one: runs create --model path/to/model.json)`);
    if (w.modelUpload && model && (MODELS as readonly string[]).includes(model)) model = '';
    // The built-ins end in a 10-way softmax: only the two cross-entropies fit them.
    if (!w.modelUpload && !w.objective.loss.endsWith('categorical-crossentropy')) fail(ctx, `loss ${w.objective.loss} does not fit the built-in model ${model} (a 10-class softmax): use sparse-categorical-crossentropy or a model of your own`);
    const t = w.train;
    const batch = t?.batchSize;
    if (t && batch !== 0 && batch !== undefined && !(Number.isInteger(batch) && batch >= 1 && batch <= 1_000_000)) {
      fail(ctx, `batch_size must be an integer in 1..1000000, got ${batch}`);
    }
    return {
      rounds: w.rounds,
      clientsPerRound: w.clientsPerRound,
      minClients,
      train: {
        localEpochs: t?.localEpochs ?? RUN_DEFAULTS.localEpochs,
        batchSize: t && batch === 0 ? 'full' : batch || RUN_DEFAULTS.batchSize,
        learningRate: t?.learningRate ?? RUN_DEFAULTS.learningRate,
        seed: t?.seed || w.seed,
      },
      roundDeadlineMs: w.roundDeadlineMs,
      strategy: strategyName,
      strategyOptions: options,
      model,
      ...(w.modelUpload && { modelUpload: w.modelUpload }),
      objective: w.objective,
      ...(w.preprocessing && { preprocessing: w.preprocessing }),
      evalData: w.evalData,
      acceptFailures: w.acceptFailures,
      selection: w.selection,
      overSelection: w.overSelection,
      clientDeadlineFactor: w.clientDeadlineFactor,
      compression: w.compression,
      downlink: w.downlink,
      ...(privacy && { privacy }),
      seed: w.seed,
      maxRoundRetries: w.maxRoundRetries,
      waitForClientsMs: w.waitForClientsMs,
    };
  });

/** The input the schema takes: a wire RunConfig as received or as about to be sent. */
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Validates a requested run configuration and fills in defaults; InvalidArgumentError naming the first bad field. */
export function parseRunConfig(w: RunConfigInput | null | undefined): RunConfig {
  if (!w) throw new InvalidArgumentError('config is required');
  const result = runConfigSchema.safeParse(w);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // Custom issues carry their own sentence; a wrong type (NaN, or a hand-made object) gets its wire field name.
  if (issue.code === 'custom') throw new InvalidArgumentError(issue.message);
  const field = issue.path.map((p) => String(p).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).join('.');
  throw new InvalidArgumentError(`${field || 'config'}: ${issue.message}`);
}
