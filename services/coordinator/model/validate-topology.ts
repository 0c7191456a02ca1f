/**
 * The coordinator's check of a user's model when a run is created, before any
 * daemon is asked to train it: the size of its JSON, the layer classes (only
 * TFJS core layers that are pure configuration), the parameter count (counted
 * from the configs, before any weight is allocated), one input and one output
 * of known shape, and an output that suits the run's objective. Every refusal
 * is an InvalidArgumentError with one sentence naming the problem, which the
 * gRPC edge turns into INVALID_ARGUMENT.
 */
import { InvalidArgumentError } from '../../../common/errors';
import { DEFAULT_OBJECTIVE, LOSSES, METRICS, OPTIMIZERS, type Objective } from '../../../common/model-definition';
import { initBackend } from '../../../clients/trainer/backend';
import { DEFAULT_MAX_PARAMETERS, describeTopology, type TopologyDescription } from '../../../clients/trainer/models';

/** Bytes of topology JSON accepted unless the caller sets another limit (a large model's topology is tens of KiB). */
export const DEFAULT_MAX_TOPOLOGY_BYTES = 1024 * 1024;

/** Limits of {@link validateTopology}. */
export interface TopologyLimits {
  /** Longest topology JSON, in UTF-8 bytes. @default DEFAULT_MAX_TOPOLOGY_BYTES (1 MiB) */
  maxBytes?: number;
  /** Most parameters (every weight, trainable or not). @default DEFAULT_MAX_PARAMETERS (50 million) */
  maxParameters?: number;
}

const CLASSIFICATION = new Set(['sparse-categorical-crossentropy', 'categorical-crossentropy']);
const REGRESSION = new Set(['mse', 'mae']);

function checkNames(objective: Objective): void {
  if (!LOSSES.includes(objective.loss)) throw new InvalidArgumentError(`unknown loss "${String(objective.loss)}" (known: ${LOSSES.join(', ')})`);
  for (const m of objective.metrics) {
    if (!METRICS.includes(m)) throw new InvalidArgumentError(`unknown metric "${String(m)}" (known: ${METRICS.join(', ')})`);
  }
  if (!OPTIMIZERS.includes(objective.optimizer.name)) {
    throw new InvalidArgumentError(`unknown optimizer "${String(objective.optimizer.name)}" (known: ${OPTIMIZERS.join(', ')})`);
  }
}

/** Throws unless the model's output is what the objective's loss and metrics take. */
function checkOutputFitsObjective(d: TopologyDescription, objective: Objective): void {
  const { loss } = objective;
  const shape = JSON.stringify(d.outputShape);
  if (REGRESSION.has(loss)) {
    if (objective.metrics.includes('accuracy')) {
      throw new InvalidArgumentError(`accuracy is a classification metric: a model trained with ${loss} reports mse or mae`);
    }
    return;
  }
  // Cross-entropies are computed from probabilities, as the built-ins output them.
  const wanted = CLASSIFICATION.has(loss) ? 'softmax' : 'sigmoid';
  if (CLASSIFICATION.has(loss) && !(d.outputShape.length === 1 && d.outputShape[0] >= 2)) {
    throw new InvalidArgumentError(`${loss} needs an output of k ≥ 2 class probabilities, shape [k], but the model outputs ${shape}`);
  }
  if (loss === 'binary-crossentropy' && d.outputShape.length !== 1) {
    throw new InvalidArgumentError(`binary-crossentropy needs an output of shape [1] (or [k] for k labels), but the model outputs ${shape}`);
  }
  if (d.outputActivation !== undefined && d.outputActivation !== wanted) {
    throw new InvalidArgumentError(
      `${loss} is computed from probabilities, but the model's output layer has activation "${d.outputActivation}": end the model with ${wanted}`,
    );
  }
}

/**
 * Validates a user's topology (the JSON text of a model.json, its
 * modelTopology, or a Keras model config) for a run with `objective`, and
 * returns what it builds. Rejects with InvalidArgumentError naming the problem.
 */
export async function validateTopology(
  topologyJson: string,
  objective: Objective = DEFAULT_OBJECTIVE,
  limits: TopologyLimits = {},
): Promise<TopologyDescription> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_TOPOLOGY_BYTES;
  const bytes = Buffer.byteLength(topologyJson, 'utf8');
  if (bytes > maxBytes) throw new InvalidArgumentError(`the model topology is ${bytes} bytes of JSON, more than the limit of ${maxBytes}`);
  checkNames(objective);
  // The model is built (with zero weights) to read its shapes: TFJS needs a backend first; keeps the one in use.
  await initBackend();
  const description = describeTopology(topologyJson, { maxParameters: limits.maxParameters ?? DEFAULT_MAX_PARAMETERS });
  checkOutputFitsObjective(description, objective);
  return description;
}
