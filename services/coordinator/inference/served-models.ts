/**
 * The models Predict answers with. Per run, the latest committed model is
 * built once per version and swapped for the next the moment a round commits
 * (the run events the round driver publishes), as one reference assignment:
 * a request takes a lease on the model it starts with and finishes on it; a
 * replaced model is disposed once no lease holds it. Pinned rounds' models
 * are built on demand. Every built model counts against one bound, least
 * recently used first out.
 *
 * On a standby coordinator no round events flow (another process drives the
 * rounds), so there the run record is re-read, at most once a second per run.
 */
import type { Clock } from '../../../common/clock';
import type { Subscription } from '../../../common/event-bus';
import { FailedPreconditionError, UnavailableError } from '../../../common/errors';
import type { Logger } from '../../../common/logger';
import type { ModelSpec, RunId, RunRecord } from '../../../common/types';
import type { RunEvent } from '../rounds/run-driver';
import type { BuildPredictor, Predictor } from './predictor';

/** What serving needs of the run manager. */
export interface ModelSource {
  getRun(runId: RunId): Promise<RunRecord>;
  checkpoint(runId: RunId, round: number): Promise<{ round: number; version: string; weights: Float32Array; run: RunRecord }>;
  watch(runId: RunId): Promise<Subscription<RunEvent>>;
}

/** A request's hold on one model; `release()` (idempotent) when the request is done with it. */
export interface ModelLease {
  readonly runId: RunId;
  readonly round: number;
  readonly version: string;
  readonly spec: ModelSpec;
  readonly predictor: Predictor;
  release(): void;
}

/** How serving is set up. */
export interface ServedModelsOptions {
  source: ModelSource;
  build: BuildPredictor;
  logger: Logger;
  clock: Clock;
  /** Models kept built at once (latest and pinned together). */
  maxModels: number;
  /** Whether this coordinator drives the rounds (round events flow here). @default always */
  live?: () => boolean;
}

/** How long a standby trusts its view of a run's latest model, ms. */
const STANDBY_RECHECK_MS = 1000;

/** One built model and the leases on it. */
class Entry {
  private holds = 0;
  private retired = false;
  disposed = false;

  constructor(
    readonly runId: RunId,
    readonly round: number,
    readonly version: string,
    readonly spec: ModelSpec,
    readonly predictor: Predictor,
  ) {}

  hold(): ModelLease {
    this.holds++;
    let released = false;
    return {
      runId: this.runId, round: this.round, version: this.version, spec: this.spec, predictor: this.predictor,
      release: () => {
        if (released) return;
        released = true;
        this.holds--;
        this.disposeIfUnused();
      },
    };
  }

  /** No new request gets it; it goes once the last lease is released. */
  retire(): void {
    this.retired = true;
    this.disposeIfUnused();
  }

  private disposeIfUnused(): void {
    if (this.retired && this.holds === 0 && !this.disposed) {
      this.disposed = true;
      this.predictor.dispose();
    }
  }
}

/** The latest and pinned models of the runs served. */
export class ServedModels {
  /** The current model of each run served. */
  private readonly latest = new Map<RunId, Entry>();
  /** Pinned rounds' models by `${runId}#${round}`. */
  private readonly pinned = new Map<string, Entry>();
  /** Every built model, least recently used first. */
  private readonly lru = new Set<Entry>();
  /** Loads of the latest model, one after another per run (so the newest is installed last). */
  private readonly queues = new Map<RunId, Promise<Entry>>();
  private readonly pinning = new Map<string, Promise<Entry>>();
  private readonly checkedAt = new Map<RunId, number>();
  private subscription?: Subscription<RunEvent>;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly o: ServedModelsOptions) {
    this.log = o.logger;
  }

  /** Models built now. */
  get size(): number {
    return this.lru.size;
  }

  /**
   * A lease on the model of `runId` at `round`, or its latest committed model.
   * NotFoundError for an unknown run (or a pinned checkpoint not kept),
   * FailedPreconditionError for a run with no committed round (or a round not committed yet).
   */
  async acquire(runId: RunId, round?: number): Promise<ModelLease> {
    if (this.stopped) throw new UnavailableError('the coordinator is stopping');
    // A model can be replaced and disposed between being loaded and being held: try again then.
    for (let attempt = 0; attempt < 3; attempt++) {
      const entry = round === undefined ? await this.latestEntry(runId) : await this.pinnedEntry(runId, round);
      if (!entry.disposed) {
        this.touch(entry);
        return entry.hold();
      }
    }
    throw new UnavailableError(`the model of run ${runId} changed three times while loading; retry`);
  }

  private async latestEntry(runId: RunId): Promise<Entry> {
    await this.follow(runId);
    const live = this.o.live?.() ?? true;
    const have = this.latest.get(runId);
    if (have && live) return have;
    const now = this.o.clock.now();
    if (have && now - (this.checkedAt.get(runId) ?? 0) < STANDBY_RECHECK_MS) return have;
    this.checkedAt.set(runId, now);
    return this.refresh(runId);
  }

  /** Queues a (re)load of the run's latest model; resolves to whatever is current once it ran. */
  private refresh(runId: RunId): Promise<Entry> {
    const before = this.queues.get(runId) ?? Promise.resolve(undefined);
    const next = before.then(
      () => this.installLatest(runId),
      () => this.installLatest(runId),
    );
    this.queues.set(runId, next);
    const forget = () => {
      if (this.queues.get(runId) === next) this.queues.delete(runId);
    };
    next.then(forget, forget);
    return next;
  }

  private async installLatest(runId: RunId): Promise<Entry> {
    const run = await this.o.source.getRun(runId);
    if (run.committedRounds < 1 || !run.modelVersion) {
      throw new FailedPreconditionError(`run ${runId} has no committed round yet: there is no trained model to serve (use round 0 for the initial one)`);
    }
    const have = this.latest.get(runId);
    if (have?.version === run.modelVersion) return have;
    const c = await this.o.source.checkpoint(runId, -1);
    const entry = new Entry(runId, c.round, c.version, c.run.model, await this.o.build(c.run.model, c.weights));
    const current = this.latest.get(runId);
    if (this.stopped || (current && current.round >= entry.round)) {
      // Stopping, or a newer model got in while this one was built.
      entry.retire();
      if (this.stopped) throw new UnavailableError('the coordinator is stopping');
      return current!;
    }
    this.latest.set(runId, entry);
    this.lru.add(entry);
    if (current) this.drop(current);
    this.evict(entry);
    this.log.info({ runId, round: entry.round, version: entry.version.slice(0, 12), replaced: current?.version.slice(0, 12) }, current ? 'serving the newly committed model' : 'serving the latest committed model');
    return entry;
  }

  private pinnedEntry(runId: RunId, round: number): Promise<Entry> {
    const key = `${runId}#${round}`;
    const have = this.pinned.get(key);
    if (have) return Promise.resolve(have);
    let loading = this.pinning.get(key);
    if (!loading) {
      loading = this.loadPinned(runId, round, key);
      this.pinning.set(key, loading);
      const forget = () => this.pinning.delete(key);
      loading.then(forget, forget);
    }
    return loading;
  }

  private async loadPinned(runId: RunId, round: number, key: string): Promise<Entry> {
    const run = await this.o.source.getRun(runId);
    if (round > run.committedRounds) throw new FailedPreconditionError(`round ${round} of run ${runId} is not committed (committed: ${run.committedRounds})`);
    const c = await this.o.source.checkpoint(runId, round);
    const entry = new Entry(runId, c.round, c.version, c.run.model, await this.o.build(c.run.model, c.weights));
    if (this.stopped) {
      entry.retire();
      throw new UnavailableError('the coordinator is stopping');
    }
    this.pinned.set(key, entry);
    this.lru.add(entry);
    this.evict(entry);
    return entry;
  }

  /** Subscribes to round events once (the first time any run is served). */
  private async follow(runId: RunId): Promise<void> {
    if (this.subscription || this.stopped) return;
    // watch() checks the run exists: an unknown run is NOT_FOUND here, before anything is loaded.
    const sub = await this.o.source.watch(runId);
    if (this.subscription || this.stopped) return sub.close();
    this.subscription = sub;
    this.consume(sub).catch((err: Error) => this.log.error({ err: err.message }, 'inference stopped following run events'));
  }

  private async consume(sub: Subscription<RunEvent>): Promise<void> {
    for await (const e of sub) {
      const current = this.latest.get(e.run.runId);
      // Only runs being served, and only once the new model is committed (its record names the version).
      if (!current || e.run.committedRounds < 1 || !e.run.modelVersion || e.run.modelVersion === current.version) continue;
      this.refresh(e.run.runId).catch((err: Error) => this.log.warn({ runId: e.run.runId, err: err.message }, 'could not load the newly committed model; serving the previous one'));
    }
  }

  private touch(entry: Entry): void {
    if (!this.lru.has(entry)) return;
    this.lru.delete(entry);
    this.lru.add(entry);
  }

  /** Takes a model out of service; it is disposed when its last lease goes. */
  private drop(entry: Entry): void {
    this.lru.delete(entry);
    if (this.latest.get(entry.runId) === entry) this.latest.delete(entry.runId);
    const key = `${entry.runId}#${entry.round}`;
    if (this.pinned.get(key) === entry) this.pinned.delete(key);
    entry.retire();
  }

  private evict(keep: Entry): void {
    for (const e of this.lru) {
      if (this.lru.size <= this.o.maxModels) return;
      if (e !== keep) this.drop(e);
    }
  }

  /** Stops following events and drops every model (each disposed when its last request finishes); idempotent. */
  stop(): void {
    this.stopped = true;
    this.subscription?.close();
    for (const e of [...this.lru]) this.drop(e);
  }
}
