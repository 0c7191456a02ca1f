/**
 * A model ready to answer Predict: the run's TFJS model built once from its
 * spec and a checkpoint's weights. Behind an interface so the serving logic
 * (swaps, leases, cache) is tested without TFJS.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../../common/types';
import { initBackend } from '../../../clients/trainer/backend';
import { modelWithWeights } from '../../../clients/trainer/models';

/** A built model. */
export interface Predictor {
  /** Shape of one example's input. */
  readonly inputShape: number[];
  /** Shape of one example's output. */
  readonly outputShape: number[];
  /** Runs `count` examples (row-major in `values`); resolves to count × prod(outputShape) values. */
  predict(values: Float32Array, count: number): Promise<Float32Array>;
  /** Frees the model's tensors; called once no request holds it. */
  dispose(): void;
}

/** Builds a predictor from a spec and a checkpoint's weights. */
export type BuildPredictor = (spec: ModelSpec, weights: Float32Array) => Promise<Predictor>;

/** The TFJS predictor (the coordinator's backend: native, wasm or cpu, whichever initBackend picked). */
export const buildTfjsPredictor: BuildPredictor = async (spec, weights) => {
  await initBackend();
  const model = modelWithWeights(spec, weights);
  const outputShape = (model.outputs[0].shape as Array<number | null>).slice(1).map((d) => d ?? 1);
  return {
    inputShape: [...spec.inputShape],
    outputShape,
    async predict(values, count) {
      const y = tf.tidy(() => model.predict(tf.tensor(values, [count, ...spec.inputShape], 'float32')) as tf.Tensor);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
};
