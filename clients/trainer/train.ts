/**
 * Local training of one task: evaluate the received global weights on local
 * data, then the run's objective (loss and optimiser; plain SGD on categorical
 * cross-entropy for the built-ins) for the configured epochs. FedProx adds the
 * proximal term's gradient μ·(w − w_global), from config.proximalMu, to the
 * data gradient before the optimiser sees it, so it works with every optimiser.
 * A hand-written batch loop rather than model.fit, so an AbortSignal stops it
 * between batches, progress is reported, and the event loop gets turns (the
 * daemon's heartbeats must keep flowing).
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
import { OPTIMIZERS, type LossName, type OptimizerSpec } from '../../common/model-definition';
import { createRng, type Rng } from '../../common/random';
import type { ModelSpec, TrainConfig, TrainOutcome, TrainProgress } from '../../common/types';
import { initBackend, type BackendName } from './backend';
import { checkDataFitsSpec, hitCount, lossSum, makeBatch, objectiveOf, toDataset, type TrainingData } from './batches';
import type { LocalDataset } from './dataset';
import { evaluateWeights } from './evaluate';
import { assignWeights, buildModel, flattenWeights, parameterCount, specTrainsOnWasm } from './models';

/** What a task hands the trainer. */
export interface TrainInput {
  spec: ModelSpec;
  weights: Float32Array;
  /** The device's examples (Fashion-MNIST images are still accepted and converted). */
  data: TrainingData;
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

function checkOptimizer(o: OptimizerSpec): void {
  if (!OPTIMIZERS.includes(o.name)) throw new InvalidArgumentError(`unknown optimizer "${String(o.name)}" (known: ${OPTIMIZERS.join(', ')})`);
  const fraction = (key: 'momentum' | 'beta1' | 'beta2') => {
    const v = o[key];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v < 1)) throw new InvalidArgumentError(`optimizer ${key} must be in [0, 1), got ${v}`);
  };
  fraction('momentum');
  fraction('beta1');
  fraction('beta2');
  if (o.epsilon !== undefined && !(Number.isFinite(o.epsilon) && o.epsilon > 0)) throw new InvalidArgumentError(`optimizer epsilon must be > 0, got ${o.epsilon}`);
}

/**
 * The objective's optimiser at the task's learning rate, with fresh state:
 * momentum and Adam moments start from zero every task, as in FedAvg/FedProx
 * clients (server-side momentum is the strategy's business).
 */
function createOptimizer(o: OptimizerSpec, learningRate: number): tf.Optimizer {
  switch (o.name) {
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, o.momentum ?? 0.9);
    case 'adam':
      return tf.train.adam(learningRate, o.beta1, o.beta2, o.epsilon);
    default:
      throw new InvalidArgumentError(`unknown optimizer "${String(o.name)}" (known: ${OPTIMIZERS.join(', ')})`);
  }
}

function checkConfig(input: TrainInput, data: LocalDataset): void {
  const { config, weights, spec } = input;
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
  checkOptimizer(objectiveOf(spec).optimizer);
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

/**
 * Trains `weights` on local data with the spec's objective and returns the new
 * flat weights and metrics. Accuracy is 0 for a regression loss (mse, mae):
 * Metrics has no field for its error yet, and the loss is that error.
 */
export async function trainLocal(input: TrainInput, options: TrainOptions = {}): Promise<LocalTrainOutcome> {
  const { spec, weights, config } = input;
  const { signal, onProgress } = options;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const clock = options.now ?? (() => performance.now());
  if (signal?.aborted) throw cancelled(signal);
  const data = toDataset(input.data);
  checkConfig(input, data);
  const objective = objectiveOf(spec);
  // initBackend rules wasm out for 'cnn'; a user's model with convolutions or embeddings needs the same (no backward kernels on wasm).
  const backend = await initBackend({ model: specTrainsOnWasm(spec) ? spec.name : 'cnn' });
  const startedAt = clock();

  const localEval = await evaluateWeights(spec, weights, data, { signal });
  if (signal?.aborted) throw cancelled(signal);

  const n = data.count;
  const batchSize = config.batchSize === 'full' ? n : Math.min(config.batchSize, n);
  const batchesPerEpoch = Math.ceil(n / batchSize);
  const totalSteps = batchesPerEpoch * config.localEpochs;
  const rng = createRng(config.seed);

  const model = buildModel(spec);
  const optimizer = createOptimizer(objective.optimizer, config.learningRate);
  let proximal: Proximal | undefined;
  try {
    assignWeights(model, weights);
    // Explicit var list: by default gradients would be taken for every trainable variable in the process.
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // TFJS applies a weight's constraint only when the weight is written through its layer, not by an optimiser.
    const constrained = model.trainableWeights.filter((w) => w.constraint != null);
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
        const stats = await step({ spec, loss: objective.loss, data, model, vars, constrained, optimizer, order, proximal }, start, end, pace);
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
  loss: LossName;
  data: LocalDataset;
  model: tf.LayersModel;
  vars: tf.Variable[];
  constrained: tf.LayerVariable[];
  optimizer: tf.Optimizer;
  order: Uint32Array;
  proximal?: Proximal;
}

/**
 * One optimiser step on rows order[start..end). Large batches ('full' = a whole
 * partition) are split into chunks whose gradients are summed before the one
 * update: the same step, but memory stays bounded and the event loop gets turns
 * between chunks instead of stalling for the whole batch. The reported loss is
 * the data loss; the layers' regularisation penalties (if any) enter the
 * gradient once per step.
 */
async function step(ctx: StepContext, start: number, end: number, pace: () => Promise<void>): Promise<{ lossSum: number; correct: number }> {
  const { spec, loss, data, model, vars, constrained, optimizer, order, proximal } = ctx;
  const size = end - start;
  let sum: tf.NamedTensorMap | undefined;
  let lossTotal = 0;
  let correct = 0;
  try {
    for (let from = start; from < end; from += MAX_CHUNK) {
      if (from > start) await pace();
      const batch = makeBatch(spec, data, from, Math.min(end, from + MAX_CHUNK), order);
      let hits: tf.Scalar | undefined;
      let dataLoss: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const outputs = model.apply(batch.xs, { training: true }) as tf.Tensor;
        hits = tf.keep(hitCount(loss, batch.ys, outputs));
        // Divided by the whole batch size, so chunk gradients add up to the batch-mean gradient.
        dataLoss = tf.keep(tf.div(lossSum(loss, batch.ys, outputs), size) as tf.Scalar);
        const penalties = from === start ? model.calculateLosses() : [];
        return penalties.length === 0 ? dataLoss : (tf.addN([dataLoss, ...penalties]) as tf.Scalar);
      }, vars);
      lossTotal += dataLoss!.dataSync()[0] * size;
      correct += hits!.dataSync()[0];
      tf.dispose([value, dataLoss!, hits!, batch.xs, batch.ys]);
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
    for (const w of constrained) {
      const v = w.read() as tf.Variable;
      tf.tidy(() => v.assign(w.constraint.apply(v)));
    }
  } finally {
    if (sum) tf.dispose(Object.values(sum));
  }
  return { lossSum: lossTotal, correct };
}
