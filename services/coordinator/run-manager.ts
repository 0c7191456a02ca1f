/**
 * Owns the runs: creates them, drives each with a RunDriver, routes client
 * uploads and reports to the right round, and answers queries for the Control
 * service. The only place that knows which round of which run is current.
 */
import { validateTopology } from './model/validate-topology';
import { DEFAULT_OBJECTIVE } from '../../common/model-definition';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../common/clock';
import { FailedPreconditionError, NotFoundError, ResourceExhaustedError, RunNotResumableError, StaleRoundError } from '../../common/errors';
import { LIMITS } from './limits';
import { EventBus, type Subscription } from '../../common/event-bus';
import type { Logger } from '../../common/logger';
import type { ClientId, ModelName, ModelSpec, RoundRecord, RunConfig, RunId, RunRecord } from '../../common/types';
import type { LinkEstimate } from '../../common/link';
import type { RoundLifecycleEvent } from '../../common/events/payloads';
import { initBackend } from '../../clients/trainer/backend';
import { initialWeights, modelSpecFor } from '../../clients/trainer/models';
import { chooseKernel } from './aggregation/kernel-choice';
import { ModelBroadcast, type ModelEncoding, type ServedModel } from './model-broadcast';
import type { ServerEvaluator } from './evaluation/server-evaluator';
import type { FleetPort } from './rounds/fleet-port';
import type { ClientReport, UpdateHeader } from './rounds/round';
import { type CheckpointRetention, RunDriver, type RunEvent } from './rounds/run-driver';
import type { JournalOptions } from './rounds/update-journal';
import type { UpdateReceiver } from './rounds/update-receiver';
import type { Store } from './store/store';
import { FencedError } from './ha/fenced-store';
import { failedRecord, planResume, type ResumePlan } from './rounds/resume-run';
import type { StrategyState } from './strategy/types';
import type { ModelUploads } from './model/model-uploads';
import type { RoundRecorder } from './metrics/recorder';

/** Collaborators of the run manager. */
export interface RunManagerDeps {
  store: Store;
  fleet: FleetPort;
  clock: Clock;
  logger: Logger;
  evaluator?: ServerEvaluator;
  maxUpdateBytes: number;
  selectionGraceMs?: number;
  links?: { get(clientId: ClientId): LinkEstimate | undefined };
  lifecycle?: (e: RoundLifecycleEvent) => void;
  /** How long a disconnected selected client may take to come back and resume. @default 0 */
  reconnectGraceMs?: number;
  /** Directory for the journals of large uploads (see update-journal.ts); undefined keeps them in memory. */
  spoolDir?: string;
  /** What uploads may keep in memory, for every run together (journal-memory.ts). */
  journals?: Pick<JournalOptions, 'budget' | 'memoryMaxBytes'>;
  /** Largest |value| an update may carry (see run-driver.ts). */
  valueBound?: number;
  /** Which checkpoints to keep. @default the last 3 */
  retention?: CheckpointRetention;
  /** Runs pending or running at once (what is kept in memory); more are refused. @default unlimited */
  maxActiveRuns?: number;
  /** Models uploaded for runs (UploadModel); without it a run can only train a built-in model. */
  uploads?: ModelUploads;
  /** Where rounds report for Prometheus (metrics/); unset: nothing is recorded. */
  metrics?: RoundRecorder;
}

/** Creates and drives runs; routes fleet traffic to their rounds. */
export class RunManager {
  private readonly drivers = new Map<RunId, RunDriver>();
  /** Runs whose driver was started (a --no-start run waits for startRun). */
  private readonly started = new Set<RunId>();
  private readonly events = new EventBus<RunEvent>();
  private kernelChosen = false;
  private readonly broadcast = new ModelBroadcast();
  /** Round-time prediction of the most recently finished run (its driver is released). */
  private lastEstimator?: (clientId: ClientId, datasetSize: number) => number;

  constructor(private readonly deps: RunManagerDeps) {}

  /** Creates a run (and starts it unless `start` is false). */
  async createRun(config: RunConfig, start = true): Promise<RunRecord> {
    const max = this.deps.maxActiveRuns ?? Number.POSITIVE_INFINITY;
    if (this.drivers.size >= max) {
      throw new ResourceExhaustedError(`${this.drivers.size} runs are pending or running, the limit (${LIMITS.maxActiveRuns.flag}); cancel one or wait for one to finish`);
    }
    const { spec, weights: uploaded } = await this.modelFor(config);
    if (config.evalData) await this.deps.evaluator?.prepare(config.evalData, spec);
    const backend = await initBackend({ logger: this.deps.logger });
    if (!this.kernelChosen) {
      // Once per process: the kernel rounds fold on (kernel-choice.ts), logged with its calibration.
      this.kernelChosen = true;
      this.deps.logger.info(chooseKernel({ backend }).description);
    }
    const now = this.deps.clock.now();
    const run: RunRecord = {
      runId: `run-${randomBytes(4).toString('hex')}`,
      state: 'pending',
      config,
      model: spec,
      currentRound: 0,
      committedRounds: 0,
      createdAtMs: now,
      updatedAtMs: now,
      modelVersion: '',
    };
    const weights = uploaded ?? initialWeights(spec, config.seed);
    await this.deps.store.putRun(run);
    this.drive(run, weights, start);
    this.deps.logger.info({ runId: run.runId, rounds: config.rounds, model: config.model, clientsPerRound: config.clientsPerRound }, 'run created');
    return structuredClone(run);
  }

  /**
   * The model a new run trains: a built-in one, or the upload it names (whose label becomes
   * config.model), with the run's objective and preprocessing; and the upload's initial weights.
   */
  private async modelFor(config: RunConfig): Promise<{ spec: ModelSpec; weights?: Float32Array }> {
    const extras = { ...(config.objective && { objective: config.objective }), ...(config.preprocessing && { preprocessing: config.preprocessing }) };
    if (!config.modelUpload) return { spec: { ...modelSpecFor(config.model as ModelName), ...extras } };
    if (!this.deps.uploads) throw new FailedPreconditionError('this coordinator takes no model uploads');
    const upload = this.deps.uploads.get(config.modelUpload);
    // The upload was checked for structure and size; whether its output suits this run's loss is checked now.
    await validateTopology(upload.spec.topology!, config.objective ?? DEFAULT_OBJECTIVE);
    config.model = upload.spec.name;
    return { spec: { ...structuredClone(upload.spec), ...extras }, weights: upload.weights?.slice() };
  }

  private drive(run: RunRecord, weights: Float32Array, start: boolean, resumeAttempt?: number, strategyState?: StrategyState): RunDriver {
    const evaluator = this.deps.evaluator;
    const driver = new RunDriver(run, weights, {
      ...this.deps,
      logger: this.deps.logger.child({ runId: run.runId }),
      events: this.events,
      evaluate: run.config.evalData && evaluator ? (r, w) => evaluator.evaluate(r, w) : undefined,
      resumeAttempt,
      strategyState,
    });
    this.drivers.set(run.runId, driver);
    // start() never rejects (the driver records and logs its own failure); the run is released from memory when it ends.
    if (start) this.releaseWhenDone(run.runId, driver);
    return driver;
  }

  /**
   * Starts a driver and lets go of it once its run has ended: its weights, history
   * and rounds are released; the run's records and checkpoints stay in the store,
   * where reads (getRun, listRuns, checkpoint, model) find them.
   */
  private releaseWhenDone(runId: RunId, driver: RunDriver): void {
    this.started.add(runId);
    // The driver records and logs its run's failure itself; what is left to handle is this bookkeeping's.
    driver
      .start()
      .finally(() => {
        // What the run learned about clients' round times outlives it (clients list shows it).
        this.lastEstimator = driver.estimator();
        if (this.drivers.get(runId) === driver) this.drivers.delete(runId);
        this.started.delete(runId);
      })
      .catch((err: Error) => this.deps.logger.error({ runId, err: err.message }, 'run driver ended with an error'));
  }

  /**
   * After a restart: picks up every run that was running (or pending) when the
   * previous process stopped or died, each on its own (rounds/resume-run.ts): a
   * run that cannot be resumed is marked failed with the reason, logged once, and
   * the others carry on. Returns the runs resumed.
   */
  async recover(): Promise<RunId[]> {
    const plans: ResumePlan[] = [];
    for (const runId of await this.deps.store.listRunIds()) {
      if (this.drivers.has(runId)) continue;
      const plan = await this.isolated(runId, () => planResume(runId, this.deps));
      if (plan) plans.push(plan);
    }
    const resumed: RunId[] = [];
    // Driven in creation order, as they were first: the newest run is the one estimates are made for.
    for (const plan of plans.sort((a, b) => a.run.createdAtMs - b.run.createdAtMs)) {
      const { run } = plan;
      const log = this.deps.logger.child({ runId: run.runId });
      // A run created with --no-start stays pending until `runs start`.
      const started = run.state === 'running';
      const driven = await this.isolated(run.runId, async () => this.drive(run, plan.weights, started, plan.nextAttempt, plan.strategyState));
      if (!driven) continue;
      if (!started) {
        log.info('pending run kept (start it with fedlink runs start)');
        continue;
      }
      resumed.push(run.runId);
      log.info({ committedRounds: run.committedRounds, rounds: run.config.rounds, attempt: plan.nextAttempt }, 'run resumed after restart');
    }
    return resumed;
  }

  /** Runs one run's step of recovery; its failure marks that run failed (and yields undefined) instead of ending recovery. */
  private async isolated<T>(runId: RunId, step: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      // Leadership lost mid-recovery: not this run's fault, and nothing may be written; the step-down takes over.
      if (err instanceof FencedError) throw err;
      await this.failUnresumable(runId, err, this.deps.logger.child({ runId }));
      return undefined;
    }
  }

  /** Stores a run that recovery could not resume as failed, with the reason (runs list and runs show say it). */
  private async failUnresumable(runId: RunId, err: unknown, log: Logger): Promise<void> {
    const expected = err instanceof RunNotResumableError;
    const reason = `cannot resume: ${(err as Error).message ?? String(err)}`;
    // Expected ones are the stored state's fault, fully said by the reason; anything else gets its stack.
    log.error({ reason, ...(expected ? {} : { err }) }, 'run not resumed: marked failed');
    try {
      await this.deps.store.putRun(await failedRecord(runId, reason, this.deps.store, this.deps.clock.now()));
    } catch (e) {
      if (e instanceof FencedError) throw e;
      // The next start meets the run again and tries again; the coordinator still serves the others.
      log.error({ err: (e as Error).message }, 'could not record the run as failed');
    }
  }

  /** Starts a run created with --no-start; FailedPreconditionError if it is not pending, NotFoundError if unknown. */
  async startRun(runId: RunId): Promise<RunRecord> {
    const driver = this.drivers.get(runId);
    const run = await this.getRun(runId);
    if (run.state !== 'pending' || !driver || this.started.has(runId)) throw new FailedPreconditionError(`run ${runId} is ${run.state === 'pending' ? 'already starting' : `already ${run.state}`}`);
    this.releaseWhenDone(runId, driver);
    return structuredClone(run);
  }

  /** Runs held in memory now (pending or running); finished ones are released. */
  get activeRuns(): number {
    return this.drivers.size;
  }

  /** Cancels a running run. */
  async cancelRun(runId: RunId): Promise<RunRecord> {
    const run = await this.getRun(runId);
    if (run.state !== 'running' && run.state !== 'pending') throw new FailedPreconditionError(`run ${runId} is already ${run.state}`);
    const driver = this.drivers.get(runId);
    if (!driver) throw new FailedPreconditionError(`run ${runId} is ${run.state} but not driven by this coordinator`);
    driver.cancel();
    if (!driver.done) {
      run.state = 'cancelled';
      run.reason = 'cancelled by operator';
      await this.deps.store.putRun(run);
      return run;
    }
    return structuredClone(await driver.done);
  }

  /** A run by id; NotFoundError if unknown. */
  async getRun(runId: RunId): Promise<RunRecord> {
    const run = await this.deps.store.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    return run;
  }

  /** Every run, oldest first. */
  listRuns(): Promise<RunRecord[]> {
    return this.deps.store.listRuns();
  }

  /** Every attempt of every round of a run. */
  async listRounds(runId: RunId): Promise<RoundRecord[]> {
    await this.getRun(runId);
    return this.deps.store.listRounds(runId);
  }

  /** The latest attempt of one round. */
  async getRound(runId: RunId, round: number): Promise<RoundRecord> {
    const attempts = (await this.listRounds(runId)).filter((r) => r.round === round);
    if (attempts.length === 0) throw new NotFoundError(`run ${runId} has no round ${round}`);
    return attempts[attempts.length - 1];
  }

  /** Subscribes to changes of one run (checks it exists first). */
  async watch(runId: RunId): Promise<Subscription<RunEvent>> {
    await this.getRun(runId);
    return this.events.subscribe();
  }

  /** Subscribes to changes of every run (the dashboard's one feed). */
  subscribeAll(): Subscription<RunEvent> {
    return this.events.subscribe();
  }

  /** The stored global model weights of a run at a version. */
  async model(runId: RunId, version: string): Promise<Float32Array> {
    const live = this.drivers.get(runId)?.modelFor(version);
    if (live) return live;
    await this.getRun(runId);
    const weights = await this.deps.store.getModel(runId, version);
    if (!weights) throw new NotFoundError(`run ${runId} has no model version ${version.slice(0, 12)}`);
    return weights;
  }

  /** A kept checkpoint of a run (`round` -1: the latest committed) with its weights; NotFoundError if not kept. */
  async checkpoint(runId: RunId, round: number): Promise<{ round: number; version: string; weights: Float32Array; run: RunRecord }> {
    const run = await this.getRun(runId);
    const kept = run.checkpoints ?? [];
    const c = round < 0 ? kept.find((k) => k.version === run.modelVersion) ?? kept[kept.length - 1] : kept.find((k) => k.round === round);
    if (!c) {
      const rounds = kept.map((k) => k.round).join(', ') || 'none';
      throw new NotFoundError(round < 0 ? `run ${runId} has no checkpoint yet` : `run ${runId} has no checkpoint of round ${round} (kept: ${rounds})`);
    }
    return { round: c.round, version: c.version, weights: await this.model(runId, c.version), run };
  }

  /** A model version as served in `encoding` (float16 is encoded once per version). */
  async servedModel(runId: RunId, version: string, encoding: ModelEncoding): Promise<ServedModel> {
    return this.broadcast.serve(version, await this.model(runId, version), encoding);
  }

  /** Counts a finished model download against the client's round record. */
  noteDownload(runId: RunId, round: number, clientId: ClientId, bytes: number, ms?: number): void {
    const current = this.drivers.get(runId)?.currentRound;
    if (current && current.record.round === round) current.noteDownload(clientId, bytes, ms);
  }

  /** Predicted round time of a client for the most recently created run, ms (undefined before any run). */
  estimateRoundMs(clientId: ClientId, datasetSize: number): number | undefined {
    const latest = [...this.drivers.values()].pop();
    return (latest?.estimator() ?? this.lastEstimator)?.(clientId, datasetSize);
  }

  /** Opens the sink for a client's update, refusing it if the round is not current. */
  async beginUpdate(clientId: ClientId, runId: RunId, round: number, header: UpdateHeader): Promise<UpdateReceiver> {
    const run = await this.getRun(runId);
    if (run.state !== 'running') throw new FailedPreconditionError(`run ${runId} is ${run.state}, not accepting updates`);
    const current = this.drivers.get(runId)?.currentRound;
    if (round < run.currentRound || (current && round !== current.record.round) || (!current && round <= run.committedRounds)) {
      throw new StaleRoundError(`round ${round} of ${runId} is no longer current (current is ${run.currentRound})`);
    }
    if (!current) throw new FailedPreconditionError(`round ${round} of ${runId} is not accepting updates`);
    return current.beginUpdate(clientId, header);
  }

  /** Routes a client's result message to its round. */
  report(clientId: ClientId, runId: RunId, round: number, report: ClientReport): void {
    const current = this.drivers.get(runId)?.currentRound;
    if (current?.record.round === round) current.acceptReport(clientId, report);
  }

  /** Routes a client's failure message to its round. */
  failure(clientId: ClientId, runId: RunId, round: number, taskId: string, reason: string): void {
    const current = this.drivers.get(runId)?.currentRound;
    if (current?.record.round === round) current.acceptFailure(clientId, taskId, reason);
  }

  /** A client's session is back: rounds waiting for it to reconnect stop waiting. */
  clientBack(clientId: ClientId): void {
    for (const d of this.drivers.values()) d.currentRound?.clientBack(clientId);
  }

  /** A client connected as a new process (no valid resume token), or was revoked: rounds stop waiting for its lost task. */
  clientRestarted(clientId: ClientId, lost?: string): void {
    for (const d of this.drivers.values()) d.currentRound?.clientRestarted(clientId, lost);
  }

  /**
   * Refuses a model download unless the client holds a task of the run's current
   * round for exactly that version: a model is served to the clients asked to
   * train it, not to whoever can name a run.
   */
  checkModelAccess(clientId: ClientId, runId: RunId, round: number, version: string): void {
    const driver = this.drivers.get(runId);
    if (!driver) throw new NotFoundError(`run ${runId} is not running here`);
    const current = driver.currentRound;
    if (!current || current.record.round !== round) throw new StaleRoundError(`round ${round} of ${runId} is not current`);
    if (!current.hasOpenTask(clientId)) throw new FailedPreconditionError(`client ${clientId} has no task in round ${round} of ${runId}`);
    if (current.record.modelVersion !== version) throw new FailedPreconditionError(`round ${round} of ${runId} trains model version ${current.record.modelVersion.slice(0, 12)}, not ${version.slice(0, 12)}`);
  }

  /** How many bytes of an upload the current round holds (0 if none): where the client resumes. */
  async uploadOffset(clientId: ClientId, runId: RunId, round: number, transferId: string): Promise<number> {
    await this.getRun(runId);
    const current = this.drivers.get(runId)?.currentRound;
    return current && current.record.round === round ? current.uploadOffset(clientId, transferId) : 0;
  }

  /** A client's session ended: every round it was selected in hears of it. */
  clientGone(clientId: ClientId, reason: string): void {
    for (const d of this.drivers.values()) d.currentRound?.clientGone(clientId, reason);
  }

  /** Stops driving every run (they keep their state for whoever leads next); watchers stay. */
  async standDown(): Promise<void> {
    const drivers = [...this.drivers.values()];
    for (const d of drivers) d.halt();
    await Promise.allSettled(drivers.map((d) => d.done));
    this.drivers.clear();
  }

  /** Abandons every run's current round (runs keep their state) and ends watchers (shutdown). */
  async stop(): Promise<void> {
    for (const d of this.drivers.values()) d.halt();
    await Promise.allSettled([...this.drivers.values()].map((d) => d.done));
    this.events.closeAll();
  }
}
