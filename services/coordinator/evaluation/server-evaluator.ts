/**
 * Server-side evaluation on a held-out public set (Flower's `evaluate_fn`):
 * the global model of every committed round is scored on the Fashion-MNIST
 * test split, which is where a run's "test accuracy" comes from.
 */
import type { Logger } from '../../../common/logger';
import type { Metrics, RunRecord } from '../../../common/types';
import { initBackend } from '../../../clients/trainer/backend';
import { evaluateWeights } from '../../../clients/trainer/evaluate';
import { loadFashionMnist, type LabeledImages } from '../../../clients/trainer/fashion-mnist';

/** Evaluates global weights on the run's evaluation set. */
export class ServerEvaluator {
  private testSet?: Promise<LabeledImages>;

  constructor(
    private readonly logger: Logger,
    private readonly dataDir?: string,
  ) {}

  /** Loads the evaluation data now, so a missing dataset fails run creation, not round 1. */
  async prepare(evalData: string): Promise<void> {
    if (evalData !== 'fashion-mnist-test') return;
    this.testSet ??= loadFashionMnist('test', { dir: this.dataDir });
    try {
      await this.testSet;
    } catch (err) {
      this.testSet = undefined;
      throw err;
    }
  }

  /** Scores `weights` of the run's model on its evaluation set. */
  async evaluate(run: RunRecord, weights: Float32Array): Promise<Metrics> {
    await this.prepare(run.config.evalData ?? '');
    const data = await this.testSet!;
    // Evaluation is forward-only, which every backend runs (wasm even for the cnn), so no model-specific switch.
    await initBackend({ logger: this.logger });
    const started = Date.now();
    const metrics = await evaluateWeights(run.model, weights, data);
    this.logger.debug({ runId: run.runId, ms: Date.now() - started, ...metrics }, 'server-side evaluation');
    return metrics;
  }
}
