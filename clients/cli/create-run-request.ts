/**
 * `runs create` flags → CreateRunRequest. Single flags are already typed by
 * their parsers (flags.ts); this checks what spans flags and fills the wire
 * conventions (batch size "full" is 0 on the wire).
 */
import { InvalidArgumentError } from '../../common/errors';
import type { StrategyOptions } from '../../common/types';
import type { Preprocessing } from '../../common/model-definition';
import { toWirePreprocessing } from '../../common/model-definition-wire';
import type { CreateRunRequest } from '../../proto/gen/fedlink/v1/CreateRunRequest';
import { parseRunConfig, type RunConfigInput } from '../../services/coordinator/rpc/run-config-schema';
import { STRATEGY_OPTION_NAMES } from '../../services/coordinator/strategy/types';

/** Parsed flags of `fedlink runs create`. */
export interface CreateRunFlags extends StrategyOptions {
  rounds: number;
  clientsPerRound: number;
  /** @default half of clientsPerRound, rounded up */
  minClients?: number;
  localEpochs: number;
  batchSize: number | 'full';
  lr: number;
  /** Round deadline, ms. */
  deadline: number;
  strategy: string;
  model: string;
  evalData?: string;
  /** @default true */
  acceptFailures?: boolean;
  selection: string;
  /** Select up to ceil(clients-per-round × factor); the round commits once clients-per-round reported. @default 1 */
  overSelection?: number;
  /** 0 = off; else a client's deadline is dispatch + predicted × factor. @default 0 */
  clientDeadlineFactor?: number;
  /** Update encoding or 'auto'. @default 'float32' */
  compression?: string;
  /** Model broadcast encoding. @default 'float32' */
  downlink?: string;
  seed: number;
  maxRoundRetries: number;
  /** How long a round waits for enough connected clients, ms. */
  waitForClients: number;
  /** Central DP-FedAvg (both or neither). */
  dpNoise?: number;
  dpClip?: number;
  dpDelta?: number;
  dpTargetEpsilon?: number;
  /** The uploaded model's id (set by `runs create` after UploadModel); then `model` is ''. */
  modelUpload?: string;
  loss?: string;
  metrics?: string[];
  optimizer?: string;
  momentum?: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  /** Already read and checked (objective-flags.ts). */
  preprocessing?: Preprocessing;
  /** @default true */
  start?: boolean;
}

/** The minimum number of reporting clients when --min-clients is not given. */
export function defaultMinClients(clientsPerRound: number): number {
  return Math.max(1, Math.ceil(clientsPerRound / 2));
}

/**
 * Builds the request; throws InvalidArgumentError (one line) for combinations that cannot work,
 * including whatever the coordinator's run-config schema would refuse (an option the strategy does not take).
 */
export function buildCreateRunRequest(flags: CreateRunFlags): CreateRunRequest {
  const request = buildRequest(flags);
  // Every field this file sets is a number where the wire also allows a string.
  parseRunConfig(request.config as RunConfigInput);
  return request;
}

function buildRequest(flags: CreateRunFlags): CreateRunRequest {
  const minClients = flags.minClients ?? defaultMinClients(flags.clientsPerRound);
  if (minClients > flags.clientsPerRound) {
    throw new InvalidArgumentError(`--min-clients (${minClients}) must not exceed --clients-per-round (${flags.clientsPerRound})`);
  }
  if (!(flags.lr > 0) || !Number.isFinite(flags.lr)) throw new InvalidArgumentError(`--lr must be greater than 0, got ${flags.lr}`);
  const evalData = flags.evalData && flags.evalData !== 'none' ? flags.evalData : '';
  return {
    config: {
      rounds: flags.rounds,
      clientsPerRound: flags.clientsPerRound,
      minClients,
      train: {
        localEpochs: flags.localEpochs,
        batchSize: flags.batchSize === 'full' ? 0 : flags.batchSize,
        learningRate: flags.lr,
        seed: flags.seed,
      },
      roundDeadlineMs: flags.deadline,
      strategy: flags.strategy,
      model: flags.model,
      evalData,
      acceptFailures: flags.acceptFailures ?? true,
      selection: flags.selection,
      overSelection: flags.overSelection ?? 1,
      clientDeadlineFactor: flags.clientDeadlineFactor ?? 0,
      compression: flags.compression ?? 'float32',
      downlink: flags.downlink ?? 'float32',
      seed: flags.seed,
      maxRoundRetries: flags.maxRoundRetries,
      waitForClientsMs: flags.waitForClients,
      modelUpload: flags.modelUpload ?? '',
      objective: {
        loss: flags.loss ?? '',
        metrics: flags.metrics ?? [],
        optimizer: { name: flags.optimizer ?? '', momentum: flags.momentum, beta1: flags.adamBeta1, beta2: flags.adamBeta2, epsilon: flags.adamEpsilon },
      },
      preprocessing: toWirePreprocessing(flags.preprocessing),
      dpNoise: flags.dpNoise ?? 0,
      dpClip: flags.dpClip ?? 0,
      dpDelta: flags.dpDelta ?? 0,
      dpTargetEpsilon: flags.dpTargetEpsilon ?? 0,
      // Only the options given: the coordinator fills the strategy's defaults.
      ...Object.fromEntries(STRATEGY_OPTION_NAMES.filter((n) => flags[n] !== undefined).map((n) => [n, flags[n]])),
    },
    start: flags.start ?? true,
  };
}
