/**
 * Drives one run through its rounds: select → train → aggregate → evaluate →
 * commit, retrying a failed round up to the run's limit. Every state change
 * is saved to the store and published for watchers.
 */
import { failpoint } from '../../../common/failpoint';
import type { Clock, TimerHandle } from '../../../common/clock';
import type { EventBus } from '../../../common/event-bus';
import type { Logger } from '../../../common/logger';
import { createRng } from '../../../common/random';
import type { ClientId, Metrics, PrivacyStep, RoundRecord, RunRecord } from '../../../common/types';
import { float32ToBytes, sha256Hex } from '../../../common/weights-codec';
import type { LinkEstimate } from '../../../common/link';
import type { RoundRecorder } from '../metrics/recorder';
import type { RoundLifecycleEvent } from '../../../common/events/payloads';
import { predictCompletion } from '../selection/predictor';
import { chooseEncoding } from '../compression/choose-encoding';
import { markSparseAverage } from '../compression/sparse-average';
import { selectionPolicy } from '../selection/registry';
import type { Candidate, ClientHistory, SelectionResult } from '../selection/types';
import { OrderedWrites } from '../store/ordered-writes';
import type { Store } from '../store/store';
import { FencedError } from '../ha/fenced-store';
import { strategy, withDefaults } from '../strategy/registry';
import { referencedVersions, saveStrategyState } from '../strategy/stored-state';
import type { Strategy, StrategyState } from '../strategy/types';
import { aggregateRound, type NoiseSource, type RoundAggregate } from '../aggregation/aggregate-round';
import { secureNormalSource } from '../privacy/gaussian-noise';
import { wouldExceed } from '../privacy/rdp-accountant';
import { spentEpsilon } from '../privacy/spent';
import type { FleetChange, FleetPort } from './fleet-port';
import { HALTED_REASON, meanTrainLoss, Round, type RoundOutcome } from './round';
import type { JournalOptions } from './update-journal';

/** A change of a run, and of one of its rounds when that is what changed. */
export interface RunEvent {
  run: RunRecord;
  round?: RoundRecord;
}

/** Collaborators of a run driver. */
export interface RunDriverDeps {
  store: Store;
  fleet: FleetPort;
  clock: Clock;
  logger: Logger;
  events: EventBus<RunEvent>;
  /** Server-side evaluation of global weights, when the run asks for it. */
  evaluate?: (run: RunRecord, weights: Float32Array) => Promise<Metrics>;
  maxUpdateBytes: number;
  /** Once min_clients are idle, how long to wait for clients_per_round before selecting. @default 2000 */
  selectionGraceMs?: number;
  /** Link estimates for link-aware selection. */
  links?: { get(clientId: ClientId): LinkEstimate | undefined };
  /** Round lifecycle events (published on NATS). */
  lifecycle?: (e: RoundLifecycleEvent) => void;
  /** How long a disconnected selected client may take to come back and resume. @default 0 */
  reconnectGraceMs?: number;
  /** Directory for the journals of large uploads (see update-journal.ts); undefined keeps them in memory. */
  spoolDir?: string;
  /** What uploads may keep in memory (journal-memory.ts); shared by every run of the coordinator. */
  journals?: Pick<JournalOptions, 'budget' | 'memoryMaxBytes'>;
  /** Largest |value| an update may carry; others are refused before anything is folded. @default DEFAULT_VALUE_BOUND (1e30) */
  valueBound?: number;
  /** Which checkpoints to keep. @default keep the last 3 */
  retention?: CheckpointRetention;
  /** Resuming after a restart: the first attempt number of the interrupted round. */
  resumeAttempt?: number;
  /** Resuming after a restart: the strategy's server state stored with the checkpoint resumed from. */
  strategyState?: StrategyState;
  /** Where rounds report for Prometheus (metrics/recorder.ts); unset: nothing is recorded. */
  metrics?: RoundRecorder;
  /** Gaussian noise for DP runs. @default a cryptographically secure source (tests pass a seeded one) */
  noise?: NoiseSource;
}

/** Checkpoints kept: the newest `keepLast`, plus every round that is a multiple of `every` (0: none), plus round 0. */
export interface CheckpointRetention {
  keepLast: number;
  every: number;
}

/** Rounds of history kept per client for prediction and utility. */
const HISTORY_ROUNDS = 20;

/** Runs the rounds of one run. */
export class RunDriver {
  private current?: Round;
  private cancelled = false;
  private halted = false;
  private readonly history = new Map<ClientId, ClientHistory>();
  private wake?: () => void;
  /** Set when the run must end after the current round loop (its privacy budget would be exceeded). */
  private stopReason?: string;
  private noiseSource?: NoiseSource;
  private readonly strategy: Strategy;
  /** The strategy's server state after the last commit (O(model) per run). */
  private strategyState?: StrategyState;
  /** Resolves with the final run record. */
  done?: Promise<RunRecord>;
  /** This run's store writes, in order per record. */
  private readonly writes = new OrderedWrites();

  constructor(
    private readonly run: RunRecord,
    private weights: Float32Array,
    private readonly deps: RunDriverDeps,
  ) {
    // Records written before strategies had options (or by hand) may name none: that was FedAvg.
    this.strategy = strategy(run.config.strategy || 'fedavg');
    this.strategyState = deps.strategyState;
  }

  /** The round attempt in progress, if any. */
  get currentRound(): Round | undefined {
    return this.current;
  }

  /** Starts the loop (once). */
  start(): Promise<RunRecord> {
    this.done ??= this.loop()
      .catch(async (err) => {
        if (this.halted || err instanceof FencedError) {
          // Stopped from outside (shutdown), or leadership lost and state writes fenced: not the run's
          // failure; the run keeps its stored state for whoever drives it next (the lease logs why once).
          this.halted = true;
          this.deps.logger.info({ why: (err as Error).message }, 'stopped driving the run; its state stays as stored');
          return this.run;
        }
        this.deps.logger.error({ err }, 'run failed unexpectedly');
        await this.finish('failed', 'internal error (see coordinator log)').catch((e: Error) => this.deps.logger.error({ err: e.message }, 'could not record the failure'));
        return this.run;
      })
      // Progress saves still queued land (or fail, handled) before the run counts as done.
      .finally(() => this.writes.flush());
    return this.done;
  }

  /** Cancels the run: the current round closes now and no new round starts. */
  cancel(): void {
    this.cancelled = true;
    this.current?.close('cancelled');
    this.wake?.();
  }

  /**
   * Stops driving without ending the run (coordinator shutdown): the current
   * round is abandoned, the run keeps its state so a durable store can resume it.
   */
  halt(): void {
    this.halted = true;
    // Not a cancellation: clients and the round record are told the run goes on elsewhere or later.
    this.cancelled = true;
    this.current?.close('halted');
    this.wake?.();
  }

  /** The weights of `version` if they are this run's current model (saves a store read per download). */
  modelFor(version: string): Float32Array | undefined {
    return version === this.run.modelVersion ? this.weights : undefined;
  }

  private async loop(): Promise<RunRecord> {
    const { config } = this.run;
    this.run.state = 'running';
    if (!this.run.modelVersion) {
      // A new run: its initial model is checkpoint 0. (A resumed run already has its checkpoint.)
      this.run.modelVersion = await this.saveModel(this.weights);
      this.run.checkpoints = [{ round: 0, version: this.run.modelVersion, bytes: this.weights.byteLength, atMs: this.deps.clock.now() }];
    }
    await this.saveRun();
    const resumeRound = this.run.committedRounds + 1;
    for (let r = resumeRound; r <= config.rounds; r++) {
      let lastReason = '';
      let committed = false;
      // After a restart the interrupted round is redone with fresh attempts, numbered after the ones on record.
      const first = r === resumeRound && this.deps.resumeAttempt ? this.deps.resumeAttempt : 1;
      for (let attempt = first; attempt < first + config.maxRoundRetries + 1 && !this.cancelled; attempt++) {
        const result = await this.runRound(r, attempt);
        if (result === true) {
          committed = true;
          break;
        }
        lastReason = result;
      }
      if (this.halted) return this.run;
      if (this.stopReason) return this.finish('completed', this.stopReason);
      if (this.cancelled) return this.finish('cancelled', 'cancelled by operator');
      if (!committed) return this.finish('failed', `round ${r} failed after ${config.maxRoundRetries + 1} attempt(s): ${lastReason}`);
    }
    return this.finish('completed');
  }

  /** One attempt; true when committed, else the reason it failed. */
  private async runRound(round: number, attempt: number): Promise<true | string> {
    const { config } = this.run;
    const log = this.deps.logger.child({ round, attempt });
    this.run.currentRound = round;
    await this.saveRun();
    const available = await this.waitForClients(config.minClients, config.clientsPerRound, config.waitForClientsMs);
    if (this.cancelled) return this.halted ? HALTED_REASON : 'run cancelled';
    const now = this.deps.clock.now();
    if (available.length < config.minClients) {
      const reason = `only ${available.length} idle client(s) connected after waiting ${Math.round(config.waitForClientsMs / 1000)}s; min_clients is ${config.minClients}`;
      await this.saveRound({
        runId: this.run.runId, round, attempt, state: 'failed', reason, startedAtMs: now, endedAtMs: now, deadlineMs: now,
        clients: [], bytesDown: 0, bytesUp: 0, modelVersion: this.run.modelVersion,
      });
      log.warn({ reason }, 'round failed');
      return reason;
    }
    failpoint('selecting', round);
    const rng = createRng((config.seed * 7919 + round * 104729 + attempt) >>> 0);
    const choice = this.select(available, round, rng);
    const selected = markSparseAverage(
      choice.selected.map((s) => ({ ...s, encoding: this.encodingFor(s.clientId, round) })),
      (id) => this.deps.fleet.describe(id)?.features,
    );
    if (selected.length < config.minClients) {
      const reason = `selection policy ${config.selection} picked ${selected.length} of ${available.length} idle client(s); min_clients is ${config.minClients}`;
      await this.saveRound({
        runId: this.run.runId, round, attempt, state: 'failed', reason, startedAtMs: now, endedAtMs: now, deadlineMs: now,
        clients: [], bytesDown: 0, bytesUp: 0, modelVersion: this.run.modelVersion, skipped: choice.skipped,
      });
      log.warn({ reason }, 'round failed');
      return reason;
    }
    // DP accounting treats the cohort as a uniform sample of the clients that could have been picked.
    const privacyStep = config.privacy && { q: Math.min(1, selected.length / Math.max(1, available.length)), sigma: config.privacy.noise };
    if (privacyStep && config.privacy?.targetEpsilon !== undefined && wouldExceed(this.run.privacySteps ?? [], privacyStep, config.privacy.delta, config.privacy.targetEpsilon)) {
      const spent = spentEpsilon(this.run.privacySteps ?? [], config.privacy.delta);
      this.stopReason = `privacy budget: round ${round} would take ε past the target ${config.privacy.targetEpsilon} (spent ${spent.toFixed(3)} at δ = ${config.privacy.delta})`;
      this.cancelled = true;
      log.info({ epsilon: spent, target: config.privacy.targetEpsilon }, 'stopping before the privacy budget is exceeded');
      return this.stopReason;
    }
    log.info({ selected: selected.map((s) => s.clientId), skipped: choice.skipped.length, policy: config.selection }, 'round started');
    const current = new Round({
      runId: this.run.runId,
      round,
      attempt,
      spec: this.run.model,
      modelVersion: this.run.modelVersion,
      modelBytes: this.weights.byteLength,
      train: { ...config.train, ...this.strategy.train?.(this.strategyOptions()) },
      selected,
      globalWeights: this.weights,
      modelEncoding: config.downlink,
      skipped: choice.skipped,
      targetReports: selected.length > config.clientsPerRound ? config.clientsPerRound : undefined,
      clientDeadlineFactor: config.clientDeadlineFactor,
      policy: config.selection,
      lifecycle: this.deps.lifecycle,
      reconnectGraceMs: this.deps.reconnectGraceMs,
      spoolDir: this.deps.spoolDir,
      journals: this.deps.journals,
      valueBound: this.deps.valueBound,
      deadlineMs: now + config.roundDeadlineMs,
      maxUpdateBytes: this.deps.maxUpdateBytes,
      fleet: this.deps.fleet,
      clock: this.deps.clock,
      logger: log,
      // Progress only: queued in order with the round's other saves (a failure is logged and
      // superseded by the next save); the round's closing save is awaited, so a store that keeps refusing
      // (fenced: the lease is lost) still ends the loop.
      onChange: (record) => this.queueRound(record),
    });
    this.current = current;
    current.start();
    const outcome = await current.done;
    this.current = undefined;
    try {
      return await this.finishRound(current.record, outcome, selected.length, round, attempt, log, privacyStep || undefined);
    } finally {
      // Closes the accepted updates' journals (spool files are deleted) and hands the sum's wasm memory to the next round.
      await outcome.accumulator.dispose();
    }
  }

  /** Commits or fails a closed round; true when committed, else the reason. */
  private async finishRound(
    record: RoundRecord, outcome: RoundOutcome, selectedCount: number, round: number, attempt: number, log: Logger, privacyStep?: PrivacyStep,
  ): Promise<true | string> {
    const { config } = this.run;
    this.remember(record);
    if (outcome.cancelled) return this.failRound(record, this.halted ? HALTED_REASON : 'run cancelled');
    const blocked = this.commitBlocker(outcome.reported, outcome.failed, selectedCount);
    if (blocked) return this.failRound(record, blocked);
    record.state = 'aggregating';
    await this.saveRound(record);
    failpoint('mid-aggregation', round);
    let aggregate: RoundAggregate | undefined;
    let aggregateError: unknown;
    const aggregating = this.deps.metrics?.startPhase('aggregate');
    try {
      aggregate = aggregateRound(outcome.accumulator, this.weights, {
        strategy: this.strategy,
        options: this.strategyOptions(),
        spoolDir: this.deps.spoolDir,
        privacy: config.privacy && { config: config.privacy, noise: this.noise(), cohort: config.clientsPerRound },
      });
    } catch (err) {
      // Without the refused updates a rule may have too few to work with: the round's rules decide below.
      if (outcome.accumulator.refused.length === 0) throw err;
      aggregateError = err;
    } finally {
      aggregating?.();
    }
    // Updates whose journal did not read back as written count as failed, as if refused on
    // arrival; the aggregate already leaves them out, so the round commits if its rules allow.
    const refused = outcome.accumulator.refused;
    for (const r of refused) this.refusedAtFold(record, r.clientId, r.reason, r.offset, log);
    const reported = outcome.reported - refused.length;
    if (!aggregate || refused.length > 0) {
      const rules = this.commitBlocker(reported, outcome.failed + refused.length, selectedCount);
      if (rules !== undefined || !aggregate) {
        const why = rules ?? `the other updates could not be aggregated: ${(aggregateError as Error).message}`;
        return this.failRound(record, `the update(s) of ${refused.map((r) => r.clientId).join(', ')} failed their check at the fold (spool file changed on disk); ${why}`);
      }
    }
    // The strategy turns the round's aggregate into the next model (identity for fedavg and the robust rules).
    const step = this.strategy.commit(
      {
        previous: this.weights,
        average: aggregate.values,
        examples: record.clients.reduce((n, c) => n + (c.state === 'finished' ? c.numExamples : 0), 0),
        updates: reported,
        round,
        state: this.strategyState,
      },
      this.strategyOptions(),
    );
    const weights = step.weights;
    const privacySteps = privacyStep ? [...(this.run.privacySteps ?? []), privacyStep] : this.run.privacySteps;
    const privacyEpsilon = config.privacy && privacySteps ? spentEpsilon(privacySteps, config.privacy.delta) : undefined;
    record.strategyMetrics = {
      ...aggregate.metrics,
      ...step.metrics,
      ...(config.privacy && privacyEpsilon !== undefined && { dp_epsilon: privacyEpsilon, dp_delta: config.privacy.delta }),
    };
    const notes = [aggregate.note, refused.length > 0 ? `left out at the fold (spool file changed on disk): ${refused.map((r) => r.clientId).join(', ')}` : undefined].filter((n) => n !== undefined);
    if (notes.length > 0) record.aggregation = notes.join('; ');
    if (this.deps.evaluate) {
      record.state = 'evaluating';
      await this.saveRound(record);
      record.eval = await this.deps.evaluate(this.run, weights);
      this.run.latestEval = record.eval;
    }
    // Commit order, so a crash anywhere leaves a consistent state: (1) the checkpoint,
    // verified and durable; (2) the round record naming it; (3) the run record, which
    // is the commit point (recovery trusts committedRounds); (4) the round marked
    // committed; only then the event. Older checkpoints are pruned after all that.
    // The strategy's state goes with its checkpoint (same durability, written before the commit names it);
    // only the current checkpoint carries state, so a run keeps one model's worth of it on disk too.
    const committing = this.deps.metrics?.startPhase('commit');
    const version = await this.saveModel(weights);
    const strategyState = step.state && (await saveStrategyState(this.deps.store, this.run.runId, step.state));
    record.checkpoint = version;
    await this.saveRound(record);
    failpoint('committing', round);
    const previous = this.weights;
    const previousState = this.strategyState;
    const previousSteps = this.run.privacySteps;
    const previousEpsilon = this.run.privacyEpsilon;
    const referencedBefore = referencedVersions(this.run.checkpoints ?? []);
    this.weights = weights;
    this.strategyState = step.state;
    this.run.modelVersion = version;
    this.run.committedRounds = round;
    if (privacySteps) {
      this.run.privacySteps = privacySteps;
      this.run.privacyEpsilon = privacyEpsilon;
    }
    this.run.checkpoints = [
      ...(this.run.checkpoints ?? []).map(({ strategyState: _, ...c }) => c),
      { round, version, bytes: weights.byteLength, atMs: this.deps.clock.now(), ...(strategyState && { strategyState }) },
    ];
    try {
      await this.saveRun();
    } catch (err) {
      // Not committed after all: keep serving the model the clients have, with its state.
      this.weights = previous;
      this.strategyState = previousState;
      this.run.privacySteps = previousSteps;
      this.run.privacyEpsilon = previousEpsilon;
      throw err;
    }
    failpoint('committed', round);
    record.state = 'committed';
    record.endedAtMs = this.deps.clock.now();
    await this.saveRound(record);
    committing?.();
    const epsilon = record.strategyMetrics?.dp_epsilon;
    this.deps.lifecycle?.({
      type: 'round-committed', runId: this.run.runId, round, attempt, atMs: record.endedAtMs,
      ...(config.privacy && epsilon !== undefined && { privacy: { epsilon, delta: config.privacy.delta } }),
    });
    await this.prune(referencedBefore);
    log.info({ reported: outcome.reported, meanTrainLoss: record.meanTrainLoss, eval: record.eval, strategy: this.strategy.name, ...step.metrics }, 'round committed');
    return true;
  }

  /** Runs the run's selection policy over the idle clients. */
  private select(available: ClientId[], round: number, rng: () => number): SelectionResult {
    const { config } = this.run;
    // A device that does not train this model (its --allowed-models) would only refuse the task.
    const unwilling: SelectionResult['skipped'] = [];
    const candidates: Candidate[] = available.flatMap((clientId) => {
      const d = this.deps.fleet.describe(clientId);
      // A run's own model counts as 'custom' in a device's --allowed-models (clients/daemon/task-limits.ts).
      const kind = this.run.model.topology ? 'custom' : config.model;
      if (d?.models?.length && !d.models.includes(kind)) {
        unwilling.push({ clientId, reason: `does not train model ${kind === 'custom' ? `${config.model} (custom)` : kind} (allows ${d.models.join(', ')})` });
        return [];
      }
      return d ? [{ clientId, datasetSize: d.datasetSize, idleSinceMs: d.idleSinceMs, link: this.deps.links?.get(clientId), history: this.historyOf(clientId) }] : [];
    });
    const choice = selectionPolicy(config.selection)(candidates, {
      round,
      count: config.clientsPerRound,
      overSelection: config.overSelection,
      roundDeadlineMs: config.roundDeadlineMs,
      modelBytes: this.weights.byteLength,
      updateBytes: this.weights.byteLength,
      localEpochs: config.train.localEpochs,
      batchSize: config.train.batchSize,
      nowMs: this.deps.clock.now(),
      rng,
    });
    return { ...choice, skipped: [...unwilling, ...choice.skipped] };
  }

  /** Predicted dispatch-to-update time of a client for this run's model and settings, ms. */
  estimateMs(clientId: ClientId, datasetSize: number): number {
    return this.estimator()(clientId, datasetSize);
  }

  /**
   * The same prediction as a function that holds only what it needs (settings, the
   * model's size, the per-client history), not the driver: it outlives a finished run
   * released from memory, so `clients list` keeps its round-time estimates.
   */
  estimator(): (clientId: ClientId, datasetSize: number) => number {
    const { config } = this.run;
    const round = this.run.currentRound;
    const modelBytes = this.weights.byteLength;
    const { links, clock } = this.deps;
    const history = this.history;
    return (clientId, datasetSize) =>
      predictCompletion(
        { clientId, datasetSize, idleSinceMs: 0, link: links?.get(clientId), history: history.get(clientId) ?? { timesSelected: 0, rounds: [] } },
        {
          round, count: config.clientsPerRound, overSelection: config.overSelection, roundDeadlineMs: config.roundDeadlineMs,
          modelBytes, updateBytes: modelBytes, localEpochs: config.train.localEpochs,
          batchSize: config.train.batchSize, nowMs: clock.now(), rng: Math.random,
        },
      ).totalMs;
  }

  /** The update encoding to ask of a selected client: the run's setting, or for 'auto' what its link allows. */
  private encodingFor(clientId: ClientId, round: number): string {
    const { config } = this.run;
    const d = this.deps.fleet.describe(clientId);
    if (config.compression === 'float32' || !d) return 'float32';
    const link = this.deps.links?.get(clientId);
    const p = predictCompletion(
      { clientId, datasetSize: d.datasetSize, idleSinceMs: d.idleSinceMs, link, history: this.historyOf(clientId) },
      this.selectionContext(round, Math.random),
    );
    return chooseEncoding({
      policy: config.compression,
      supported: d.encodings,
      parameterCount: this.weights.length,
      upMbps: link?.upMbps,
      rttMs: link?.rttMs,
      // The same 0.9 safety margin the deadline policy keeps.
      uploadBudgetMs: config.roundDeadlineMs * 0.9 - p.downloadMs - p.computeMs,
    });
  }

  private selectionContext(round: number, rng: () => number) {
    const { config } = this.run;
    return {
      round, count: config.clientsPerRound, overSelection: config.overSelection, roundDeadlineMs: config.roundDeadlineMs,
      modelBytes: this.weights.byteLength, updateBytes: this.weights.byteLength, localEpochs: config.train.localEpochs,
      batchSize: config.train.batchSize, nowMs: this.deps.clock.now(), rng,
    };
  }

  /** A client's selection history in this run (empty before its first selection). */
  historyOf(clientId: ClientId): ClientHistory {
    let h = this.history.get(clientId);
    if (!h) this.history.set(clientId, (h = { timesSelected: 0, rounds: [] }));
    return h;
  }

  /** Folds a closed round into the per-client history that prediction and utility learn from. */
  private remember(record: RoundRecord): void {
    for (const c of record.clients) {
      const h = this.historyOf(c.clientId);
      h.timesSelected++;
      h.lastSelectedRound = record.round;
      const reported = c.acceptedAtMs !== undefined;
      h.rounds.push({
        round: record.round, selected: true, reported,
        examples: reported ? c.numExamples : undefined, trainLoss: c.trainLoss, computeMs: c.durationMs, actualMs: c.actualMs, predictedMs: c.predictedMs,
        downloadMs: c.downloadMs, uploadMs: c.uploadMs,
        missedDeadlineMs: !reported && c.missedDeadline && c.dispatchedAtMs !== undefined ? (c.finishedAtMs ?? record.endedAtMs ?? 0) - c.dispatchedAtMs : undefined,
      });
      if (h.rounds.length > HISTORY_ROUNDS) h.rounds.shift();
    }
    // Idle but not picked: the fairness bound counts these rounds of waiting.
    for (const k of record.skipped ?? []) {
      const h = this.historyOf(k.clientId);
      h.rounds.push({ round: record.round, selected: false, reported: false, predictedMs: k.predictedMs });
      if (h.rounds.length > HISTORY_ROUNDS) h.rounds.shift();
    }
  }

  /** Why a closed round with these counts cannot commit; undefined when it can. */
  private commitBlocker(reported: number, failed: number, selectedCount: number): string | undefined {
    const { config } = this.run;
    if (reported < config.minClients) return `only ${reported} of ${selectedCount} selected client(s) reported; min_clients is ${config.minClients}`;
    if (!config.acceptFailures && failed > 0) return `${failed} selected client(s) did not report and accept_failures is off`;
    const needs = this.strategy.minUpdates?.(this.strategyOptions() as never);
    if (needs !== undefined && reported < needs) {
      return `only ${reported} update(s) accepted; ${this.strategy.name} with byzantine ${this.strategyOptions().byzantine} needs ${needs} (2f + 3)`;
    }
    return undefined;
  }

  /** Records a client whose accepted update was refused at the fold (its journal did not read back as written). */
  private refusedAtFold(record: RoundRecord, clientId: ClientId, reason: string, offset: number | undefined, log: Logger): void {
    const c = record.clients.find((x) => x.clientId === clientId);
    if (c) {
      c.state = 'rejected';
      c.reason = `update refused at the fold: ${reason}`;
    }
    record.meanTrainLoss = meanTrainLoss(record.clients);
    log.warn({ clientId, offset, reason }, 'accepted update refused at the fold: its journal did not read back as written');
    this.deps.lifecycle?.({ type: 'client-dropped', runId: this.run.runId, round: record.round, attempt: record.attempt, clientId, reason: c?.reason ?? reason, atMs: this.deps.clock.now() });
  }

  private async failRound(record: RoundRecord, reason: string): Promise<string> {
    record.state = 'failed';
    record.reason = reason;
    await this.saveRound(record);
    this.deps.lifecycle?.({ type: 'round-failed', runId: this.run.runId, round: record.round, attempt: record.attempt, reason, atMs: this.deps.clock.now() });
    this.deps.logger.warn({ round: record.round, attempt: record.attempt, reason }, 'round failed');
    return reason;
  }

  /**
   * Waits until `want` clients are idle, or — once `min` are — a short grace
   * period, or until `timeoutMs` passes; returns whoever is idle then.
   */
  private async waitForClients(min: number, want: number, timeoutMs: number): Promise<ClientId[]> {
    const { clock, fleet } = this.deps;
    const start = clock.now();
    const grace = this.deps.selectionGraceMs ?? 2000;
    let minReachedAt: number | undefined;
    for (;;) {
      const idle = fleet.idleClients();
      const now = clock.now();
      if (idle.length >= min) minReachedAt ??= now;
      if (this.cancelled || idle.length >= want) return idle;
      if (minReachedAt !== undefined && now - minReachedAt >= grace) return idle;
      if (now - start >= timeoutMs) return idle;
      const until = Math.min(start + timeoutMs, minReachedAt !== undefined ? minReachedAt + grace : Infinity);
      await this.sleepUntilChange(Math.max(1, until - now));
    }
  }

  private sleepUntilChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      let unsubscribe = () => {};
      const done = () => {
        timer?.cancel();
        unsubscribe();
        this.wake = undefined;
        resolve();
      };
      unsubscribe = this.deps.fleet.onChange((_: FleetChange) => done());
      timer = this.deps.clock.setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async finish(state: RunRecord['state'], reason?: string): Promise<RunRecord> {
    this.run.state = state;
    this.run.reason = reason;
    await this.saveRun();
    this.deps.logger.info({ state, reason, committedRounds: this.run.committedRounds }, 'run ended');
    return this.run;
  }

  /**
   * Drops checkpoints the retention policy no longer keeps (never the current one), and
   * deletes the blobs of `before` (what the checkpoints named before this commit) that no
   * kept checkpoint names now.
   */
  private async prune(before: Set<string>): Promise<void> {
    const { keepLast, every } = this.deps.retention ?? { keepLast: 3, every: 0 };
    const all = this.run.checkpoints ?? [];
    const newest = new Set(all.slice(-Math.max(1, keepLast)).map((c) => c.version));
    const keep = (c: { round: number; version: string }) =>
      c.round === 0 || newest.has(c.version) || (every > 0 && c.round % every === 0) || c.version === this.run.modelVersion;
    const kept = all.filter(keep);
    if (kept.length < all.length) {
      this.run.checkpoints = kept;
      await this.saveRun();
    }
    // Blobs no kept checkpoint names any more: dropped checkpoints, and the state of the one before this commit.
    const still = referencedVersions(kept);
    for (const v of before) if (!still.has(v)) await this.deps.store.deleteModel(this.run.runId, v);
  }

  /** The run's noise source, made on first use. */
  private noise(): NoiseSource {
    this.noiseSource ??= this.deps.noise ?? secureNormalSource();
    return this.noiseSource;
  }

  /** The strategy's options: the run's, completed with defaults (records from before options had none). */
  private strategyOptions(): NonNullable<RunRecord['config']['strategyOptions']> {
    return withDefaults(this.strategy.name, this.run.config.strategyOptions);
  }

  private async saveModel(weights: Float32Array): Promise<string> {
    const version = sha256Hex(float32ToBytes(weights));
    await this.deps.store.putModel(this.run.runId, version, weights);
    return version;
  }

  /** Saves the run record as it is now (after any save of it still queued), then publishes it. */
  private saveRun(): Promise<void> {
    this.run.updatedAtMs = this.deps.clock.now();
    const run = structuredClone(this.run);
    return this.writes.save('run', async () => {
      await this.deps.store.putRun(run);
      this.deps.events.publish({ run });
    });
  }

  /** Saves a round record as it is now (after any save of it still queued), then publishes it. */
  private saveRound(record: RoundRecord): Promise<void> {
    const round = structuredClone(record);
    const run = structuredClone(this.run);
    return this.writes.save(`round/${round.round}/${round.attempt}`, async () => {
      await this.deps.store.putRound(round);
      this.deps.metrics?.roundSaved(round, run);
      this.deps.events.publish({ run, round });
    });
  }

  /** saveRound without waiting: its failure is logged (writeFailed) and superseded by the next save. */
  private queueRound(record: RoundRecord): void {
    this.saveRound(record).catch((err: unknown) => this.writeFailed(`round/${record.round}/${record.attempt}`, err));
  }

  /** A queued save nobody awaits failed: the next save of the record supersedes it. */
  private writeFailed(key: string, err: unknown): void {
    // Refused by the fence: the lease was lost, which the lease logs once; one line per progress save would be noise.
    const level = err instanceof FencedError ? 'debug' : 'warn';
    this.deps.logger[level]({ key, err: (err as Error).message }, 'could not save round progress; the round goes on');
  }
}
