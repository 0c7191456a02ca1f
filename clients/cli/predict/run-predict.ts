/**
 * `fedlink model predict`, once the flags are parsed: read the inputs, get the
 * run's model (its checkpoint, for local inference) or only its spec (for
 * --remote, where the coordinator's Inference service runs the model), apply
 * the run's preprocessing, and print one prediction per input.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../../common/errors';
import type { ModelSpec } from '../../../common/types';
import { initBackend } from '../../trainer/backend';
import { modelWithWeights } from '../../trainer/models';
import type { ControlConnection } from '../control-client';
import type { CliIo } from '../context';
import { fetchCheckpoint, modelSpecFromWire } from '../fetch-checkpoint';
import type { InferenceConnection } from '../inference-client';
import { effectivePreprocessing, outputKind, outputShapeOf } from '../model-defaults';
import { LIMITS } from '../../../services/coordinator/limits';
import { predictionJson, predictionLine, readPrediction, type FormatOptions, type Prediction } from './format-predictions';
import { toModelInputs } from './preprocess';
import { readInputs, type RawInput } from './read-inputs';

/** What the command was asked. */
export interface PredictRequestOptions {
  runId: string;
  /** A committed round's checkpoint; undefined: the latest. */
  round?: number;
  input: string;
  top: number;
  json: boolean;
  /** Use the coordinator's Inference service instead of running the model here. */
  remote: boolean;
  stdin?: AsyncIterable<Buffer | string>;
}

/** Inputs per model call, and at most per Predict request. */
const BATCH = 256;

/** Inputs per Predict request: within the coordinator's default limits (a coordinator may set them lower; its refusal names the flag). */
function remoteBatch(inputSize: number): number {
  return Math.max(1, Math.min(BATCH, LIMITS.maxPredictBatch.default, Math.floor(LIMITS.maxPredictBytes.default / (4 * inputSize))));
}

/** Runs `count` inputs through a model, BATCH at a time; each batch's outputs, round and version. */
type Runner = (values: Float32Array, count: number) => Promise<{ values: Float32Array; round: number; version: string }>;

function localRunner(spec: ModelSpec, weights: Float32Array, round: number, version: string): { run: Runner; dispose: () => void } {
  const model = modelWithWeights(spec, weights);
  return {
    run: async (values, count) => {
      const y = tf.tidy(() => model.predict(tf.tensor(values, [count, ...spec.inputShape])) as tf.Tensor);
      try {
        return { values: (await y.data()) as Float32Array, round, version };
      } finally {
        y.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

function remoteRunner(inference: InferenceConnection, runId: string, spec: ModelSpec, round: number | undefined): Runner {
  return async (values, count) => {
    const res = await inference.predict(runId, spec.inputShape, count, values, round);
    return { values: res.values, round: res.round, version: res.version };
  };
}

/** Runs the command; prints on io.stdout. */
export async function runPredict(o: PredictRequestOptions, io: CliIo, control: ControlConnection, inference?: InferenceConnection): Promise<void> {
  // Bad input fails before anything is fetched.
  const raw: RawInput[] = await readInputs(o.input, o.stdin);
  let spec: ModelSpec;
  let runner: Runner;
  let dispose = () => {};
  if (o.remote) {
    if (!inference) throw new InvalidArgumentError('--remote needs a connection to the Inference service');
    spec = modelSpecFromWire((await control.getRun(o.runId)).model, o.runId);
    runner = remoteRunner(inference, o.runId, spec, o.round);
  } else {
    const c = await fetchCheckpoint(control, o.runId, o.round ?? -1);
    spec = c.spec;
    await initBackend();
    ({ run: runner, dispose } = localRunner(spec, c.weights, c.round, c.version));
  }
  try {
    if (raw.some((r) => r.kind === 'image')) await initBackend();
    const inputs = toModelInputs(raw, spec);
    const outSize = outputShapeOf(spec).reduce((a, b) => a * b, 1);
    const format: FormatOptions = { kind: outputKind(spec), labels: effectivePreprocessing(spec).labels, top: o.top };
    const inSize = spec.inputShape.reduce((a, b) => a * b, 1);
    const batch = o.remote ? remoteBatch(inSize) : BATCH;
    for (let start = 0; start < inputs.count; start += batch) {
      const n = Math.min(batch, inputs.count - start);
      const out = await runner(inputs.values.subarray(start * inSize, (start + n) * inSize), n);
      if (out.values.length !== n * outSize) {
        throw new InvalidArgumentError(`the model gave ${out.values.length / n} outputs per input; the run's spec says ${outSize} (output shape [${outputShapeOf(spec).join(', ')}])`);
      }
      for (let i = 0; i < n; i++) {
        const p: Prediction = { input: inputs.names[start + i], round: out.round, version: out.version, ...readPrediction(out.values.subarray(i * outSize, (i + 1) * outSize), format) };
        io.stdout.write(`${o.json ? predictionJson(p) : predictionLine(p)}\n`);
      }
    }
  } finally {
    dispose();
  }
}
