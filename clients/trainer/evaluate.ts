/**
 * Loss and accuracy of a flat weight vector on labelled data, by the spec's
 * objective: the coordinator's server-side evaluation and the trainer's local
 * evaluation.
 */
import * as tf from '@tensorflow/tfjs';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
import type { LossName } from '../../common/model-definition';
import type { Metrics, ModelSpec } from '../../common/types';
import { checkDataFitsSpec, hitCount, lossSum, makeBatch, objectiveOf, toDataset, type TrainingData } from './batches';
import type { LocalDataset } from './dataset';
import { assignWeights, buildModel } from './models';

/** Options of {@link evaluateWeights}. */
export interface EvaluateOptions {
  /** Examples per forward pass: bounds memory (larger batches are no faster). @default 1000 */
  batchSize?: number;
  /** Stops between batches with CancelledError. */
  signal?: AbortSignal;
}

interface CachedModel {
  model: tf.LayersModel;
  /** Tail of the queue of evaluations sharing this model (they take turns: weights are per call). */
  tail: Promise<unknown>;
}

// One model per (spec, backend), reused across calls: building a model costs more
// than evaluating a few thousand examples with it, and the coordinator evaluates every round.
// Bounded, least recently used out: every run with its own model adds a spec.
const MAX_CACHED_MODELS = 4;
const models = new Map<string, CachedModel>();

function cachedModel(spec: ModelSpec): CachedModel {
  const key = `${tf.getBackend()}\0${JSON.stringify(spec)}`;
  let entry = models.get(key);
  if (entry) {
    models.delete(key);
  } else {
    entry = { model: buildModel(spec), tail: Promise.resolve() };
    if (models.size >= MAX_CACHED_MODELS) {
      const [oldestKey, oldest] = models.entries().next().value!;
      models.delete(oldestKey);
      // Disposed once the evaluations queued on it are done (the tail never rejects).
      oldest.tail = oldest.tail.then(() => oldest.model.dispose()).catch(() => undefined);
    }
  }
  models.set(key, entry);
  return entry;
}

/** Disposes the models cached by {@link evaluateWeights} (tests, shutdown). */
export function disposeEvaluationModels(): void {
  for (const { model } of models.values()) model.dispose();
  models.clear();
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Mean loss of the spec's objective and accuracy of `weights` on `data`, in
 * batches. Accuracy is 0 for a regression loss (mse, mae); then the errors the
 * run's metrics name (mae, mse) are reported instead.
 */
export async function evaluateWeights(
  spec: ModelSpec,
  weights: Float32Array,
  input: TrainingData,
  options: EvaluateOptions = {},
): Promise<Metrics> {
  const batchSize = options.batchSize ?? 1000;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new InvalidArgumentError(`batchSize must be an integer >= 1, got ${batchSize}`);
  const data = toDataset(input);
  checkDataFitsSpec(spec, data);
  if (data.count === 0) return { loss: 0, accuracy: 0, numExamples: 0 };
  const entry = cachedModel(spec);
  const loss = objectiveOf(spec).loss;
  const run = entry.tail.then(() => evaluateWith(entry.model, spec, loss, weights, data, batchSize, options.signal));
  entry.tail = run.catch(() => undefined);
  return run;
}

async function evaluateWith(
  model: tf.LayersModel,
  spec: ModelSpec,
  loss: LossName,
  weights: Float32Array,
  data: LocalDataset,
  batchSize: number,
  signal: AbortSignal | undefined,
): Promise<Metrics> {
  assignWeights(model, weights);
  let lossTotal = 0;
  let correct = 0;
  let absTotal = 0;
  let sqTotal = 0;
  const regression = loss === 'mse' || loss === 'mae';
  for (let start = 0; start < data.count; start += batchSize) {
    if (signal?.aborted) throw new CancelledError('evaluation cancelled', { cause: signal.reason });
    const end = Math.min(data.count, start + batchSize);
    const stats = tf.tidy(() => {
      const { xs, ys } = makeBatch(spec, data, start, end);
      // apply, not predict: predict re-slices into batches of 32 and runs ~3x slower.
      const outputs = model.apply(xs, { training: false }) as tf.Tensor;
      const parts = [lossSum(loss, ys, outputs), hitCount(loss, ys, outputs)];
      if (regression) parts.push(lossSum('mae', ys, outputs), lossSum('mse', ys, outputs));
      return tf.stack(parts);
    });
    const [l, c, a = 0, q = 0] = stats.dataSync();
    stats.dispose();
    lossTotal += l;
    correct += c;
    absTotal += a;
    sqTotal += q;
    // Let heartbeats and stream callbacks run between batches of a long evaluation.
    if (end < data.count) await yieldToEventLoop();
  }
  const metrics: Metrics = { loss: lossTotal / data.count, accuracy: correct / data.count, numExamples: data.count };
  const wanted = objectiveOf(spec).metrics;
  if (regression && wanted.includes('mae')) metrics.mae = absTotal / data.count;
  if (regression && wanted.includes('mse')) metrics.mse = sqTotal / data.count;
  return metrics;
}
