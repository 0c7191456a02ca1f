/**
 * Wire ↔ domain conversions for the daemon (the Flower `serde` layer). Only
 * the rpc edge sees generated proto types; what comes in is validated here and
 * turned into domain types, so the rest of the daemon can trust it.
 */
import type { LinkReport } from '../../common/link';
import type { LinkReport as WireLinkReport } from '../../proto/gen/fedlink/v1/LinkReport';
import { InvalidArgumentError } from '../../common/errors';
import { taskEncoding } from './encodings';
import { parameterCount } from '../../common/weights-codec';
import { MODEL_NAMES } from '../trainer/model-names';
import type { Metrics, ModelName, ModelSpec, TensorShape, TrainConfig, TrainOutcome, TrainProgress, TrainTask } from '../../common/types';
import type { Metrics as WireMetrics } from '../../proto/gen/fedlink/v1/Metrics';
import type { ModelSpec__Output } from '../../proto/gen/fedlink/v1/ModelSpec';
import { fromWireObjective, fromWirePreprocessing } from '../../common/model-definition-wire';
import type { TaskAssignment__Output } from '../../proto/gen/fedlink/v1/TaskAssignment';
import type { TaskProgress } from '../../proto/gen/fedlink/v1/TaskProgress';
import type { TaskResult } from '../../proto/gen/fedlink/v1/TaskResult';
import type { TensorSpec } from '../../proto/gen/fedlink/v1/TensorSpec';
import type { TrainConfig__Output } from '../../proto/gen/fedlink/v1/TrainConfig';

const SHA256_HEX = /^[0-9a-f]{64}$/;
// A model bigger than this is a bug or an attack, not something an edge device should allocate.
const MAX_MODEL_BYTES = 1 << 30;

// A topology is layer configurations, not weights: megabytes of it are not a model but an attack.
const MAX_TOPOLOGY_CHARS = 1 << 20;

function fromWireModelSpec(spec: ModelSpec__Output | null): ModelSpec {
  if (!spec) throw new InvalidArgumentError('task has no model spec');
  const custom = Boolean(spec.topology);
  if (custom) {
    if (spec.topology.length > MAX_TOPOLOGY_CHARS) throw new InvalidArgumentError(`model topology of ${spec.topology.length} characters exceeds the ${MAX_TOPOLOGY_CHARS}-character limit`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(spec.name)) throw new InvalidArgumentError('model name must be 1-64 letters, digits, ".", "_" or "-"');
  } else if (!MODEL_NAMES.includes(spec.name as ModelName)) {
    throw new InvalidArgumentError(`unknown model "${spec.name}" (supported: ${MODEL_NAMES.join(', ')})`);
  }
  if (spec.tensors.length === 0) throw new InvalidArgumentError('model spec lists no tensors');
  const tensors: TensorShape[] = spec.tensors.map((t, i) => {
    if (t.shape.length === 0 || t.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new InvalidArgumentError(`tensor ${i} (${t.name || 'unnamed'}) has an invalid shape [${t.shape.join(', ')}]`);
    }
    return { name: t.name, shape: [...t.shape] };
  });
  // A user's model may have one output (binary classification, regression); a built-in classifies into 2 or more.
  if (spec.numClasses < (custom ? 1 : 2)) throw new InvalidArgumentError(`model spec needs at least ${custom ? 1 : 2} output(s), got ${spec.numClasses}`);
  return {
    name: spec.name, inputShape: [...spec.inputShape], numClasses: spec.numClasses, tensors,
    ...(custom && { topology: spec.topology }),
    ...(spec.outputShape.length > 0 && { outputShape: [...spec.outputShape] }),
    ...(spec.objective && { objective: fromWireObjective(spec.objective) }),
    ...(spec.preprocessing && { preprocessing: fromWirePreprocessing(spec.preprocessing) }),
  };
}

function fromWireTrainConfig(config: TrainConfig__Output | null): TrainConfig {
  if (!config) throw new InvalidArgumentError('task has no training config');
  if (!Number.isInteger(config.localEpochs) || config.localEpochs < 1) {
    throw new InvalidArgumentError(`local epochs must be at least 1, got ${config.localEpochs}`);
  }
  if (!Number.isFinite(config.learningRate) || config.learningRate <= 0) {
    throw new InvalidArgumentError(`learning rate must be positive, got ${config.learningRate}`);
  }
  if (!Number.isFinite(config.proximalMu) || config.proximalMu < 0) {
    throw new InvalidArgumentError(`proximal mu must be a number >= 0, got ${config.proximalMu}`);
  }
  return {
    localEpochs: config.localEpochs,
    // The wire has no "full": 0 stands for one batch of the whole partition (FedAvg's B = ∞).
    batchSize: config.batchSize === 0 ? 'full' : config.batchSize,
    learningRate: config.learningRate,
    seed: config.seed,
    ...(config.proximalMu > 0 && { proximalMu: config.proximalMu }),
  };
}

/**
 * A validated TrainTask from a TASK_KIND_TRAIN assignment; throws
 * InvalidArgumentError naming the first problem. A zero deadline means none
 * and becomes +Infinity. The update encoding is validated and canonicalised;
 * an empty one means 'float32' (the raw new weights, as before encodings existed).
 */
export function fromWireTask(wire: TaskAssignment__Output): TrainTask {
  if (!wire.taskId) throw new InvalidArgumentError('task has no task id');
  if (!wire.runId) throw new InvalidArgumentError('task has no run id');
  if (wire.kind !== 'TASK_KIND_TRAIN') throw new InvalidArgumentError(`not a training task (${wire.kind})`);
  if (!SHA256_HEX.test(wire.modelVersion)) throw new InvalidArgumentError('model version is not a lowercase hex sha256');
  const model = fromWireModelSpec(wire.model);
  const expectedBytes = parameterCount(model.tensors) * 4;
  if (expectedBytes > MAX_MODEL_BYTES) throw new InvalidArgumentError(`model of ${expectedBytes} bytes exceeds the ${MAX_MODEL_BYTES}-byte limit`);
  if (wire.modelBytes !== expectedBytes) {
    throw new InvalidArgumentError(`model bytes ${wire.modelBytes} do not match the spec's ${expectedBytes} (float32)`);
  }
  if (!Number.isFinite(wire.deadlineUnixMs) || wire.deadlineUnixMs < 0) {
    throw new InvalidArgumentError(`invalid deadline ${wire.deadlineUnixMs}`);
  }
  let updateEncoding: string;
  try {
    updateEncoding = taskEncoding(wire.updateEncoding);
  } catch (err) {
    throw new InvalidArgumentError(`invalid update encoding: ${(err as Error).message}`, { cause: err });
  }
  return {
    taskId: wire.taskId,
    runId: wire.runId,
    round: wire.round,
    model,
    modelVersion: wire.modelVersion,
    modelBytes: wire.modelBytes,
    train: fromWireTrainConfig(wire.train),
    deadlineMs: wire.deadlineUnixMs === 0 ? Number.POSITIVE_INFINITY : wire.deadlineUnixMs,
    updateEncoding,
    modelEncoding: modelEncoding(wire.modelEncoding),
    // Meaningful for top-k only: the residual rule follows how the coordinator averages.
    sparseAverage: wire.sparseAverage && updateEncoding.startsWith('topk'),
  };
}

/** Wire form of loss/accuracy over some examples. */
export function toWireMetrics(m: Metrics): WireMetrics {
  return { loss: m.loss, accuracy: m.accuracy, numExamples: m.numExamples, mae: m.mae, mse: m.mse };
}

/** Wire form of a model's tensor shapes, for a transfer header. */
export function toWireTensors(tensors: TensorShape[]): TensorSpec[] {
  return tensors.map((t) => ({ name: t.name, shape: [...t.shape] }));
}

/**
 * The TaskResult announcing that `transferId` holds the weights `outcome` produced for `task`;
 * `downloadMs`: how long this task's model download took (0 when the model was cached).
 */
export function toWireResult(task: TrainTask, transferId: string, outcome: TrainOutcome, downloadMs = 0): TaskResult {
  return {
    taskId: task.taskId,
    runId: task.runId,
    round: task.round,
    transferId,
    numExamples: outcome.numExamples,
    train: toWireMetrics(outcome.train),
    localEval: toWireMetrics(outcome.localEval),
    // Training compute time only: the coordinator times uploads itself.
    durationMs: Math.max(0, Math.round(outcome.durationMs)),
    downloadMs: Math.max(0, Math.round(downloadMs)),
  };
}

/** Heartbeat progress of a running task. */
export function toWireProgress(taskId: string, p: TrainProgress): TaskProgress {
  return { taskId, fraction: p.fraction, epoch: p.epoch, loss: p.loss };
}

/** Domain link report → wire (unknown numbers as 0, unknown battery as -1). */
export function toWireLinkReport(r: LinkReport): WireLinkReport {
  return {
    radio: r.radio,
    slice: r.slice ?? '',
    rttMs: r.rttMs ?? 0,
    jitterMs: r.jitterMs ?? 0,
    upMbps: r.upMbps ?? 0,
    downMbps: r.downMbps ?? 0,
    loss: r.loss ?? 0,
    resets: r.resets ?? 0,
    metered: r.metered ?? false,
    battery: r.battery ?? -1,
    charging: r.charging ?? false,
    measuredAtMs: r.measuredAtMs,
  };
}

/** The task's model download encoding ('' means float32); anything else is an invalid task. */
function modelEncoding(text: string): 'float32' | 'float16' {
  if (!text || text === 'float32') return 'float32';
  if (text === 'float16') return 'float16';
  throw new InvalidArgumentError(`invalid model encoding "${text.slice(0, 40)}" (float32 or float16)`);
}
