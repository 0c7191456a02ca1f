/**
 * Domain types shared by coordinator, daemon, trainer and CLI. Generated wire
 * types stay at the rpc edge; these are what the rest of the code works on.
 */
import type { Objective, Preprocessing } from './model-definition';

/** Identifier of a training run ("run-…"). */
export type RunId = string;
/** Identifier of an edge client, chosen by the client and bound to its credentials. */
export type ClientId = string;

/** Name and shape of one weight tensor, in the order the model lists its weights. */
export interface TensorShape {
  name: string;
  shape: number[];
}

/** Registry names of the model architectures both sides can build. */
export type ModelName = 'mlp' | 'cnn';

/** Everything needed to build the same model on both sides. */
export interface ModelSpec {
  /** A built-in ModelName, or the label of a user's model (with `topology`). */
  name: string;
  inputShape: number[];
  numClasses: number;
  tensors: TensorShape[];
  /** A user's model: its TFJS Layers topology (the `modelTopology` of a model.json), as JSON text. Unset: the built-in `name`. */
  topology?: string;
  /** Shape of one example's output, e.g. [10] or [1]. @default [numClasses] */
  outputShape?: number[];
  /** @default DEFAULT_OBJECTIVE (common/model-definition.ts) */
  objective?: Objective;
  /** How raw records become inputs; unset: the built-in Fashion-MNIST path. */
  preprocessing?: Preprocessing;
}

/**
 * All weights of a model as one contiguous float32 vector (tensors concatenated
 * in spec order). One flat buffer keeps codec, transfer and aggregation simple
 * and lets the accumulate loop run over the whole model in one pass.
 */
export interface FlatWeights {
  tensors: TensorShape[];
  data: Float32Array;
}

/** Local training hyper-parameters. `batchSize: 'full'` is FedAvg's B = ∞. */
export interface TrainConfig {
  localEpochs: number;
  batchSize: number | 'full';
  learningRate: number;
  seed: number;
  /** FedProx: the trainer adds (μ/2)·‖w − w_global‖² to the local loss. 0 or unset: plain SGD. */
  proximalMu?: number;
}

/** Loss and accuracy over a number of examples. */
export interface Metrics {
  loss: number;
  /** Classification; 0 for a regression loss. */
  accuracy: number;
  numExamples: number;
  /** Regression (loss mse or mae), when the run's metrics ask for them. */
  mae?: number;
  mse?: number;
}

/** Client selection policies a run may ask for. */
export type SelectionPolicyName = 'random' | 'fcfs' | 'sjf' | 'round-robin' | 'deadline' | 'utility';

/** An aggregation strategy's name: a key of services/coordinator/strategy/registry.ts (validated at the edge). */
export type StrategyName = string;

/** Strategy options; which strategy takes which, and the defaults, are in the strategy registry. */
export interface StrategyOptions {
  /** Server learning rate η. */
  serverLr?: number;
  /** Server momentum β (FedAvgM). */
  serverMomentum?: number;
  /** First-moment decay β1 (FedAdam, FedYogi, FedAdagrad). */
  beta1?: number;
  /** Second-moment decay β2 (FedAdam, FedYogi). */
  beta2?: number;
  /** Adaptivity τ (FedAdam, FedYogi, FedAdagrad). */
  tau?: number;
  /** Proximal term μ the clients apply (FedProx). */
  proximalMu?: number;
  /** β: fraction of values cut from each end per parameter (trimmed-mean). */
  trimRatio?: number;
  /** f: Byzantine clients tolerated (krum, multi-krum). */
  byzantine?: number;
  /** m: updates Multi-Krum keeps. */
  krumSelect?: number;
  /** C: every update's L2 distance from the global model is clipped to this (any strategy). */
  normBound?: number;
}

/** Central differential privacy of a run (DP-FedAvg); see services/coordinator/privacy. */
export interface PrivacyConfig {
  /** σ: noise multiplier; the noise added to the sum of clipped updates has stddev σ·C. */
  noise: number;
  /** C: clip norm of every update. */
  clip: number;
  /** δ of the (ε, δ) guarantee reported. */
  delta: number;
  /** Stop the run before a round that would take ε past this. */
  targetEpsilon?: number;
}

/** One round's use of the privacy mechanism: sampling rate and noise multiplier. */
export interface PrivacyStep {
  q: number;
  sigma: number;
}

/** Complete, validated configuration of a run. */
export interface RunConfig {
  rounds: number;
  clientsPerRound: number;
  minClients: number;
  train: TrainConfig;
  roundDeadlineMs: number;
  strategy: StrategyName;
  /** The strategy's options, every one it takes filled in (absent in records older than options: defaults). */
  strategyOptions?: StrategyOptions;
  /** A built-in ModelName, or the label of the uploaded model `modelUpload`. */
  model: string;
  /** The UploadModel id the run was created from (its topology and weights are in the run's spec and checkpoint 0). */
  modelUpload?: string;
  /** @default DEFAULT_OBJECTIVE */
  objective?: Objective;
  preprocessing?: Preprocessing;
  /** Server-side evaluation set ('fashion-mnist-test', or a data reader spec of a file on the coordinator), or undefined for none. */
  evalData?: string;
  acceptFailures: boolean;
  selection: SelectionPolicyName;
  /** Select up to ceil(clientsPerRound × overSelection); commit once clientsPerRound reported. */
  overSelection: number;
  /** > 0: per-client task deadline = dispatch + predicted × factor (capped by the round deadline). */
  clientDeadlineFactor: number;
  /** Update encoding: 'float32', an encoding name, or 'auto'. */
  compression: string;
  /** Model broadcast encoding. */
  downlink: 'float32' | 'float16';
  /** Central DP-FedAvg; undefined: off. */
  privacy?: PrivacyConfig;
  seed: number;
  maxRoundRetries: number;
  waitForClientsMs: number;
}

/** Lifecycle of a run. */
export type RunState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Lifecycle of a round: selecting → training → aggregating → evaluating → committed (or failed). */
export type RoundState = 'selecting' | 'training' | 'aggregating' | 'evaluating' | 'committed' | 'failed';

/** What happened to one selected client in a round. */
export type RoundClientState = 'selected' | 'dispatched' | 'uploading' | 'finished' | 'dropped' | 'rejected';

/** Per-client detail of a round, as `rounds show` prints it. */
export interface RoundClientRecord {
  clientId: ClientId;
  state: RoundClientState;
  reason?: string;
  numExamples: number;
  trainLoss?: number;
  trainAccuracy?: number;
  localEvalLoss?: number;
  localEvalAccuracy?: number;
  durationMs?: number;
  bytesDown: number;
  bytesUp: number;
  selectedAtMs: number;
  dispatchedAtMs?: number;
  finishedAtMs?: number;
  /** When its update was accepted. */
  acceptedAtMs?: number;
  /** Predicted download + compute + upload time when selected, ms. */
  predictedMs?: number;
  /** Dispatch → update accepted, ms. */
  actualMs?: number;
  /** How long the model download and the update upload took, as the coordinator saw them, ms. */
  downloadMs?: number;
  uploadMs?: number;
  /** Cut off by the round's or its own deadline (not a disconnect or failure). */
  missedDeadline?: boolean;
  /** How many times its upload resumed after a break. */
  resumes?: number;
  /** Update encoding asked of it ('float32', 'int8', 'topk:0.01+int8', …). */
  encoding?: string;
  /** Its top-k update is averaged per parameter (it has the 'sparse-average' feature; fleet.proto). */
  sparseAverage?: boolean;
}

/** A candidate the selection policy passed over, and why. */
export interface SkippedClient {
  clientId: ClientId;
  reason: string;
  predictedMs?: number;
}

/** Classic scheduling metrics of one round. */
export interface SchedulingMetrics {
  policy: string;
  meanWaitMs: number;
  p95WaitMs: number;
  meanResponseMs: number;
  p95ResponseMs: number;
  dropRate: number;
  meanAbsPredictionErrorMs: number;
}

/** One attempt at one round of a run. */
export interface RoundRecord {
  runId: RunId;
  round: number;
  attempt: number;
  state: RoundState;
  reason?: string;
  startedAtMs: number;
  endedAtMs?: number;
  deadlineMs: number;
  clients: RoundClientRecord[];
  /** Mean training loss of the clients that reported, weighted by examples. */
  meanTrainLoss?: number;
  eval?: Metrics;
  bytesDown: number;
  bytesUp: number;
  /** sha256 of the global model this round trained from. */
  modelVersion: string;
  /** sha256 of the model this round produced (set once its checkpoint is durable). */
  checkpoint?: string;
  skipped?: SkippedClient[];
  scheduling?: SchedulingMetrics;
  /** What the run's strategy reported when it committed this round (e.g. step norms). */
  strategyMetrics?: Record<string, number>;
  /** One line on how the updates were combined when it was more than the mean (robust rules, clipping, DP). */
  aggregation?: string;
}

/** A stored global model: the initial one (round 0) or a committed round's. */
export interface Checkpoint {
  round: number;
  /** sha256 of the float32 weights: the model version, and the key it is stored under. */
  version: string;
  bytes: number;
  atMs: number;
  /** The strategy's server state after this round, by reference (only on the current checkpoint). */
  strategyState?: StoredStrategyState;
}

/** Server state as stored: each vector under the sha256 of its float32 bytes, like a model version. */
export interface StoredStrategyState {
  vectors: Record<string, string>;
  scalars: Record<string, number>;
}

/** A run and its progress. */
export interface RunRecord {
  runId: RunId;
  state: RunState;
  reason?: string;
  config: RunConfig;
  model: ModelSpec;
  currentRound: number;
  committedRounds: number;
  createdAtMs: number;
  updatedAtMs: number;
  latestEval?: Metrics;
  modelVersion: string;
  /** Checkpoints kept under the retention policy, oldest first. */
  checkpoints?: Checkpoint[];
  /** With DP on: every committed round's step, for the accountant (committed with the round). */
  privacySteps?: PrivacyStep[];
  /** ε after privacySteps, stored with them so that reads (runs list, watches) need not run the accountant. */
  privacyEpsilon?: number;
}

/** What the coordinator knows about a connected (or recently connected) client. */
export interface ClientRecord {
  clientId: ClientId;
  status: 'connected' | 'disconnected';
  backend: string;
  dataset: string;
  /** The data partition its hello declared ("2/10 iid seed 42"); absent or "": all of its data. */
  partition?: string;
  datasetSize: number;
  encodings: string[];
  /** Behaviours beyond the encodings (fleet.proto Capabilities.features), e.g. 'sparse-average'. */
  features?: string[];
  models: string[];
  connectedAtMs: number;
  lastSeenMs: number;
  peer: string;
  /** Task id it is working on, if any. */
  activity?: string;
  /** Fraction of that task done, from the client's last heartbeat. */
  progress?: number;
}

/** A training task as the daemon and trainer see it. */
export interface TrainTask {
  taskId: string;
  runId: RunId;
  round: number;
  model: ModelSpec;
  modelVersion: string;
  modelBytes: number;
  train: TrainConfig;
  deadlineMs: number;
  /** How the update should be encoded; 'float32' (raw new weights) when unset. */
  updateEncoding?: string;
  /** How to fetch the model: 'float32' (exact) or 'float16'; 'float32' when unset. */
  modelEncoding?: 'float32' | 'float16';
  /** A top-k update averaged per parameter; the daemon drops residual the global model delivered (fleet.proto). */
  sparseAverage?: boolean;
}

/** What local training produced. */
export interface TrainOutcome {
  weights: Float32Array;
  numExamples: number;
  train: Metrics;
  /** The received global model on local data, before training. */
  localEval: Metrics;
  durationMs: number;
}

/** Progress of a running task, sent out on heartbeats. */
export interface TrainProgress {
  fraction: number;
  epoch: number;
  loss: number;
}
