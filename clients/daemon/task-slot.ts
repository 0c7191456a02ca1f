/**
 * The daemon's single task slot: accepts one assignment at a time, refuses
 * the rest as busy, enforces the task's deadline, and turns cancels into an
 * aborted signal. The session wires it to the control stream.
 */
import type { Metadata } from '@grpc/grpc-js';
import type { Clock } from '../../common/clock';
import { CancelledError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { TrainProgress, TrainTask } from '../../common/types';
import type { ClientMessage } from '../../proto/gen/fedlink/v1/ClientMessage';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { TaskAssignment__Output } from '../../proto/gen/fedlink/v1/TaskAssignment';
import type { TaskProgress } from '../../proto/gen/fedlink/v1/TaskProgress';
import { describeError } from './rpc-error';
import { runTrainTask, type TaskContext, type Trainer } from './run-task';
import { fromWireTask, toWireProgress } from './wire';
import type { ModelCache } from './model-cache';
import type { FeedbackStore } from './encodings';
import type { ClipOutcome } from './clip-update';
import { DEFAULT_TASK_LIMITS, taskLimitViolation, taskTimeExceeded, type TaskLimits } from './task-limits';

/** Task lifecycle events, part of the session's event stream. */
export type TaskEvent =
  | { type: 'task-started'; taskId: string; runId: string; round: number }
  /** `clip`: what clipping did to the update, when the daemon clips (`--clip-norm`). */
  | { type: 'task-finished'; taskId: string; runId: string; round: number; transferId: string; numExamples: number; clip?: ClipOutcome }
  | { type: 'task-failed'; taskId: string; runId: string; round: number; reason: string };

/** What the slot needs from its session. */
export interface TaskSlotDeps {
  trainer: Trainer;
  client: () => FleetClient;
  metadata: () => Metadata;
  maxChunkBytes: () => number;
  /** Whether uploads carry per-chunk digests (both ends offer the 'chunk-xxh64' feature). @default never */
  chunkDigests?: () => boolean;
  /** Sends a result or failure on the control stream, now or after the next reconnect. */
  deliver: (message: ClientMessage) => void;
  emit: (event: TaskEvent) => void;
  clock: Clock;
  logger: Logger;
  onTransfer?: TaskContext['onTransfer'];
  modelCache?: ModelCache;
  /** Error-feedback residuals, kept across tasks (and reconnects) for lossy update encodings. */
  feedback?: FeedbackStore;
  /** What this device agrees to train; a task outside them is refused. @default DEFAULT_TASK_LIMITS */
  limits?: TaskLimits;
  /** Examples in the local partition, to count the batches a task asks for. @default 0 (one batch per epoch) */
  datasetSize?: number;
  /** L2 bound of every update; unset: no clipping. */
  clipNorm?: number;
}

type AbortReason = 'cancel' | 'deadline' | 'task-time' | 'stop';

interface RunningTask {
  task: TrainTask;
  controller: AbortController;
  abortReason?: AbortReason;
  progress?: TrainProgress;
  done?: Promise<void>;
}

const ABORT_MESSAGES: Record<AbortReason, string> = {
  cancel: 'cancelled by coordinator',
  deadline: 'deadline exceeded',
  'task-time': 'ran past --max-task-time',
  stop: 'client stopping',
};

/** Runs at most one training task at a time. */
export class TaskSlot {
  private running?: RunningTask;
  private readonly limits: TaskLimits;

  constructor(private readonly deps: TaskSlotDeps) {
    this.limits = deps.limits ?? DEFAULT_TASK_LIMITS;
  }

  /** Progress of the running task for the next heartbeat, or null when idle. */
  progress(): TaskProgress | null {
    const r = this.running;
    return r?.progress ? toWireProgress(r.task.taskId, r.progress) : null;
  }

  /** Takes an assignment: starts it, or answers with a failure (busy, unsupported, invalid, outside this device's limits, too late). */
  assign(wire: TaskAssignment__Output): void {
    const ids = { taskId: wire.taskId, runId: wire.runId, round: wire.round };
    // After a reconnect the coordinator may re-announce the task we are already on: keep working on it.
    if (this.running?.task.taskId === wire.taskId) return;
    if (wire.kind === 'TASK_KIND_EVALUATE') return this.fail(ids, 'unsupported');
    const current = this.running;
    if (current && current.task.runId === wire.runId && wire.round >= current.task.round) {
      // The coordinator only assigns a run's next task to a client it sees idle: it no longer counts on
      // this one (it restarted, or a standby took over, and the round is being redone). Follow it.
      this.deps.logger.info({ ...ids, superseded: current.task.taskId }, 'task superseded by a newer assignment of the same run');
      this.abort(current, 'cancel');
    } else if (current) {
      return this.fail(ids, 'busy');
    }
    let task: TrainTask;
    try {
      task = fromWireTask(wire);
    } catch (err) {
      return this.fail(ids, `invalid task: ${describeError(err)}`);
    }
    if (task.deadlineMs <= this.deps.clock.now()) return this.fail(ids, 'deadline exceeded');
    const refused = taskLimitViolation(task, this.limits, { nowMs: this.deps.clock.now(), datasetSize: this.deps.datasetSize ?? 0 });
    if (refused) return this.fail(ids, refused);
    const running: RunningTask = { task, controller: new AbortController() };
    this.running = running;
    running.done = this.execute(running);
  }

  /** Aborts the task if it is the one running; the coordinator wants no answer for it. */
  cancel(taskId: string, reason: string): void {
    const running = this.running;
    if (!running || running.task.taskId !== taskId) {
      this.deps.logger.debug({ taskId, reason }, 'cancel for a task not running here ignored');
      return;
    }
    this.deps.logger.info({ taskId, runId: running.task.runId, round: running.task.round, reason }, 'task cancelled by coordinator');
    this.abort(running, 'cancel');
  }

  /**
   * Aborts the running task because the client is stopping; returns its ids so
   * the caller can tell the coordinator, and a promise that settles once it has unwound.
   */
  abandon(): { ids: { taskId: string; runId: string; round: number }; done: Promise<void> } | undefined {
    const running = this.running;
    if (!running) return undefined;
    this.abort(running, 'stop');
    const { taskId, runId, round } = running.task;
    return { ids: { taskId, runId, round }, done: running.done ?? Promise.resolve() };
  }

  private abort(running: RunningTask, reason: AbortReason): void {
    if (running.abortReason) return;
    running.abortReason = reason;
    running.controller.abort(new CancelledError(ABORT_MESSAGES[reason]));
  }

  private fail(ids: { taskId: string; runId: string; round: number }, reason: string): void {
    this.deps.logger.warn({ ...ids, reason }, 'task failed');
    this.deps.deliver({ failure: { ...ids, reason } });
    this.deps.emit({ type: 'task-failed', ...ids, reason });
  }

  private async execute(running: RunningTask): Promise<void> {
    const { task } = running;
    const { clock } = this.deps;
    const ids = { taskId: task.taskId, runId: task.runId, round: task.round };
    const log = this.deps.logger.child({ runId: task.runId, round: task.round, taskId: task.taskId });
    this.deps.emit({ type: 'task-started', ...ids });
    log.info({ model: task.model.name, epochs: task.train.localEpochs, batchSize: task.train.batchSize, encoding: task.updateEncoding ?? 'float32' }, 'task started');
    // Whichever comes first: the task's deadline, or this device's own limit (which also bounds a task without a deadline).
    const limitAt = clock.now() + this.limits.maxTaskTimeMs;
    const byDeadline = task.deadlineMs <= limitAt;
    const deadline = clock.setTimeout(() => this.abort(running, byDeadline ? 'deadline' : 'task-time'), (byDeadline ? task.deadlineMs : limitAt) - clock.now());
    try {
      const run = await runTrainTask(task, {
        client: this.deps.client(),
        metadata: this.deps.metadata,
        trainer: this.deps.trainer,
        maxChunkBytes: this.deps.maxChunkBytes,
        chunkDigests: this.deps.chunkDigests,
        signal: running.controller.signal,
        onProgress: (p) => (running.progress = p),
        logger: log,
        clock,
        onTransfer: this.deps.onTransfer,
        modelCache: this.deps.modelCache,
        feedback: this.deps.feedback,
        clipNorm: this.deps.clipNorm,
      });
      // A cancel or deadline landing after the upload still wins: the coordinator has moved on.
      if (running.abortReason) throw new CancelledError('task aborted after upload');
      this.deps.deliver({ result: run.result });
      const numExamples = Number(run.result.numExamples);
      const transferId = String(run.result.transferId);
      const clip = run.clip && { updateNorm: run.clip.norm, clipped: run.clip.clipped };
      log.info({ transferId, numExamples, bytesDown: run.bytesDown, bytesUp: run.bytesUp, encoding: run.encoding, denseBytes: run.denseBytes, ...clip }, 'task finished');
      this.deps.emit({ type: 'task-finished', ...ids, transferId, numExamples, ...(run.clip && { clip: run.clip }) });
    } catch (err) {
      if (running.abortReason === 'deadline') this.fail(ids, 'deadline exceeded');
      else if (running.abortReason === 'task-time') this.fail(ids, taskTimeExceeded(this.limits));
      else if (running.abortReason) {
        // Cancelled by the coordinator (it wants no answer) or by stop() (whose caller tells the coordinator).
        this.deps.emit({ type: 'task-failed', ...ids, reason: running.abortReason === 'cancel' ? 'cancelled' : 'client stopping' });
      } else this.fail(ids, err instanceof Error ? err.message : String(err));
    } finally {
      deadline.cancel();
      if (this.running === running) this.running = undefined;
    }
  }
}
