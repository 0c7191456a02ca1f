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
import { parseRunConfig } from './run-config-schema';
import type { ClientRecord, Metrics, ModelSpec, PrivacyConfig, PrivacyStep, RoundRecord, RunConfig, RunRecord, TensorShape, TrainConfig, TrainTask } from '../../../common/types';
import type { PrivacySpent } from '../../../proto/gen/fedlink/v1/PrivacySpent';
import { spentEpsilon } from '../privacy/spent';
import { toWireObjective, toWirePreprocessing } from '../../../common/model-definition-wire';
import type { ClientInfo } from '../../../proto/gen/fedlink/v1/ClientInfo';
import type { Metrics as WireMetrics, Metrics__Output } from '../../../proto/gen/fedlink/v1/Metrics';
import type { ModelSpec as WireModelSpec } from '../../../proto/gen/fedlink/v1/ModelSpec';
import type { Round } from '../../../proto/gen/fedlink/v1/Round';
import type { Run } from '../../../proto/gen/fedlink/v1/Run';
import type { RunConfig as WireRunConfig, RunConfig__Output } from '../../../proto/gen/fedlink/v1/RunConfig';
import type { TaskAssignment } from '../../../proto/gen/fedlink/v1/TaskAssignment';
import type { TensorSpec__Output } from '../../../proto/gen/fedlink/v1/TensorSpec';

const MAX_ID = 128;
const MAX_TASK_ID = 2 * MAX_ID + 32;

/** Validates a requested run configuration and fills in defaults (the run-config schema). */
export function fromWireRunConfig(w: RunConfig__Output | null): RunConfig {
  return parseRunConfig(w);
}

function toWireTrainConfig(t: TrainConfig) {
  return { localEpochs: t.localEpochs, batchSize: t.batchSize === 'full' ? 0 : t.batchSize, learningRate: t.learningRate, seed: t.seed };
}

/** Domain run config → wire. */
export function toWireRunConfig(c: RunConfig): WireRunConfig {
  return {
    rounds: c.rounds,
    clientsPerRound: c.clientsPerRound,
    minClients: c.minClients,
    train: toWireTrainConfig(c.train),
    roundDeadlineMs: c.roundDeadlineMs,
    strategy: c.strategy,
    ...c.strategyOptions,
    model: c.model,
    evalData: c.evalData ?? '',
    acceptFailures: c.acceptFailures,
    selection: c.selection,
    overSelection: c.overSelection,
    clientDeadlineFactor: c.clientDeadlineFactor,
    compression: c.compression,
    downlink: c.downlink,
    modelUpload: c.modelUpload ?? '',
    objective: c.objective ? toWireObjective(c.objective) : null,
    preprocessing: toWirePreprocessing(c.preprocessing),
    ...(c.privacy && { dpNoise: c.privacy.noise, dpClip: c.privacy.clip, dpDelta: c.privacy.delta, dpTargetEpsilon: c.privacy.targetEpsilon ?? 0 }),
    seed: c.seed,
    maxRoundRetries: c.maxRoundRetries,
    waitForClientsMs: c.waitForClientsMs,
  };
}

/** Domain metrics → wire (undefined stays unset). */
export function toWireMetrics(m: Metrics | undefined): WireMetrics | null {
  return m ? { loss: m.loss, accuracy: m.accuracy, numExamples: m.numExamples, mae: m.mae, mse: m.mse } : null;
}

/** Wire metrics → domain, rejecting non-finite values. */
export function fromWireMetrics(m: Metrics__Output | null): Metrics {
  const out: Metrics = { loss: m?.loss ?? 0, accuracy: m?.accuracy ?? 0, numExamples: m?.numExamples ?? 0 };
  if (m?.mae !== undefined) out.mae = m.mae;
  if (m?.mse !== undefined) out.mse = m.mse;
  if (![out.loss, out.accuracy, out.mae ?? 0, out.mse ?? 0].every(Number.isFinite)) throw new InvalidArgumentError('metrics must be finite');
  return out;
}

/** Domain model spec → wire. */
export function toWireModelSpec(s: ModelSpec): WireModelSpec {
  return {
    name: s.name, inputShape: s.inputShape, numClasses: s.numClasses, tensors: s.tensors.map((t) => ({ name: t.name, shape: t.shape })),
    topology: s.topology ?? '', outputShape: s.outputShape ?? [], objective: s.objective ? toWireObjective(s.objective) : null, preprocessing: toWirePreprocessing(s.preprocessing),
  };
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

/** A run's DP configuration and what its committed rounds spent → wire. */
function toWirePrivacy(p: PrivacyConfig, steps: PrivacyStep[], epsilon: number | undefined): PrivacySpent {
  // Records from before ε was stored with the steps: run the accountant.
  return { epsilon: epsilon ?? spentEpsilon(steps, p.delta), delta: p.delta, rounds: steps.length, noise: p.noise, clip: p.clip, targetEpsilon: p.targetEpsilon ?? 0 };
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
    privacy: r.config.privacy ? toWirePrivacy(r.config.privacy, r.privacySteps ?? [], r.privacyEpsilon) : null,
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
    strategyMetrics: r.strategyMetrics ?? {},
    aggregation: r.aggregation ?? '',
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
    partition: c.partition ?? '',
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
    train: { ...toWireTrainConfig(t.train), proximalMu: t.train.proximalMu ?? 0 },
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
