/**
 * Server-side evaluation on a held-out set (Flower's `evaluate_fn`): the global
 * model of every committed round is scored on the run's evaluation data, by
 * the run's objective, which is where a run's "test accuracy" comes from.
 * 'fashion-mnist-test' is built in; other evaluation data comes from a loader
 * the coordinator passes (the data readers).
 */
import { checkData } from '../../../clients/trainer/data/check-data';
import { openData } from '../../../clients/trainer/data/open-data';
import { InvalidArgumentError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { Metrics, ModelSpec, RunRecord } from '../../../common/types';
import { initBackend } from '../../../clients/trainer/backend';
import { fromLabeledImages, type LocalDataset } from '../../../clients/trainer/dataset';
import { evaluateWeights } from '../../../clients/trainer/evaluate';
import { loadFashionMnist } from '../../../clients/trainer/fashion-mnist';

/** The built-in evaluation set. */
const FASHION_MNIST_TEST = 'fashion-mnist-test';

/** Loads the evaluation data a run names (e.g. a reader spec such as `csv:held-out.csv`) for its model; undefined: not one it knows. */
export type EvalDataLoader = (evalData: string, spec: ModelSpec) => Promise<LocalDataset | undefined>;

/**
 * The default loader: the data readers (clients/trainer/data/) on the coordinator's own files, with
 * the run's preprocessing. A data module is user code: the server never runs one.
 */
export const readEvalData: EvalDataLoader = async (evalData, spec) => {
  if (evalData.trim().startsWith('module:')) throw new InvalidArgumentError('server-side evaluation data cannot be a data module (no user code runs on the coordinator)');
  const data = await openData(evalData, { preprocessing: spec.preprocessing, inputShape: spec.inputShape, loss: spec.objective?.loss, numClasses: spec.numClasses });
  checkData(data, spec, `the model of this run`);
  return data;
};

/** Options of {@link evaluateOnDataset}. */
export interface EvaluateOnDatasetOptions {
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Scores `weights` of the model `spec` (a built-in or a user's topology) on
 * `data` with the spec's objective. Accuracy is 0 for a regression loss.
 */
export async function evaluateOnDataset(spec: ModelSpec, weights: Float32Array, data: LocalDataset, options: EvaluateOnDatasetOptions = {}): Promise<Metrics> {
  // Evaluation is forward-only, which every backend runs (wasm even for convolutions), so no model-specific switch.
  await initBackend({ logger: options.logger });
  return evaluateWeights(spec, weights, data, { signal: options.signal });
}

/** Evaluates global weights on the run's evaluation set. */
export class ServerEvaluator {
  private readonly sets = new Map<string, Promise<LocalDataset | undefined>>();

  constructor(
    private readonly logger: Logger,
    private readonly dataDir?: string,
    private readonly loadEvalData: EvalDataLoader = readEvalData,
  ) {}

  /** Loads the evaluation data now, so missing, unknown or unfitting data fails run creation, not round 1. */
  async prepare(evalData: string, spec: ModelSpec): Promise<void> {
    if (!(await this.dataFor(evalData, spec))) throw new InvalidArgumentError(`no evaluation data "${evalData}"`);
  }

  private async dataFor(evalData: string, spec: ModelSpec): Promise<LocalDataset | undefined> {
    // The same file reads differently under another run's preprocessing or loss.
    const key = JSON.stringify([evalData, spec.preprocessing ?? null, spec.inputShape, spec.objective?.loss ?? null, spec.numClasses]);
    let set = this.sets.get(key);
    if (!set) {
      set =
        evalData === FASHION_MNIST_TEST
          ? loadFashionMnist('test', { dir: this.dataDir }).then(fromLabeledImages)
          : this.loadEvalData(evalData, spec);
      this.sets.set(key, set);
    }
    try {
      return await set;
    } catch (err) {
      // Not cached: the next run may find the data installed.
      this.sets.delete(key);
      throw err;
    }
  }

  /** Scores `weights` of the run's model on its evaluation set, by the run's objective. */
  async evaluate(run: RunRecord, weights: Float32Array): Promise<Metrics> {
    const evalData = run.config.evalData ?? '';
    const data = await this.dataFor(evalData, run.model);
    if (!data) throw new InvalidArgumentError(`no evaluation data "${evalData}"`);
    const started = Date.now();
    const metrics = await evaluateOnDataset(run.model, weights, data, { logger: this.logger });
    this.logger.debug({ runId: run.runId, ms: Date.now() - started, ...metrics }, 'server-side evaluation');
    return metrics;
  }
}
