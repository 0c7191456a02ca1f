/**
 * One training task, start to finish: fetch the global model, train on local
 * data, upload the new weights. Returns the TaskResult to announce; throws a
 * TaskFailedError whose message is the short reason the coordinator sees.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Clock } from '../../common/clock';
import { CancelledError, FedlinkError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { TrainOutcome, TrainProgress, TrainTask } from '../../common/types';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { TaskResult } from '../../proto/gen/fedlink/v1/TaskResult';
import { fetchModel } from './fetch-model';
import { pushUpdate } from './push-update';
import { describeError, isRpcError } from './rpc-error';
import { toWireResult } from './wire';
import type { ModelCache } from './model-cache';

/** Local training as the daemon sees it; injected so tests can pass a fake. */
export interface Trainer {
  /** Trains `weights` (the global model) on local data; must reject promptly once `signal` aborts. */
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
  signal: AbortSignal;
  onProgress: (p: TrainProgress) => void;
  logger: Logger;
  clock: Clock;
  /** Told of every finished model download and update upload: real transfers are the best throughput probes. */
  onTransfer?: (direction: 'up' | 'down', bytes: number, ms: number) => void;
  /** Models already fetched, by version: a hit skips the download. */
  modelCache?: ModelCache;
}

/** Result of a finished task plus what it cost on the wire. */
export interface TaskRun {
  result: TaskResult;
  bytesDown: number;
  bytesUp: number;
}

// Reasons travel in a TaskFailure and end up in `rounds show`: one line, bounded.
function reason(stage: string, err: unknown): TaskFailedError {
  const text = `${stage}: ${describeError(err)}`.replace(/\s+/g, ' ');
  return new TaskFailedError(text.length > 200 ? `${text.slice(0, 197)}...` : text, { cause: err });
}

function checkAborted(signal: AbortSignal, err?: unknown): void {
  if (signal.aborted) throw new CancelledError('task aborted', { cause: err ?? signal.reason });
}

/** Runs the task; rejects with CancelledError once `ctx.signal` aborts, TaskFailedError otherwise. */
export async function runTrainTask(task: TrainTask, ctx: TaskContext): Promise<TaskRun> {
  const { signal, logger } = ctx;
  const started = ctx.clock.now();

  let weights: Float32Array;
  let bytesDown = 0;
  const cached = ctx.modelCache?.get(task.modelVersion);
  if (cached) {
    weights = cached;
    logger.debug({ modelVersion: task.modelVersion.slice(0, 12) }, 'global model already held; download skipped');
  } else try {
    const fetched = await fetchModel(
      ctx.client,
      { runId: task.runId, round: task.round, modelVersion: task.modelVersion, expectedBytes: task.modelBytes, tensors: task.model.tensors },
      { metadata: ctx.metadata(), signal },
    );
    weights = fetched.weights;
    bytesDown = fetched.bytes;
    ctx.modelCache?.put(task.modelVersion, weights);
    ctx.onTransfer?.('down', bytesDown, ctx.clock.now() - started);
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

  const pushStarted = ctx.clock.now();
  try {
    const pushed = await pushUpdate(
      ctx.client,
      {
        taskId: task.taskId,
        runId: task.runId,
        round: task.round,
        numExamples: outcome.numExamples,
        weights: outcome.weights,
        tensors: task.model.tensors,
        maxChunkBytes: ctx.maxChunkBytes(),
      },
      { metadata: ctx.metadata(), signal },
    );
    ctx.onTransfer?.('up', pushed.receivedBytes, ctx.clock.now() - pushStarted);
    return { result: toWireResult(task, pushed.transferId, outcome), bytesDown, bytesUp: pushed.receivedBytes };
  } catch (err) {
    checkAborted(signal, err);
    throw reason(isRpcError(err) ? 'update rejected' : 'update upload failed', err);
  }
}
