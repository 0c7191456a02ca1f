/**
 * toWire… / fromWire… pairs between generated proto types and domain types.
 * fromWire* validate and throw InvalidArgumentError, so nothing malformed gets
 * past the rpc edge.
 */
import { InvalidArgumentError } from '../../../common/errors';
import { printable, stripControl } from '../../../common/sanitize';
import { LIMITS } from '../limits';
import { RADIO_TYPES, type LinkEstimate, type LinkReport, type RadioType } from '../../../common/link';
import type { LinkReport__Output } from '../../../proto/gen/fedlink/v1/LinkReport';
import type { LinkEstimate as WireLinkEstimate } from '../../../proto/gen/fedlink/v1/LinkEstimate';
import type { SelectionPolicyName } from '../../../common/types';
import { checkCompressionPolicy } from '../compression/choose-encoding';
import type { ClientRecord, Metrics, ModelName, ModelSpec, RoundRecord, RunConfig, RunRecord, TensorShape, TrainTask } from '../../../common/types';
import type { ClientInfo } from '../../../proto/gen/fedlink/v1/ClientInfo';
import type { Metrics as WireMetrics, Metrics__Output } from '../../../proto/gen/fedlink/v1/Metrics';
import type { ModelSpec as WireModelSpec } from '../../../proto/gen/fedlink/v1/ModelSpec';
import type { Round } from '../../../proto/gen/fedlink/v1/Round';
import type { Run } from '../../../proto/gen/fedlink/v1/Run';
import type { RunConfig as WireRunConfig, RunConfig__Output } from '../../../proto/gen/fedlink/v1/RunConfig';
import type { TaskAssignment } from '../../../proto/gen/fedlink/v1/TaskAssignment';
import type { TensorSpec__Output } from '../../../proto/gen/fedlink/v1/TensorSpec';

const MODELS: ModelName[] = ['mlp', 'cnn'];
const SELECTION_POLICY_NAMES: SelectionPolicyName[] = ['random', 'fcfs', 'sjf', 'round-robin', 'deadline', 'utility'];
const MAX_ID = 128;
const MAX_TASK_ID = 2 * MAX_ID + 32;

/** Defaults for fields a CreateRun request leaves at zero. */
export const RUN_DEFAULTS = {
  rounds: 10,
  clientsPerRound: 5,
  localEpochs: 1,
  batchSize: 32,
  learningRate: 0.05,
  roundDeadlineMs: 120_000,
  maxRoundRetries: 2,
  waitForClientsMs: 60_000,
  seed: 42,
} as const;

function positiveInt(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new InvalidArgumentError(`${name} must be an integer in 1..${max}, got ${value}`);
  return value;
}

/** Validates a requested run configuration and fills in defaults. */
export function fromWireRunConfig(w: RunConfig__Output | null): RunConfig {
  if (!w) throw new InvalidArgumentError('config is required');
  const model = (w.model || 'mlp') as ModelName;
  if (!MODELS.includes(model)) throw new InvalidArgumentError(`unknown model "${w.model}" (known: ${MODELS.join(', ')})`);
  const strategy = w.strategy || 'fedavg';
  if (strategy !== 'fedavg') throw new InvalidArgumentError(`unknown strategy "${strategy}" (known: fedavg)`);
  const selection = (w.selection || 'random') as SelectionPolicyName;
  if (!SELECTION_POLICY_NAMES.includes(selection)) throw new InvalidArgumentError(`unknown selection policy "${w.selection}" (known: ${SELECTION_POLICY_NAMES.join(', ')})`);
  const overSelection = w.overSelection || 1;
  if (!(overSelection >= 1 && overSelection <= 10)) throw new InvalidArgumentError(`over_selection must be in [1, 10], got ${overSelection}`);
  const clientDeadlineFactor = w.clientDeadlineFactor || 0;
  if (!(clientDeadlineFactor === 0 || (clientDeadlineFactor >= 1 && clientDeadlineFactor <= 100))) {
    throw new InvalidArgumentError(`client_deadline_factor must be 0 (off) or in [1, 100], got ${clientDeadlineFactor}`);
  }
  const evalData = w.evalData || undefined;
  if (evalData !== undefined && evalData !== 'fashion-mnist-test') throw new InvalidArgumentError(`unknown eval data "${evalData}" (known: fashion-mnist-test)`);
  const clientsPerRound = positiveInt(w.clientsPerRound || RUN_DEFAULTS.clientsPerRound, 'clients_per_round', 100_000);
  const minClients = positiveInt(w.minClients || Math.max(1, Math.ceil(clientsPerRound / 2)), 'min_clients', 100_000);
  if (minClients > clientsPerRound) throw new InvalidArgumentError(`min_clients (${minClients}) must not exceed clients_per_round (${clientsPerRound})`);
  const t = w.train;
  const lr = t?.learningRate || RUN_DEFAULTS.learningRate;
  if (!(lr > 0) || !Number.isFinite(lr) || lr > 100) throw new InvalidArgumentError(`learning_rate must be in (0, 100], got ${lr}`);
  return {
    rounds: positiveInt(w.rounds || RUN_DEFAULTS.rounds, 'rounds', 1_000_000),
    clientsPerRound,
    minClients,
    train: {
      localEpochs: positiveInt(t?.localEpochs || RUN_DEFAULTS.localEpochs, 'local_epochs', 10_000),
      // 0 on the wire is "full": one batch of the whole local partition.
      batchSize: t && t.batchSize === 0 ? 'full' : positiveInt(t?.batchSize || RUN_DEFAULTS.batchSize, 'batch_size', 1_000_000),
      learningRate: lr,
      seed: t?.seed || w.seed || RUN_DEFAULTS.seed,
    },
    roundDeadlineMs: positiveInt(w.roundDeadlineMs || RUN_DEFAULTS.roundDeadlineMs, 'round_deadline_ms', 7 * 24 * 3_600_000),
    strategy: 'fedavg',
    model,
    evalData,
    acceptFailures: w.acceptFailures,
    selection,
    overSelection,
    clientDeadlineFactor,
    compression: checkCompressionPolicy(w.compression),
    downlink: checkDownlink(w.downlink),
    seed: w.seed || RUN_DEFAULTS.seed,
    maxRoundRetries: w.maxRoundRetries,
    waitForClientsMs: w.waitForClientsMs || RUN_DEFAULTS.waitForClientsMs,
  };
}

/** Validates a run's model broadcast encoding. */
function checkDownlink(text: string): 'float32' | 'float16' {
  if (!text || text === 'float32') return 'float32';
  if (text === 'float16') return 'float16';
  throw new InvalidArgumentError(`unknown downlink encoding "${text}" (use float32 or float16)`);
}

/** Domain run config → wire. */
export function toWireRunConfig(c: RunConfig): WireRunConfig {
  return {
    rounds: c.rounds,
    clientsPerRound: c.clientsPerRound,
    minClients: c.minClients,
    train: { localEpochs: c.train.localEpochs, batchSize: c.train.batchSize === 'full' ? 0 : c.train.batchSize, learningRate: c.train.learningRate, seed: c.train.seed },
    roundDeadlineMs: c.roundDeadlineMs,
    strategy: c.strategy,
    model: c.model,
    evalData: c.evalData ?? '',
    acceptFailures: c.acceptFailures,
    selection: c.selection,
    overSelection: c.overSelection,
    clientDeadlineFactor: c.clientDeadlineFactor,
    compression: c.compression,
    downlink: c.downlink,
    seed: c.seed,
    maxRoundRetries: c.maxRoundRetries,
    waitForClientsMs: c.waitForClientsMs,
  };
}

/** Domain metrics → wire (undefined stays unset). */
export function toWireMetrics(m: Metrics | undefined): WireMetrics | null {
  return m ? { loss: m.loss, accuracy: m.accuracy, numExamples: m.numExamples } : null;
}

/** Wire metrics → domain, rejecting non-finite values. */
export function fromWireMetrics(m: Metrics__Output | null): Metrics {
  const out = { loss: m?.loss ?? 0, accuracy: m?.accuracy ?? 0, numExamples: m?.numExamples ?? 0 };
  if (!Number.isFinite(out.loss) || !Number.isFinite(out.accuracy)) throw new InvalidArgumentError('metrics must be finite');
  return out;
}

/** Domain model spec → wire. */
export function toWireModelSpec(s: ModelSpec): WireModelSpec {
  return { name: s.name, inputShape: s.inputShape, numClasses: s.numClasses, tensors: s.tensors.map((t) => ({ name: t.name, shape: t.shape })) };
}

/** Wire tensor list → domain, rejecting empty or non-positive dimensions. */
export function fromWireTensors(tensors: TensorSpec__Output[]): TensorShape[] {
  return tensors.map((t, i) => {
    if (t.shape.length === 0 || t.shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new InvalidArgumentError(`tensor ${i} has an invalid shape [${t.shape}]`);
    }
    return { name: t.name, shape: [...t.shape] };
  });
}

/** Validates an identifier coming from a client or operator. */
export function checkId(value: string, what: string): string {
  if (!value) throw new InvalidArgumentError(`${what} is required`);
  if (value.length > MAX_ID || !/^[A-Za-z0-9._:/-]+$/.test(value)) throw new InvalidArgumentError(`${what} "${printable(value, 40)}" is not a valid id (at most ${MAX_ID} of A-Z a-z 0-9 . _ : / -)`);
  return value;
}

/** Validates a task id (`<run>/r<round>a<attempt>/<client>`: two ids and a round, so longer than one id may be). */
export function checkTaskId(value: string): string {
  if (value.length > MAX_TASK_ID || !/^[A-Za-z0-9._:/-]*$/.test(value)) throw new InvalidArgumentError(`task_id "${printable(value, 40)}" is not a valid task id`);
  return value;
}

/** Domain run → wire. */
export function toWireRun(r: RunRecord): Run {
  return {
    runId: r.runId,
    state: r.state,
    config: toWireRunConfig(r.config),
    currentRound: r.currentRound,
    committedRounds: r.committedRounds,
    createdAtMs: r.createdAtMs,
    updatedAtMs: r.updatedAtMs,
    reason: r.reason ?? '',
    model: toWireModelSpec(r.model),
    latestEval: toWireMetrics(r.latestEval),
    modelVersion: r.modelVersion,
    checkpoints: (r.checkpoints ?? []).map((c) => ({ round: c.round, version: c.version, bytes: c.bytes, atMs: c.atMs })),
  };
}

/** Domain round → wire. */
export function toWireRound(r: RoundRecord): Round {
  return {
    runId: r.runId,
    round: r.round,
    state: r.state,
    reason: r.reason ?? '',
    attempt: r.attempt,
    startedAtMs: r.startedAtMs,
    endedAtMs: r.endedAtMs ?? 0,
    deadlineUnixMs: r.deadlineMs,
    clients: r.clients.map((c) => ({
      clientId: c.clientId,
      state: c.state,
      reason: c.reason ?? '',
      numExamples: c.numExamples,
      trainLoss: c.trainLoss ?? 0,
      trainAccuracy: c.trainAccuracy ?? 0,
      durationMs: c.durationMs ?? 0,
      bytesDown: c.bytesDown,
      bytesUp: c.bytesUp,
      selectedAtMs: c.selectedAtMs,
      dispatchedAtMs: c.dispatchedAtMs ?? 0,
      finishedAtMs: c.finishedAtMs ?? 0,
      localEvalLoss: c.localEvalLoss ?? 0,
      localEvalAccuracy: c.localEvalAccuracy ?? 0,
      predictedMs: Math.round(c.predictedMs ?? 0),
      actualMs: Math.round(c.actualMs ?? 0),
      resumes: c.resumes ?? 0,
      downloadMs: Math.round(c.downloadMs ?? 0),
      uploadMs: Math.round(c.uploadMs ?? 0),
      encoding: c.encoding ?? 'float32',
      sparseAverage: c.sparseAverage ?? false,
    })),
    skipped: (r.skipped ?? []).map((k) => ({ clientId: k.clientId, reason: k.reason, predictedMs: Math.round(k.predictedMs ?? 0) })),
    scheduling: r.scheduling ?? null,
    reported: r.clients.filter((c) => c.state === 'finished').length,
    meanTrainLoss: r.meanTrainLoss ?? 0,
    eval: toWireMetrics(r.eval),
    bytesDown: r.bytesDown,
    bytesUp: r.bytesUp,
    modelVersion: r.modelVersion,
    checkpoint: r.checkpoint ?? '',
  };
}

/** Domain client record → wire. */
export function toWireClient(c: ClientRecord): ClientInfo {
  return {
    clientId: c.clientId,
    status: c.status,
    lastSeenMs: c.lastSeenMs,
    backend: c.backend,
    datasetSize: c.datasetSize,
    dataset: c.dataset,
    connectedAtMs: c.connectedAtMs,
    peer: c.peer,
    activity: c.activity ? (c.progress !== undefined ? `${c.activity} ${Math.round(c.progress * 100)}%` : c.activity) : 'idle',
  };
}

/** Domain task → wire assignment. */
export function toWireTask(t: TrainTask): TaskAssignment {
  return {
    taskId: t.taskId,
    runId: t.runId,
    round: t.round,
    kind: 'TASK_KIND_TRAIN',
    model: toWireModelSpec(t.model),
    modelVersion: t.modelVersion,
    modelBytes: t.modelBytes,
    train: { localEpochs: t.train.localEpochs, batchSize: t.train.batchSize === 'full' ? 0 : t.train.batchSize, learningRate: t.train.learningRate, seed: t.train.seed },
    deadlineUnixMs: t.deadlineMs,
    updateEncoding: t.updateEncoding ?? 'float32',
    modelEncoding: t.modelEncoding ?? 'float32',
    sparseAverage: t.sparseAverage ?? false,
  };
}

/** Wire link report (from a heartbeat) → domain; zeros mean "not measured"; rejects impossible values and over-long names. */
export function fromWireLinkReport(clientId: string, w: LinkReport__Output, nowMs: number, maxNameLength: number = LIMITS.maxNameLength.default): LinkReport {
  const num = (v: number, name: string, max = Number.MAX_VALUE) => {
    if (!Number.isFinite(v) || v < 0 || v > max) throw new InvalidArgumentError(`link report ${name} out of range: ${v}`);
    return v > 0 ? v : undefined;
  };
  if (!(RADIO_TYPES as readonly string[]).includes(w.radio)) throw new InvalidArgumentError(`unknown radio type "${printable(w.radio, 20)}"`);
  if (w.slice.length > maxNameLength) throw new InvalidArgumentError(`link.slice is ${w.slice.length} characters, over the limit of ${maxNameLength} (${LIMITS.maxNameLength.flag})`);
  if (!Number.isFinite(w.battery) || w.battery > 1) throw new InvalidArgumentError(`link report battery out of range: ${w.battery}`);
  return {
    clientId,
    measuredAtMs: nowMs,
    radio: w.radio as RadioType,
    slice: stripControl(w.slice) || undefined,
    rttMs: num(w.rttMs, 'rtt_ms', 600_000),
    jitterMs: num(w.jitterMs, 'jitter_ms', 600_000),
    upMbps: num(w.upMbps, 'up_mbps', 1e6),
    downMbps: num(w.downMbps, 'down_mbps', 1e6),
    loss: Number.isFinite(w.loss) && w.loss >= 0 && w.loss <= 1 ? w.loss : (() => { throw new InvalidArgumentError(`link report loss out of range: ${w.loss}`); })(),
    resets: w.resets,
    metered: w.metered,
    battery: w.battery >= 0 ? w.battery : undefined,
    charging: w.charging,
  };
}

/** Domain link estimate → wire. */
export function toWireLinkEstimate(e: LinkEstimate | undefined, estimatedRoundMs?: number): WireLinkEstimate | null {
  if (!e) return null;
  return {
    presence: e.presence,
    radio: e.radio,
    slice: e.slice ?? '',
    rttMs: e.rttMs ?? 0,
    jitterMs: e.jitterMs ?? 0,
    upMbps: e.upMbps ?? 0,
    downMbps: e.downMbps ?? 0,
    loss: e.loss ?? 0,
    resets: e.resets,
    metered: e.metered ?? false,
    battery: e.battery ?? -1,
    charging: e.charging ?? false,
    lastReportMs: e.lastReportMs ?? 0,
    stale: e.stale,
    estimatedRoundMs: Math.round(estimatedRoundMs ?? 0),
    disconnects: e.disconnects,
  };
}
