/**
 * One training task, start to finish: check local data against the task's
 * model, fetch the global model, train on local data, upload the update.
 * Returns the TaskResult to announce; throws a TaskFailedError whose message
 * is the short reason the coordinator sees.
 *
 * The update is what the task's encoding asks for: with 'float32' (or none)
 * the new weights as raw float32, exactly as before encodings existed; with
 * any other encoding the delta from the global model, encoded by
 * `common/codecs`. Lossy encodings get client-side error feedback: what an
 * upload did not carry is added to the next update of the same run, except
 * where the global model has moved since a top-k upload (another client
 * delivered it; see error-feedback.ts).
 *
 * With a clip norm, what goes out is clipped first: the delta plus any pending
 * residual is scaled to at most that L2 norm (so the residual never carries what
 * clipping cut), and on the float32 path the new weights become global + the
 * clipped delta.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Clock } from '../../common/clock';
import { encodeUpdate, isLossy, parseEncoding, type ErrorFeedback } from '../../common/codecs';
import { CancelledError, FedlinkError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { TrainOutcome, TrainProgress, TrainTask } from '../../common/types';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { TaskResult } from '../../proto/gen/fedlink/v1/TaskResult';
import type { FeedbackStore } from './encodings';
import { fetchModel } from './fetch-model';
import { pushUpdate, type PushUpdateRequest } from './push-update';
import { describeError, isRpcError } from './rpc-error';
import { toWireResult } from './wire';
import type { ModelCache } from './model-cache';
import { clipUpdate, clipWeights, type ClipOutcome } from './clip-update';
import { DataMismatchError } from '../trainer/data/check-data';

/** Local training as the daemon sees it; injected so tests can pass a fake. */
export interface Trainer {
  /**
   * Gets local data ready for the task's model and checks that it fits, before
   * anything is downloaded: rejects with DataMismatchError (the reason names both
   * shapes) or with why the data cannot be read. Optional: without it, a task's
   * data problems surface from `train`.
   */
  prepare?(task: TrainTask, opts: { signal: AbortSignal }): Promise<void>;
  /** Trains `weights` (the global model, read-only: the model cache holds it) on local data; must reject promptly once `signal` aborts. */
  train(task: TrainTask, weights: Float32Array, opts: { signal: AbortSignal; onProgress: (p: TrainProgress) => void }): Promise<TrainOutcome>;
}

/** A task failed at some stage; `message` is the reason reported to the coordinator. */
export class TaskFailedError extends FedlinkError {}

/** What a task needs from the session that runs it. */
export interface TaskContext {
  client: FleetClient;
  /** Fresh call metadata (client id, credentials) for each call. */
  metadata: () => Metadata;
  trainer: Trainer;
  /** Read at upload time: a reconnect in between may have brought a new limit. */
  maxChunkBytes: () => number;
  /** Read at upload time too: whether the upload proves each chunk with an XXH64 digest (push-update.ts). @default never */
  chunkDigests?: () => boolean;
  signal: AbortSignal;
  onProgress: (p: TrainProgress) => void;
  logger: Logger;
  clock: Clock;
  /** Told of every finished model download and update upload (and how often it resumed after a break): real transfers are the best throughput probes. */
  onTransfer?: (direction: 'up' | 'down', bytes: number, ms: number, resumes: number) => void;
  /** Models already fetched, by version: a hit skips the download. */
  modelCache?: ModelCache;
  /** Error-feedback residuals kept across tasks; without one, lossy updates get none. */
  feedback?: FeedbackStore;
  /** L2 bound of every update (`--clip-norm`); unset: no clipping. */
  clipNorm?: number;
}

/** Result of a finished task plus what it cost on the wire. */
export interface TaskRun {
  result: TaskResult;
  bytesDown: number;
  bytesUp: number;
  /** Encoding the update went out in ('float32': raw new weights). */
  encoding: string;
  /** Size of the same update as raw float32, for the compression ratio. */
  denseBytes: number;
  /** What clipping did, when a clip norm is set. */
  clip?: ClipOutcome;
}

// Reasons travel in a TaskFailure and end up in `rounds show`: one line, bounded.
function reason(stage: string, err: unknown): TaskFailedError {
  const text = `${stage}: ${describeError(err)}`.replace(/\s+/g, ' ');
  return new TaskFailedError(text.length > 200 ? `${text.slice(0, 197)}...` : text, { cause: err });
}

/**
 * A mismatch between data and model is reported as it is (shapes and ranges only);
 * why the data could not be read may quote the device's own records, so that stays in its log.
 */
function dataFailure(err: unknown, logger: Logger): TaskFailedError {
  if (err instanceof DataMismatchError) return reason('local data does not fit the model', err);
  logger.warn({ err: describeError(err) }, 'local data could not be read for this run');
  return new TaskFailedError("local data could not be read with the run's preprocessing (the reason is in the device's log)", { cause: err });
}

function checkAborted(signal: AbortSignal, err?: unknown): void {
  if (signal.aborted) throw new CancelledError('task aborted', { cause: err ?? signal.reason });
}

/** Runs the task; rejects with CancelledError once `ctx.signal` aborts, TaskFailedError otherwise. */
export async function runTrainTask(task: TrainTask, ctx: TaskContext): Promise<TaskRun> {
  const { signal, logger } = ctx;
  const started = ctx.clock.now();
  ctx.feedback?.keepOnly(task.runId);

  if (ctx.trainer.prepare) {
    try {
      await ctx.trainer.prepare(task, { signal });
    } catch (err) {
      checkAborted(signal, err);
      throw dataFailure(err, logger);
    }
  }

  let weights: Float32Array;
  let bytesDown = 0;
  let downloadMs = 0;
  // A half-precision broadcast decodes to slightly different weights: cache it apart from the exact one.
  const cacheKey = task.modelEncoding === 'float16' ? `${task.modelVersion}/float16` : task.modelVersion;
  const cached = ctx.modelCache?.get(cacheKey);
  if (cached) {
    weights = cached;
    logger.debug({ modelVersion: task.modelVersion.slice(0, 12) }, 'global model already held; download skipped');
  } else try {
    const fetched = await fetchModel(
      ctx.client,
      {
        runId: task.runId, round: task.round, modelVersion: task.modelVersion, expectedBytes: task.modelBytes, tensors: task.model.tensors, encoding: task.modelEncoding,
        // A float16 broadcast decodes into an array of its own: no spare to spend on it.
        into: task.modelEncoding === 'float16' ? undefined : ctx.modelCache?.spare(task.modelBytes / 4),
      },
      { metadata: ctx.metadata(), signal },
    );
    weights = fetched.weights;
    bytesDown = fetched.bytes;
    ctx.modelCache?.put(cacheKey, weights);
    downloadMs = ctx.clock.now() - started;
    ctx.onTransfer?.('down', bytesDown, downloadMs, fetched.resumes);
  } catch (err) {
    checkAborted(signal, err);
    throw reason('model download failed', err);
  }
  logger.debug({ bytes: bytesDown, ms: ctx.clock.now() - started }, 'global model fetched');

  let outcome: TrainOutcome;
  try {
    outcome = await ctx.trainer.train(task, weights, { signal, onProgress: ctx.onProgress });
  } catch (err) {
    checkAborted(signal, err);
    throw reason('training failed', err);
  }
  checkAborted(signal);
  if (outcome.weights.length !== weights.length) {
    throw new TaskFailedError(`training failed: produced ${outcome.weights.length} parameters, the model has ${weights.length}`);
  }
  // A diverged model would be refused by the coordinator anyway; saying so here saves the upload.
  if (!outcome.weights.every(Number.isFinite)) throw new TaskFailedError('training diverged: non-finite weights');
  logger.debug({ loss: outcome.train.loss, accuracy: outcome.train.accuracy, ms: outcome.durationMs }, 'local training finished');

  const encoding = task.updateEncoding || 'float32';
  let prepared: PreparedUpdate;
  try {
    prepared = prepareUpdate(task, encoding, weights, outcome.weights, ctx.feedback, ctx.clipNorm);
  } catch (err) {
    throw reason('update encoding failed', err);
  }
  if (prepared.clip) {
    const { norm, scale, clipped } = prepared.clip;
    logger.debug({ norm, scale, clipNorm: ctx.clipNorm }, clipped ? 'update clipped' : 'update within the clip norm');
  }
  if (prepared.encoded) {
    logger.debug({ encoding, bytes: prepared.encoded.payload.length, denseBytes: 4 * weights.length, feedback: prepared.feedback !== undefined }, 'update encoded');
  }

  const pushStarted = ctx.clock.now();
  const base = { taskId: task.taskId, runId: task.runId, round: task.round, numExamples: outcome.numExamples, tensors: task.model.tensors, maxChunkBytes: ctx.maxChunkBytes(), chunkDigests: ctx.chunkDigests?.() ?? false };
  const request: PushUpdateRequest = prepared.encoded ? { ...base, encoded: prepared.encoded } : { ...base, weights: outcome.weights };
  let pushed;
  try {
    pushed = await pushUpdate(ctx.client, request, { metadata: ctx.metadata(), signal });
  } catch (err) {
    // Nothing reached the aggregate: the residual stays as it was, this round's delta is lost like any failed task's.
    checkAborted(signal, err);
    throw reason(isRpcError(err) ? 'update rejected' : 'update upload failed', err);
  }
  ctx.onTransfer?.('up', pushed.receivedBytes, ctx.clock.now() - pushStarted, pushed.resumes);
  if (prepared.feedback && prepared.encoded && prepared.compensated) {
    try {
      // The new residual is what the coordinator will not reconstruct from what it received.
      // Only a coordinator that averages this top-k update per parameter delivers what other
      // clients sent: then the residual is dropped where the model moves (error-feedback.ts).
      prepared.feedback.recordPayload(prepared.compensated, encoding, prepared.encoded.payload, task.sparseAverage ? weights : undefined);
      await ctx.feedback?.save(task.runId);
    } catch (err) {
      logger.warn({ err: describeError(err) }, 'error feedback not recorded; residual reset');
      prepared.feedback.reset();
    }
  }
  return {
    result: toWireResult(task, pushed.transferId, outcome, downloadMs),
    bytesDown,
    bytesUp: pushed.receivedBytes,
    encoding,
    denseBytes: 4 * weights.length,
    ...(prepared.clip && { clip: prepared.clip }),
  };
}

interface PreparedUpdate {
  /** Unset: upload the new weights raw (the float32 path). */
  encoded?: { payload: Uint8Array; encoding: string };
  /** The residual this upload carries and updates, with the delta + residual that was encoded. */
  feedback?: ErrorFeedback;
  compensated?: Float32Array;
  clip?: ClipOutcome;
}

/**
 * The upload for `encoding`: nothing to prepare for float32 (raw weights);
 * otherwise the delta trained − global, plus the run's residual when the
 * encoding is lossy (or a residual is pending from a lossy round before), clipped
 * to `clipNorm` when set, encoded. `trained` is overwritten with the delta (float32:
 * with the clipped new weights).
 */
function prepareUpdate(task: TrainTask, encoding: string, global: Float32Array, trained: Float32Array, store: FeedbackStore | undefined, clipNorm?: number): PreparedUpdate {
  if (encoding === 'float32') return clipNorm === undefined ? {} : { clip: clipWeights(global, trained, clipNorm) };
  const enc = parseEncoding(encoding);
  const n = global.length;
  // In place: the trained weights are not needed once the delta is taken (only the float32
  // path uploads them), and a model-sized array fresh from the OS costs a page fault per 4 KiB.
  const delta = trained;
  for (let i = 0; i < n; i++) delta[i] = trained[i] - global[i];
  const feedback = isLossy(enc) ? store?.forRun(task.runId, n) : store?.peek(task.runId, n);
  // What the global model received since the last per-parameter-averaged top-k upload is not sent again.
  feedback?.dropDelivered(global);
  const compensated = feedback ? feedback.compensate(delta, delta) : delta;
  // After compensation: the bound holds for what is sent, and what clipping cut is not fed back later.
  const clip = clipNorm === undefined ? undefined : clipUpdate(compensated, clipNorm);
  const payload = encodeUpdate(compensated, enc);
  return { encoded: { payload, encoding }, feedback, compensated: feedback ? compensated : undefined, clip };
}
