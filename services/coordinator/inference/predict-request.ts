/**
 * A Predict request checked at the edge: the run id, the batch shape against
 * the batch limits (RESOURCE_EXHAUSTED naming the flag), the inputs as exactly
 * one of bytes or floats whose count fits the shape, and every value finite
 * (INVALID_ARGUMENT). The shape is checked against the model once it is known.
 */
import { InvalidArgumentError, ResourceExhaustedError } from '../../../common/errors';
import { firstNonFinite } from '../../../common/weights-codec';
import type { PredictRequest__Output } from '../../../proto/gen/fedlink/v1/PredictRequest';
import { LIMITS, type Limits } from '../limits';
import { checkId } from '../rpc/wire';

/** A valid batch of inputs. */
export interface PredictInputs {
  runId: string;
  /** A pinned round; undefined: the latest committed model. */
  round?: number;
  count: number;
  /** Shape of one example (the request's shape without the batch dimension). */
  exampleShape: number[];
  values: Float32Array;
}

function shapeText(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks a request; throws InvalidArgumentError or ResourceExhaustedError. */
export function fromWirePredictRequest(req: PredictRequest__Output, limits: Pick<Limits, 'maxPredictBatch' | 'maxPredictBytes'>): PredictInputs {
  const runId = checkId(req.runId, 'run_id');
  const shape = req.shape;
  if (shape.length < 2 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new InvalidArgumentError(`shape ${shapeText(shape)} must be [batch, ...the model's input shape], every dimension at least 1`);
  }
  const count = shape[0];
  if (count > limits.maxPredictBatch) throw new ResourceExhaustedError(`a batch of ${count} inputs is over the limit of ${limits.maxPredictBatch} (${LIMITS.maxPredictBatch.flag})`);
  const hasData = req.data.length > 0;
  const hasValues = req.values.length > 0;
  if (hasData === hasValues) throw new InvalidArgumentError('give the inputs as either data (float32 bytes) or values, exactly one of them');
  const bytes = hasData ? req.data.length : req.values.length * 4;
  if (bytes > limits.maxPredictBytes) throw new ResourceExhaustedError(`${bytes} bytes of inputs are over the limit of ${limits.maxPredictBytes} (${LIMITS.maxPredictBytes.flag})`);
  if (hasData && bytes % 4 !== 0) throw new InvalidArgumentError(`data is ${bytes} bytes, not a whole number of float32 values`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes / 4 !== size) throw new InvalidArgumentError(`shape ${shapeText(shape)} needs ${size} values, the request carries ${bytes / 4}`);
  let values: Float32Array;
  if (hasData) {
    // A copy: the message's buffer need not be 4-byte aligned. Little-endian on the wire, as every host fedlink runs on.
    values = new Float32Array(size);
    new Uint8Array(values.buffer).set(req.data);
  } else {
    values = Float32Array.from(req.values);
  }
  const bad = firstNonFinite(values, 0, values.length);
  if (bad >= 0) throw new InvalidArgumentError(`input value ${bad} (example ${Math.floor(bad / (size / count))}) is ${values[bad]}, not a finite number`);
  return { runId, ...(req.round !== undefined && { round: req.round }), count, exampleShape: shape.slice(1), values };
}

/** Refuses inputs whose example shape is not the model's. */
export function checkFitsModel(inputs: PredictInputs, inputShape: number[]): void {
  const fits = inputs.exampleShape.length === inputShape.length && inputs.exampleShape.every((d, i) => d === inputShape[i]);
  if (!fits) {
    throw new InvalidArgumentError(`inputs of shape ${shapeText(inputs.exampleShape)} do not fit the model of run ${inputs.runId}, which takes ${shapeText(inputShape)} per example (send shape ${shapeText([inputs.count, ...inputShape])})`);
  }
}
