/**
 * Local training of one task: evaluate the received global weights on local data,
 * then plain SGD for the configured epochs (FedProx: plus the proximal term's
 * gradient μ·(w − w_global), from config.proximalMu). A hand-written batch loop rather than
 * model.fit, so an AbortSignal stops it between batches, progress is reported,
 * and the event loop gets turns (the daemon's heartbeats must keep flowing).
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
import { createRng, type Rng } from '../../common/random';
import type { ModelSpec, TrainConfig, TrainOutcome, TrainProgress } from '../../common/types';
import { initBackend, type BackendName } from './backend';
import { checkDataFitsSpec, correctCount, crossEntropySum, makeBatch } from './batches';
import { evaluateWeights } from './evaluate';
import type { LabeledImages } from './fashion-mnist';
import { assignWeights, buildModel, flattenWeights, parameterCount } from './models';

/** What a task hands the trainer. */
export interface TrainInput {
  spec: ModelSpec;
  weights: Float32Array;
  data: LabeledImages;
  config: TrainConfig;
}

/** Options of {@link trainLocal}. */
export interface TrainOptions {
  /** Aborting rejects with CancelledError before the next batch. */
  signal?: AbortSignal;
  /** Called at most every `progressIntervalMs`, and once at the end. */
  onProgress?: (progress: TrainProgress) => void;
  /** @default 250 */
  progressIntervalMs?: number;
  /** Monotonic milliseconds for pacing, progress and the duration (tests pass a fake). @default performance.now */
  now?: () => number;
}

/** TrainOutcome plus how the work was done (for logs and tests). */
export interface LocalTrainOutcome extends TrainOutcome {
  /** Optimizer steps taken (batches over all epochs). */
  steps: number;
  backend: BackendName;
}

// Yield to the event loop at least this often: long enough that setImmediate
// overhead is noise, short enough that a 1 s heartbeat never slips.
const YIELD_EVERY_MS = 20;

// Rows per forward/backward pass: bigger batches are processed as chunks of this size.
const MAX_CHUNK = 512;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function cancelled(signal: AbortSignal): CancelledError {
  return new CancelledError('training cancelled', { cause: signal.reason });
}

function checkConfig(input: TrainInput): void {
  const { config, weights, spec, data } = input;
  if (!(Number.isInteger(config.localEpochs) && config.localEpochs >= 1)) {
    throw new InvalidArgumentError(`localEpochs must be an integer >= 1, got ${config.localEpochs}`);
  }
  if (config.batchSize !== 'full' && !(Number.isInteger(config.batchSize) && config.batchSize >= 1)) {
    throw new InvalidArgumentError(`batchSize must be an integer >= 1 or 'full', got ${config.batchSize}`);
  }
  if (!(Number.isFinite(config.learningRate) && config.learningRate > 0)) {
    throw new InvalidArgumentError(`learningRate must be a number > 0, got ${config.learningRate}`);
  }
  if (config.proximalMu !== undefined && !(Number.isFinite(config.proximalMu) && config.proximalMu >= 0)) {
    throw new InvalidArgumentError(`proximalMu must be a number >= 0, got ${config.proximalMu}`);
  }
  if (weights.length !== parameterCount(spec)) {
    throw new InvalidArgumentError(`weight vector has ${weights.length} values, model "${spec.name}" needs ${parameterCount(spec)}`);
  }
  if (data.count < 1) throw new InvalidArgumentError('no local training data');
  checkDataFitsSpec(spec, data);
}

function shuffledOrder(n: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Trains `weights` on local data with SGD and returns the new flat weights and metrics. */
export async function trainLocal(input: TrainInput, options: TrainOptions = {}): Promise<LocalTrainOutcome> {
  const { spec, weights, data, config } = input;
  const { signal, onProgress } = options;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const clock = options.now ?? (() => performance.now());
  if (signal?.aborted) throw cancelled(signal);
  checkConfig(input);
  const backend = await initBackend({ model: spec.name });
  const startedAt = clock();

  const localEval = await evaluateWeights(spec, weights, data, { signal });
  if (signal?.aborted) throw cancelled(signal);

  const n = data.count;
  const batchSize = config.batchSize === 'full' ? n : Math.min(config.batchSize, n);
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = batchesPerEpoch * config.localEpochs;
  const rng = createRng(config.seed);

  const model = buildModel(spec);
  const optimizer = tf.train.sgd(config.learningRate);
  let proximal: Proximal | undefined;
  try {
    assignWeights(model, weights);
    // Explicit var list: by default gradients would be taken for every trainable variable in the process.
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const mu = config.proximalMu ?? 0;
    // The global weights as received, per variable: the anchor of FedProx's proximal term.
    if (mu > 0) proximal = { mu, anchors: new Map(vars.map((v) => [v.name, tf.keep(v.clone())])) };
    let lastYield = clock();
    const pace = async () => {
      if (signal?.aborted) throw cancelled(signal);
      if (clock() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = clock();
        if (signal?.aborted) throw cancelled(signal);
      }
    };
    let steps = 0;
    let lastProgress = clock();
    let epochLoss = 0;
    let epochCorrect = 0;
    let epochSeen = 0;
    for (let epoch = 0; epoch < config.localEpochs; epoch++) {
      const order = shuffledOrder(n, rng);
      epochLoss = 0;
      epochCorrect = 0;
      epochSeen = 0;
      for (let start = 0; start < n; start += batchSize) {
        await pace();
        const end = Math.min(n, start + batchSize);
        const stats = await sgdStep({ spec, data, model, vars, optimizer, order, proximal }, start, end, pace);
        epochLoss += stats.lossSum;
        epochCorrect += stats.correct;
        epochSeen += end - start;
        steps++;
        const now = clock();
        if (onProgress && now - lastProgress >= progressIntervalMs && steps < totalSteps) {
          lastProgress = now;
          onProgress({ fraction: steps / totalSteps, epoch: epoch + 1, loss: epochLoss / epochSeen });
        }
      }
    }
    onProgress?.({ fraction: 1, epoch: config.localEpochs, loss: epochLoss / epochSeen });
    return {
      weights: flattenWeights(model),
      numExamples: n,
      train: { loss: epochLoss / epochSeen, accuracy: epochCorrect / epochSeen, numExamples: n },
      localEval,
      durationMs: clock() - startedAt,
      steps,
      backend,
    };
  } finally {
    if (proximal) tf.dispose([...proximal.anchors.values()]);
    optimizer.dispose();
    model.dispose();
  }
}

/** FedProx's term (μ/2)·‖w − w_global‖²: μ and the global weights by variable name. */
interface Proximal {
  mu: number;
  anchors: Map<string, tf.Tensor>;
}

interface StepContext {
  spec: ModelSpec;
  data: LabeledImages;
  model: tf.LayersModel;
  vars: tf.Variable[];
  optimizer: tf.Optimizer;
  order: Uint32Array;
  proximal?: Proximal;
}

/**
 * One SGD step on rows order[start..end). Large batches ('full' = a whole
 * partition) are split into chunks whose gradients are summed before the one
 * update: the same step, but memory stays bounded and the event loop gets turns
 * between chunks instead of stalling for the whole batch.
 */
async function sgdStep(ctx: StepContext, start: number, end: number, pace: () => Promise<void>): Promise<{ lossSum: number; correct: number }> {
  const { spec, data, model, vars, optimizer, order, proximal } = ctx;
  const size = end - start;
  let sum: tf.NamedTensorMap | undefined;
  let lossSum = 0;
  let correct = 0;
  try {
    for (let from = start; from < end; from += MAX_CHUNK) {
      if (from > start) await pace();
      const batch = makeBatch(spec, data, from, Math.min(end, from + MAX_CHUNK), order);
      let hits: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const probs = model.apply(batch.xs, { training: true }) as tf.Tensor;
        hits = tf.keep(correctCount(batch.ys, probs));
        // Divided by the whole batch size, so chunk gradients add up to the batch-mean gradient.
        return tf.div(crossEntropySum(batch.ys, probs), size) as tf.Scalar;
      }, vars);
      lossSum += value.dataSync()[0] * size;
      correct += hits!.dataSync()[0];
      tf.dispose([value, hits!, batch.xs, batch.ys]);
      if (!sum) {
        sum = grads;
      } else {
        for (const name of Object.keys(grads)) {
          const added = tf.add(sum[name], grads[name]);
          tf.dispose([sum[name], grads[name]]);
          sum[name] = added;
        }
      }
    }
    if (proximal) {
      // ∇ (μ/2)·‖w − w_global‖² = μ·(w − w_global), added once per step (the data loss is the batch mean).
      const byName = new Map(vars.map((v) => [v.name, v]));
      for (const name of Object.keys(sum!)) {
        const anchor = proximal.anchors.get(name);
        const v = byName.get(name);
        if (!anchor || !v) continue;
        const pulled = tf.tidy(() => tf.add(sum![name], tf.mul(proximal.mu, tf.sub(v, anchor))));
        tf.dispose(sum![name]);
        sum![name] = pulled;
      }
    }
    optimizer.applyGradients(sum!);
  } finally {
    if (sum) tf.dispose(Object.values(sum));
  }
  return { lossSum, correct };
}
