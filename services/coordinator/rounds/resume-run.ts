/**
 * Recovery of one run after a restart, isolated from every other: what the
 * stored state allows (resume it, keep it pending, nothing to do), or a
 * RunNotResumableError whose message is the reason the run is then marked
 * failed with. The run manager calls it once per stored run id, so a corrupt
 * record, a missing checkpoint or a strategy state that won't parse fails that
 * run alone and the coordinator starts and serves the others; the failure is
 * stored, so the next start does not meet it again (never a crash loop).
 *
 * State is reconciled first, from the run record (the commit point): a round
 * it counts as committed whose record did not get there is marked committed;
 * any other unfinished round attempt is marked failed ("interrupted") and the
 * round is redone from its last committed checkpoint as a new attempt. Updates
 * that arrived before the crash were in the lost in-memory sum, so nothing is
 * counted twice.
 */
import type { Clock } from '../../../common/clock';
import { RunNotResumableError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { RunId, RunRecord } from '../../../common/types';
import { initBackend } from '../../../clients/trainer/backend';
import { initialWeights } from '../../../clients/trainer/models';
import type { Store } from '../store/store';
import { isStrategy } from '../strategy/registry';
import { loadStrategyState, referencedVersions } from '../strategy/stored-state';
import type { StrategyState } from '../strategy/types';

/** A run to drive again: pending (waits for `runs start`) or running (resumes at once). */
export interface ResumePlan {
  run: RunRecord;
  weights: Float32Array;
  /** The first attempt number of the round to redo. */
  nextAttempt: number;
  /** The strategy's server state stored with the checkpoint resumed from. */
  strategyState?: StrategyState;
}

/** What recovery needs. */
export interface ResumeDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
}

/** Reads run `runId` back for resuming; undefined when it has ended (or is gone); RunNotResumableError with the reason otherwise. */
export async function planResume(runId: RunId, deps: ResumeDeps): Promise<ResumePlan | undefined> {
  const { store } = deps;
  const run = await store.getRun(runId).catch((err: Error) => {
    throw new RunNotResumableError(`its run record is unreadable (${err.message})`, { cause: err });
  });
  if (!run || (run.state !== 'running' && run.state !== 'pending')) return undefined;
  checkShape(run);
  // A record from a build with more strategies than this one: refuse it rather than average differently.
  if (!isStrategy(run.config.strategy || 'fedavg')) throw new RunNotResumableError(`this coordinator has no strategy "${run.config.strategy}"`);
  const nextAttempt = await reconcileRounds(run, deps);
  const weights = await modelToResume(run, deps);
  // The strategy's server state (momentum, Adam moments) as it was at the checkpoint resumed from.
  const stored = (run.checkpoints ?? []).find((c) => c.version === run.modelVersion && c.round === run.committedRounds)?.strategyState;
  const strategyState = stored
    ? await loadStrategyState(store, run.runId, stored).catch((err: Error) => {
        throw new RunNotResumableError(`the ${run.config.strategy} server state of checkpoint ${short(run.modelVersion)} is unreadable (${err.message})`, { cause: err });
      })
    : undefined;
  // A checkpoint (or strategy state) written for a round that never reached the commit point is garbage.
  const kept = referencedVersions(run.checkpoints ?? []).add(run.modelVersion);
  for (const v of await store.listModels(run.runId)) if (!kept.has(v)) await store.deleteModel(run.runId, v);
  return { run, weights, nextAttempt, strategyState };
}

/**
 * The record `runId` is stored as once it could not be resumed: the one read, marked failed, or
 * (when the record itself is unreadable) a placeholder that carries only the id and the reason.
 */
export async function failedRecord(runId: RunId, reason: string, store: Store, nowMs: number): Promise<RunRecord> {
  const read = await store.getRun(runId).catch(() => undefined);
  const run = typeof read === 'object' && read !== null ? read : undefined;
  const placeholder: RunRecord = {
    runId, state: 'failed', currentRound: 0, committedRounds: 0, createdAtMs: nowMs, updatedAtMs: nowMs, modelVersion: '',
    model: { name: 'unknown', inputShape: [], numClasses: 0, tensors: [] },
    config: {
      rounds: 0, clientsPerRound: 0, minClients: 0, roundDeadlineMs: 0, strategy: 'fedavg', model: 'unknown', acceptFailures: false,
      selection: 'random', overSelection: 1, clientDeadlineFactor: 0, compression: 'float32', downlink: 'float32', seed: 0,
      maxRoundRetries: 0, waitForClientsMs: 0, train: { localEpochs: 0, batchSize: 0, learningRate: 0, seed: 0 },
    },
  };
  // What could be read is kept; what is missing is filled in so that reads (runs list, runs show) can show it.
  return {
    ...placeholder,
    ...run,
    config: run?.config ?? placeholder.config,
    model: run?.model ?? placeholder.model,
    runId,
    state: 'failed',
    reason,
    updatedAtMs: nowMs,
  };
}

/** Refuses a record without the parts resuming reads (hand-edited, or from another build). */
function checkShape(run: RunRecord): void {
  const missing = [
    typeof run.config !== 'object' || run.config === null ? 'config' : undefined,
    typeof run.model !== 'object' || run.model === null ? 'model' : undefined,
    typeof run.committedRounds !== 'number' ? 'committedRounds' : undefined,
    typeof run.modelVersion !== 'string' ? 'modelVersion' : undefined,
  ].filter((m) => m !== undefined);
  if (missing.length > 0) throw new RunNotResumableError(`its run record lacks ${missing.join(', ')}`);
}

/** Settles the run's unfinished round attempts (see the file comment); returns the next attempt number of the round to redo. */
async function reconcileRounds(run: RunRecord, deps: ResumeDeps): Promise<number> {
  const now = deps.clock.now();
  const rounds = await deps.store.listRounds(run.runId).catch((err: Error) => {
    throw new RunNotResumableError(`its round records are unreadable (${err.message})`, { cause: err });
  });
  let nextAttempt = 1;
  for (const r of rounds) {
    if (r.round === run.committedRounds + 1) nextAttempt = Math.max(nextAttempt, r.attempt + 1);
    if (r.state === 'committed' || r.state === 'failed') continue;
    if (r.round <= run.committedRounds && r.checkpoint) {
      r.state = 'committed';
    } else {
      r.state = 'failed';
      r.reason = 'interrupted: the coordinator stopped during this attempt; the round is redone from its last checkpoint';
      for (const c of r.clients) if (c.state !== 'finished' && c.state !== 'dropped' && c.state !== 'rejected') c.state = 'dropped';
    }
    r.endedAtMs ??= now;
    await deps.store.putRound(r);
  }
  return nextAttempt;
}

/** The weights to resume from: the current checkpoint, or (none yet) the initial model, a function of the seed. */
async function modelToResume(run: RunRecord, deps: ResumeDeps): Promise<Float32Array> {
  if (run.modelVersion) {
    const weights = await deps.store.getModel(run.runId, run.modelVersion).catch((err: Error) => {
      // The store's message names the checkpoint and what is wrong with it.
      throw new RunNotResumableError(err.message, { cause: err });
    });
    if (!weights) throw new RunNotResumableError(`checkpoint ${short(run.modelVersion)} is missing`);
    return weights;
  }
  // Created with --no-start, or stopped before the first save. TFJS needs its backend for that, even before any round.
  try {
    await initBackend({ logger: deps.logger });
    return initialWeights(run.model, run.config.seed);
  } catch (err) {
    throw new RunNotResumableError(`its initial model could not be rebuilt (${(err as Error).message})`, { cause: err });
  }
}

function short(version: string): string {
  return version.slice(0, 12);
}
