/**
 * Recovery resumes runs one by one (services/coordinator/rounds/resume-run.ts): a
 * run whose stored state cannot be loaded is marked failed with the reason,
 * logged once, and every other run is resumed; a second restart does not meet
 * the broken ones again.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import type { RunRecord } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { RunManager } from '../../services/coordinator/run-manager';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';

const PARAMS = 8;

function weights(seed: number): { weights: Float32Array; version: string } {
  const w = Float32Array.from({ length: PARAMS }, (_, i) => i + seed);
  return { weights: w, version: sha256Hex(float32ToBytes(w)) };
}

function record(runId: string, createdAtMs: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId, state: 'running', currentRound: 2, committedRounds: 1, createdAtMs, updatedAtMs: createdAtMs, modelVersion: '',
    model: { name: 'mlp', inputShape: [PARAMS], numClasses: 1, tensors: [{ name: 'w', shape: [PARAMS] }] },
    config: runConfig({ rounds: 3, waitForClientsMs: 3_600_000 }),
    ...over,
  };
}

/** A memory store with one good run and one broken run of every kind recovery must survive. */
async function brokenState(): Promise<MemoryStore> {
  const store = new MemoryStore();
  const good = weights(1);
  await store.putModel('run-good', good.version, good.weights);
  await store.putRun(record('run-good', 1, { modelVersion: good.version, checkpoints: [{ round: 1, version: good.version, bytes: PARAMS * 4, atMs: 1 }] }));
  // Its checkpoint was never written (or was deleted by hand).
  await store.putRun(record('run-no-checkpoint', 2, { modelVersion: weights(2).version }));
  // A strategy this build does not have.
  await store.putRun(record('run-unknown-strategy', 3, { config: runConfig({ strategy: 'fedfuture' as never }) }));
  // A strategy state whose blob is gone.
  const adam = weights(4);
  await store.putModel('run-lost-state', adam.version, adam.weights);
  await store.putRun(record('run-lost-state', 4, {
    modelVersion: adam.version,
    config: runConfig({ strategy: 'fedadam' }),
    checkpoints: [{ round: 1, version: adam.version, bytes: PARAMS * 4, atMs: 1, strategyState: { versions: [weights(40).version] } as never }],
  }));
  // A record without its config (hand-edited, or from another build).
  await store.putRun({ ...record('run-no-config', 5), config: undefined as never });
  // A record the store cannot read at all, and one whose round records are unreadable.
  await store.putRun(record('run-unreadable', 6));
  await store.putRun(record('run-bad-rounds', 7, { modelVersion: good.version }));
  await store.putModel('run-bad-rounds', good.version, good.weights);
  const getRun = store.getRun.bind(store);
  let unreadable = true;
  store.getRun = (id) => (id === 'run-unreadable' && unreadable ? Promise.reject(new SyntaxError('Unexpected end of JSON input')) : getRun(id));
  // Writing the failed placeholder is what fixes it: the next read finds that.
  const putRun = store.putRun.bind(store);
  store.putRun = (r) => {
    if (r.runId === 'run-unreadable') unreadable = false;
    return putRun(r);
  };
  const listRounds = store.listRounds.bind(store);
  store.listRounds = (id) => (id === 'run-bad-rounds' ? Promise.reject(new SyntaxError('Bad control character in string literal')) : listRounds(id));
  // Pending, no checkpoint yet, and a topology TFJS cannot build: its initial model cannot be rebuilt.
  await store.putRun(record('run-unbuildable', 9, {
    state: 'pending', committedRounds: 0, currentRound: 0,
    model: { name: 'broken', inputShape: [PARAMS], numClasses: 1, tensors: [], topology: '{"class_name":"NoSuchModel","config":{}}' },
  }));
  // Already over: left alone.
  await store.putRun(record('run-done', 8, { state: 'completed', committedRounds: 3 }));
  return store;
}

function manager(store: MemoryStore, logs: Array<{ msg: string; runId?: string; reason?: string; level: number }>) {
  const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  return new RunManager({ store, fleet: new FakeFleet([]), clock: new FakeClock(1_000), logger, maxUpdateBytes: 8 << 20, selectionGraceMs: 0 });
}

describe('recovery isolation', () => {
  it('recovery isolation - every run that cannot be loaded is marked failed with its reason and logged once; the good run is resumed', async () => {
    const store = await brokenState();
    const logs: Array<{ msg: string; runId?: string; reason?: string; level: number }> = [];
    const m = manager(store, logs);
    expect(await m.recover()).toEqual(['run-good']);
    const state = async (id: string) => {
      const r = await store.getRun(id);
      return [r?.state, r?.reason];
    };
    expect(await state('run-no-checkpoint')).toEqual(['failed', `cannot resume: checkpoint ${weights(2).version.slice(0, 12)} is missing`]);
    expect(await state('run-unknown-strategy')).toEqual(['failed', 'cannot resume: this coordinator has no strategy "fedfuture"']);
    expect((await state('run-lost-state'))[1]).toMatch(/^cannot resume: the fedadam server state of checkpoint [0-9a-f]{12} is unreadable \(/);
    expect(await state('run-no-config')).toEqual(['failed', 'cannot resume: its run record lacks config']);
    expect(await state('run-unreadable')).toEqual(['failed', 'cannot resume: its run record is unreadable (Unexpected end of JSON input)']);
    expect(await state('run-bad-rounds')).toEqual(['failed', 'cannot resume: its round records are unreadable (Bad control character in string literal)']);
    expect((await state('run-unbuildable'))[1]).toMatch(/^cannot resume: its initial model could not be rebuilt \(.+\)$/);
    expect(await state('run-done')).toEqual(['completed', undefined]);
    // The resumed run is driven (running, its interrupted round redone) and listed with the failed ones.
    expect(m.activeRuns).toBe(1);
    expect((await m.listRuns()).map((r) => `${r.runId}:${r.state}`)).toEqual([
      'run-good:running', 'run-no-checkpoint:failed', 'run-unknown-strategy:failed', 'run-lost-state:failed',
      'run-no-config:failed', 'run-bad-rounds:failed', 'run-done:completed', 'run-unbuildable:failed',
      // When it was created is not known any more: listed as of its failure.
      'run-unreadable:failed',
    ]);
    const failures = logs.filter((l) => l.msg === 'run not resumed: marked failed');
    expect(failures.map((l) => l.runId).sort()).toEqual(['run-bad-rounds', 'run-lost-state', 'run-no-checkpoint', 'run-no-config', 'run-unbuildable', 'run-unknown-strategy', 'run-unreadable']);
    expect(logs.filter((l) => l.msg === 'run resumed after restart').map((l) => l.runId)).toEqual(['run-good']);
    await m.stop();

    // Restarted again: the failures are on record, so nothing is retried or logged again.
    const again: typeof logs = [];
    const m2 = manager(store, again);
    expect(await m2.recover()).toEqual(['run-good']);
    expect(again.filter((l) => l.level >= 50)).toEqual([]);
    await m2.stop();
  });

  it('recovery isolation - a placeholder for an unreadable record still says which run it was and why, for runs list and runs show', async () => {
    const store = await brokenState();
    const m = manager(store, []);
    await m.recover();
    const r = await m.getRun('run-unreadable');
    expect(r).toMatchObject({ runId: 'run-unreadable', state: 'failed', committedRounds: 0, updatedAtMs: 1_000 });
    expect(r.reason).toMatch(/run record is unreadable/);
    await m.stop();
  });
});
