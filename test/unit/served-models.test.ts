/**
 * Serving's model lifecycle without TFJS: a fake run manager (runs, checkpoints,
 * run events) and fake predictors that record their disposal. Hot swap on a
 * commit event, leases that keep a replaced model alive until released, one
 * build per version, the bound on built models, pinned rounds, the errors, and
 * a standby's re-reads.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { EventBus } from '../../common/event-bus';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import type { RunRecord } from '../../common/types';
import { loadFedlinkProto } from '../../proto/loader';
import { INFERENCE_POLICY } from '../../services/coordinator/auth/method-policy';
import { checkFitsModel, fromWirePredictRequest } from '../../services/coordinator/inference/predict-request';
import type { Predictor } from '../../services/coordinator/inference/predictor';
import { ServedModels, type ModelSource } from '../../services/coordinator/inference/served-models';
import type { RunEvent } from '../../services/coordinator/rounds/run-driver';
import { DEFAULT_LIMITS } from '../../services/coordinator/limits';
import { runConfig } from '../helpers/run-config';
import { waitFor } from '../helpers/cli';

const SPEC = { name: 'mlp' as const, inputShape: [2], numClasses: 2, tensors: [] };

/** Runs whose checkpoints are one float (the round number), and the events a driver would publish. */
class FakeRuns implements ModelSource {
  readonly runs = new Map<string, RunRecord>();
  readonly events = new EventBus<RunEvent>();
  checkpointReads = 0;
  /** Resolves a checkpoint read when set (to hold a load mid-way). */
  gate?: Promise<void>;

  add(runId: string, committed: number): void {
    const checkpoints = Array.from({ length: committed + 1 }, (_, round) => ({ round, version: `v${round}`, bytes: 4, atMs: 0 }));
    this.runs.set(runId, {
      runId, state: 'running', config: runConfig(), model: SPEC, currentRound: committed + 1, committedRounds: committed, createdAtMs: 0, updatedAtMs: 0,
      modelVersion: `v${committed}`, checkpoints,
    });
  }

  /** A round commits: the record moves on, and the event goes out. */
  commit(runId: string): void {
    const run = this.runs.get(runId)!;
    run.committedRounds++;
    run.modelVersion = `v${run.committedRounds}`;
    run.checkpoints!.push({ round: run.committedRounds, version: run.modelVersion, bytes: 4, atMs: 0 });
    this.events.publish({ run: structuredClone(run) });
  }

  async getRun(runId: string): Promise<RunRecord> {
    const run = this.runs.get(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    return structuredClone(run);
  }

  async checkpoint(runId: string, round: number) {
    const run = await this.getRun(runId);
    this.checkpointReads++;
    await this.gate;
    const c = round < 0 ? run.checkpoints!.find((k) => k.version === run.modelVersion)! : run.checkpoints!.find((k) => k.round === round);
    if (!c) throw new NotFoundError(`run ${runId} has no checkpoint of round ${round}`);
    return { round: c.round, version: c.version, weights: Float32Array.of(c.round), run };
  }

  async watch(runId: string) {
    await this.getRun(runId);
    return this.events.subscribe();
  }
}

/** Predictors that answer with their round and note when they are disposed. */
function fakeBuild(disposed: string[], built: string[]) {
  return async (_spec: unknown, weights: Float32Array): Promise<Predictor> => {
    const name = `round ${weights[0]}`;
    built.push(name);
    return { inputShape: [2], outputShape: [1], predict: async (_v, n) => new Float32Array(n).fill(weights[0]), dispose: () => disposed.push(name) };
  };
}

function setup(options: { maxModels?: number; live?: () => boolean } = {}) {
  const runs = new FakeRuns();
  const disposed: string[] = [];
  const built: string[] = [];
  const clock = new FakeClock(0);
  const models = new ServedModels({ source: runs, build: fakeBuild(disposed, built), logger: silentLogger(), clock, maxModels: options.maxModels ?? 8, live: options.live });
  return { runs, models, disposed, built, clock };
}

describe('served models', () => {
  it('served models - a commit swaps the served model; a request holding the old one finishes on it, and it is disposed after', async () => {
    const { runs, models, disposed, built } = setup();
    runs.add('run-a', 1);
    const first = await models.acquire('run-a');
    expect([first.round, first.version]).toEqual([1, 'v1']);
    runs.commit('run-a');
    const swapped = await waitFor('the swap to round 2', async () => {
      const l = await models.acquire('run-a');
      if (l.round === 2) return l;
      l.release();
      return undefined;
    }, 5000);
    expect(swapped.version).toBe('v2');
    // The old model is out of service but alive for the request that started on it.
    expect(await first.predictor.predict(new Float32Array(2), 1)).toEqual(Float32Array.of(1));
    expect(disposed).toEqual([]);
    first.release();
    first.release(); // idempotent
    expect(disposed).toEqual(['round 1']);
    swapped.release();
    expect(built).toEqual(['round 1', 'round 2']);
    models.stop();
    expect(disposed).toEqual(['round 1', 'round 2']);
  });

  it('served models - concurrent first requests build the model once; events of runs not served are ignored', async () => {
    const { runs, models, built } = setup();
    runs.add('run-a', 2);
    runs.add('run-b', 1);
    const leases = await Promise.all(Array.from({ length: 5 }, () => models.acquire('run-a')));
    expect(new Set(leases.map((l) => l.version))).toEqual(new Set(['v2']));
    expect(built).toEqual(['round 2']);
    runs.commit('run-b');
    await new Promise((r) => setTimeout(r, 20));
    expect(built).toEqual(['round 2']);
    for (const l of leases) l.release();
    models.stop();
  });

  it('served models - unknown run NOT_FOUND, nothing committed FAILED_PRECONDITION; pinned rounds: not committed yet FAILED_PRECONDITION, not kept NOT_FOUND', async () => {
    const { runs, models } = setup();
    runs.add('run-new', 0);
    runs.add('run-old', 3);
    runs.runs.get('run-old')!.checkpoints = runs.runs.get('run-old')!.checkpoints!.filter((c) => c.round !== 1);
    await expect(models.acquire('run-zzz')).rejects.toThrow(new NotFoundError('run run-zzz not found'));
    await expect(models.acquire('run-new')).rejects.toThrow(FailedPreconditionError);
    const initial = await models.acquire('run-new', 0);
    expect(initial.round).toBe(0);
    initial.release();
    await expect(models.acquire('run-old', 4)).rejects.toThrow(new FailedPreconditionError('round 4 of run run-old is not committed (committed: 3)'));
    await expect(models.acquire('run-old', 1)).rejects.toThrow(NotFoundError);
    const pinned = await models.acquire('run-old', 2);
    const again = await models.acquire('run-old', 2);
    expect([pinned.round, again.predictor]).toEqual([2, pinned.predictor]);
    pinned.release();
    again.release();
    models.stop();
  });

  it('served models - at most maxModels are built; the least recently used goes (disposed once released)', async () => {
    const { runs, models, disposed } = setup({ maxModels: 2 });
    for (const id of ['run-a', 'run-b', 'run-c']) runs.add(id, 1);
    (await models.acquire('run-a')).release();
    const b = await models.acquire('run-b');
    (await models.acquire('run-a')).release(); // a is now the most recently used
    (await models.acquire('run-c')).release();
    expect(models.size).toBe(2);
    expect(disposed).toEqual([]); // b is evicted but still held
    b.release();
    expect(disposed).toEqual(['round 1']);
    models.stop();
  });

  it('served models - a swap that finishes after a newer one never puts the older model back', async () => {
    const { runs, models } = setup();
    runs.add('run-a', 1);
    (await models.acquire('run-a')).release();
    let open!: () => void;
    runs.gate = new Promise((r) => (open = r));
    runs.commit('run-a');
    runs.commit('run-a');
    await waitFor('both loads queued', () => (runs.checkpointReads >= 2 ? true : undefined), 5000);
    open();
    runs.gate = undefined;
    await waitFor('round 3 served', async () => {
      const l = await models.acquire('run-a');
      l.release();
      return l.round === 3 ? true : undefined;
    }, 5000);
    await new Promise((r) => setTimeout(r, 20));
    const l = await models.acquire('run-a');
    expect(l.round).toBe(3);
    l.release();
    models.stop();
  });

  it('served models - on a standby (no live events) the run record is re-read at most once a second', async () => {
    const { runs, models, clock } = setup({ live: () => false });
    runs.add('run-a', 1);
    (await models.acquire('run-a')).release();
    // Another coordinator commits: the record changes, no event reaches this one.
    const run = runs.runs.get('run-a')!;
    run.committedRounds = 2;
    run.modelVersion = 'v2';
    run.checkpoints!.push({ round: 2, version: 'v2', bytes: 4, atMs: 0 });
    const soon = await models.acquire('run-a');
    expect(soon.round).toBe(1);
    soon.release();
    clock.advance(1000);
    const later = await models.acquire('run-a');
    expect(later.round).toBe(2);
    later.release();
    models.stop();
  });
});

describe('Predict requests', () => {
  const limits = { maxPredictBatch: 4, maxPredictBytes: 64 };
  const req = (over: Record<string, unknown>) => ({ runId: 'run-a', shape: [2, 2], data: Buffer.alloc(0), values: [] as number[], ...over }) as never;

  it('predict request - bytes or floats of the shape; the example shape must be the model input shape', () => {
    const bytes = Buffer.from(Float32Array.of(1, 2, 3, 4).buffer);
    const a = fromWirePredictRequest(req({ data: bytes }), limits);
    const b = fromWirePredictRequest(req({ values: [1, 2, 3, 4], round: 3 }), limits);
    expect(a).toEqual({ runId: 'run-a', count: 2, exampleShape: [2], values: Float32Array.of(1, 2, 3, 4) });
    expect(b).toMatchObject({ round: 3, values: Float32Array.of(1, 2, 3, 4) });
    expect(() => checkFitsModel(a, [2])).not.toThrow();
    expect(() => checkFitsModel(a, [784])).toThrow(new InvalidArgumentError('inputs of shape [2] do not fit the model of run run-a, which takes [784] per example (send shape [2, 784])'));
  });

  it('predict request - wrong counts, both or neither input field, non-finite values are INVALID_ARGUMENT; over a limit RESOURCE_EXHAUSTED naming the flag', () => {
    expect(() => fromWirePredictRequest(req({ values: [1, 2, 3] }), limits)).toThrow('shape [2, 2] needs 4 values, the request carries 3');
    expect(() => fromWirePredictRequest(req({}), limits)).toThrow(InvalidArgumentError);
    expect(() => fromWirePredictRequest(req({ values: [1, 2, 3, 4], data: Buffer.alloc(16) }), limits)).toThrow(InvalidArgumentError);
    expect(() => fromWirePredictRequest(req({ values: [1, NaN, 3, 4] }), limits)).toThrow('input value 1 (example 0) is NaN, not a finite number');
    expect(() => fromWirePredictRequest(req({ shape: [2] , values: [1, 2] }), limits)).toThrow(InvalidArgumentError);
    expect(() => fromWirePredictRequest(req({ data: Buffer.alloc(7) , shape: [1, 2] }), limits)).toThrow(InvalidArgumentError);
    expect(() => fromWirePredictRequest(req({ shape: [5, 1], values: [1, 2, 3, 4, 5] }), limits)).toThrow(new ResourceExhaustedError('a batch of 5 inputs is over the limit of 4 (--max-predict-batch)'));
    expect(() => fromWirePredictRequest(req({ shape: [1, 17], values: new Array(17).fill(0) }), limits)).toThrow(new ResourceExhaustedError('68 bytes of inputs are over the limit of 64 (--max-predict-bytes)'));
    expect(DEFAULT_LIMITS.maxPredictBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('auth policy - every Inference RPC of the proto has a caller rule, and no rule names a method that does not exist', () => {
    const { proto } = loadFedlinkProto();
    const methods = Object.values(proto.fedlink.v1.Inference.service).map((m) => (m as { originalName?: string }).originalName ?? '').map((n) => n[0].toUpperCase() + n.slice(1));
    expect(methods.sort()).toEqual(Object.keys(INFERENCE_POLICY).sort());
  });
});
