/**
 * What a device agrees to train (issue 10, "devices protect themselves"): a
 * coordinator, or whoever can create runs on it, must not be able to make an
 * edge device train for days, on a model it does not want, or in a million
 * tiny batches. A task outside these limits is refused with a reason that
 * names the limit and the flag that sets it, and never trained.
 */
import { durationText } from '../../common/duration';
import type { TrainTask } from '../../common/types';
import { MODEL_NAMES } from '../trainer/model-names';

/** What --allowed-models names: the built-in models, and `custom` for every model a run defines by its topology. */
export const DEVICE_MODEL_KINDS: readonly string[] = [...MODEL_NAMES, 'custom'];

/** The kind a task's model counts as for --allowed-models. */
export function modelKind(task: TrainTask): string {
  return task.model.topology ? 'custom' : task.model.name;
}

/** Limits a daemon puts on the tasks it accepts. */
export interface TaskLimits {
  /** Most local epochs a task may ask for (--max-epochs). */
  maxEpochs: number;
  /** A task's deadline must be at most this far away, and training still running after it is aborted, ms (--max-task-time). */
  maxTaskTimeMs: number;
  /** Models this device trains (--allowed-models). */
  allowedModels: readonly string[];
  /** Most optimizer steps (epochs × batches per epoch on the local partition) a task may ask for (--max-batches). */
  maxBatches: number;
}

/** Limits when no flag says otherwise. */
export const DEFAULT_TASK_LIMITS: TaskLimits = {
  maxEpochs: 20,
  maxTaskTimeMs: 3_600_000,
  allowedModels: DEVICE_MODEL_KINDS,
  // Well above an honest run (6,000 examples in batches of 10 for 20 epochs is 12,000), far below a flood of batches of 1.
  maxBatches: 100_000,
};

/**
 * Deadlines are the coordinator's wall clock, compared with ours: a run whose
 * round deadline equals --max-task-time must not be refused for a few seconds of skew.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;

/** Optimizer steps `task` asks for on a partition of `datasetSize` examples ('full' batch: one per epoch). */
export function taskBatches(task: TrainTask, datasetSize: number): number {
  const perEpoch = task.train.batchSize === 'full' ? 1 : Math.ceil(datasetSize / task.train.batchSize);
  return task.train.localEpochs * Math.max(1, perEpoch);
}

/** Why this device refuses `task` (naming the limit and its flag), or undefined when it is within every limit. */
export function taskLimitViolation(task: TrainTask, limits: TaskLimits, ctx: { nowMs: number; datasetSize: number }): string | undefined {
  if (!limits.allowedModels.includes(modelKind(task))) {
    return `task asks model ${task.model.topology ? `${task.model.name} (custom)` : task.model.name}; this device allows only ${limits.allowedModels.join(', ')} (--allowed-models)`;
  }
  const epochs = task.train.localEpochs;
  if (epochs > limits.maxEpochs) {
    return `task asks ${epochs} local epochs; this device allows at most ${limits.maxEpochs} (--max-epochs)`;
  }
  const batches = taskBatches(task, ctx.datasetSize);
  if (batches > limits.maxBatches) {
    const perEpoch = batches / epochs;
    return `task asks ${batches} batches (${epochs} epochs × ${perEpoch} batches of ${task.train.batchSize}); this device allows at most ${limits.maxBatches} (--max-batches)`;
  }
  // No deadline at all (0 on the wire) is bounded by our own limit instead, in the task slot.
  const untilDeadlineMs = task.deadlineMs - ctx.nowMs;
  if (Number.isFinite(untilDeadlineMs) && untilDeadlineMs > limits.maxTaskTimeMs + CLOCK_SKEW_ALLOWANCE_MS) {
    return `task deadline is ${durationText(Math.ceil(untilDeadlineMs / 1000) * 1000)} away; this device allows at most ${durationText(limits.maxTaskTimeMs)} (--max-task-time)`;
  }
  return undefined;
}

/** Failure reason of a task aborted because it ran past --max-task-time. */
export function taskTimeExceeded(limits: TaskLimits): string {
  return `task still running after ${durationText(limits.maxTaskTimeMs)}; this device allows at most ${durationText(limits.maxTaskTimeMs)} (--max-task-time)`;
}
