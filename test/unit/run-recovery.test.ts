/**
 * Crash recovery at the run-manager level, on the file store: a coordinator
 * "dies" mid-round (from that moment none of its writes reach the disk, as
 * with kill -9), a new one opens the same state directory, resumes the run
 * from its last checkpoint, redoes the interrupted round as a new attempt and
 * finishes with the right number of rounds and nothing counted twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import type { RunConfig, TrainTask } from '../../common/types';
import { chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { RunManager } from '../../services/coordinator/run-manager';
import { openFileStore } from '../../services/coordinator/store/file-store';
import type { Store } from '../../services/coordinator/store/store';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';

const PARAMS = 199_210; // the 2NN

function config(over: Partial<RunConfig> = {}): RunConfig {
  return runConfig({ rounds: 3, clientsPerRound: 2, minClients: 2, acceptFailures: false, ...over });
}

/** A store whose writes stop reaching the backend at `crash()`, as when the process is killed. */
function crashable(store: Store): { store: Store; crash: () => void } {
  let dead = false;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (dead && /^(put|delete)/.test(String(prop))) return Promise.resolve();
        return value.apply(target, args);
      };
    },
  });
  return { store: wrapped, crash: () => (dead = true) };
}

function manager(store: Store, fleet: FakeFleet) {
  return new RunManager({ store, fleet, clock: new FakeClock(), logger: silentLogger(), maxUpdateBytes: 8 << 20, selectionGraceMs: 0, retention: { keepLast: 2, every: 0 } });
}

/** Uploads a constant update `value` of `n` examples for `task`. */
function upload(m: RunManager, clientId: string, task: TrainTask, value: number, n: number): Promise<void> {
  const bytes = float32ToBytes(new Float32Array(PARAMS).fill(value));
  return m
    .beginUpdate(clientId, task.runId, task.round, {
      taskId: task.taskId, transferId: `t-${task.taskId}`, encoding: 'float32', totalBytes: bytes.length, sha256: sha256Hex(bytes), tensors: task.model.tensors, numExamples: n,
    })
    .then((receiver) => {
      for (const [offset, data] of chunks(bytes, 64 * 1024)) receiver.write(offset, data);
      receiver.complete();
      m.report(clientId, task.runId, task.round, {
        taskId: task.taskId, transferId: `t-${task.taskId}`, numExamples: n, train: { loss: 1, accuracy: 0.5, numExamples: n }, localEval: { loss: 1, accuracy: 0.5, numExamples: n }, durationMs: 1,
      });
    });
}

const waitUntil = async (what: string, ok: () => boolean) => {
  const until = Date.now() + 30_000;
  while (!ok() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`timed out waiting for ${what}`);
};

describe('run recovery', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-recovery-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('recovery - a coordinator dead mid-round is replaced: committed rounds intact, the round redone, nothing counted twice', async () => {
    const first = crashable(await openFileStore(dir));
    const fleet1 = new FakeFleet(['a', 'b']);
    const m1 = manager(first.store, fleet1);
    const uploadErrors: unknown[] = [];
    // Round r: a sends r, b sends 10·r, both 10 examples, so round r's model is 5.5·r everywhere.
    fleet1.onDispatch = (id, task) => {
      if (task.round === 1 || id === 'a') upload(m1, id, task, id === 'a' ? task.round : 10 * task.round, 10).catch((err) => uploadErrors.push(err));
    };
    const created = await m1.createRun(config());
    // Round 2: a's update is in, b has not sent: the process dies now.
    await waitUntil('round 2 with a in', () => fleet1.dispatched.filter((t) => t.round === 2).length === 2);
    await waitUntil('a accepted', () => m1['drivers'].get(created.runId)?.currentRound?.record.clients.find((c) => c.clientId === 'a')?.state === 'finished');
    first.crash();
    // A write already in flight (a progress save) lands now or never, not over the next coordinator's recovery.
    await first.store.close();

    const store2 = await openFileStore(dir);
    const before = (await store2.getRun(created.runId))!;
    expect(before.committedRounds).toBe(1);
    const round1 = (await store2.listRounds(created.runId)).find((r) => r.round === 1 && r.state === 'committed')!;
    expect(round1.checkpoint).toBe(before.modelVersion);

    const fleet2 = new FakeFleet(['a', 'b']);
    const m2 = manager(store2, fleet2);
    // After the restart a sends 100·r, so a surviving round-2 update from a (value 2) would show.
    fleet2.onDispatch = (id, task) => {
      upload(m2, id, task, id === 'a' ? 100 * task.round : 10 * task.round, 10).catch((err) => uploadErrors.push(err));
    };
    expect(await m2.recover()).toEqual([created.runId]);
    await waitUntil('the run to finish', () => m2['drivers'].get(created.runId)?.done !== undefined);
    const done = await m2['drivers'].get(created.runId)!.done!;
    expect(done.state, done.reason).toBe('completed');
    expect(done.committedRounds).toBe(3);

    const rounds = await store2.listRounds(created.runId);
    expect(rounds.map((r) => `${r.round}/${r.attempt}/${r.state}`)).toEqual(['1/1/committed', '2/1/failed', '2/2/committed', '3/1/committed']);
    expect(rounds[1].reason).toMatch(/interrupted/);
    // Round 1's checkpoint is untouched by the recovery.
    expect(rounds[0].checkpoint).toBe(round1.checkpoint);
    // Round 2 is the average of the redone attempt only: (200 + 20) / 2.
    const r2 = (await store2.getModel(created.runId, rounds[2].checkpoint!))!;
    expect(r2[0]).toBe(110);
    expect(r2[PARAMS - 1]).toBe(110);
    // Retention (keep 2): round 0 always, then rounds 2 and 3; round 1's file is gone.
    expect(done.checkpoints!.map((c) => c.round)).toEqual([0, 2, 3]);
    expect((await store2.listModels(created.runId)).sort()).toEqual(done.checkpoints!.map((c) => c.version).sort());
    expect(done.modelVersion).toBe(rounds[3].checkpoint);
    expect(uploadErrors).toEqual([]);
    await m2.stop();
  }, 60_000);

  it('recovery - fedadam resumed after a crash restores its server state: the next models are bit-identical to an uninterrupted run', async () => {
    const adam = config({ rounds: 4, strategy: 'fedadam', strategyOptions: { serverLr: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3 } });
    // Round r: a sends r, b sends 1 − r (10 examples each); the same in both runs.
    const value = (id: string, round: number) => (id === 'a' ? round : 1 - round);
    const models = async (m: RunManager, store: Store, runId: string) => {
      const done = await m['drivers'].get(runId)!.done!;
      expect(done.state, done.reason).toBe('completed');
      // Retention keeps round 0 and the last two: rounds 3 and 4, both committed after the restart.
      const kept = done.checkpoints!.filter((c) => c.round > 0);
      expect(kept.map((c) => c.round)).toEqual([3, 4]);
      return { done, bytes: await Promise.all(kept.map(async (c) => Buffer.from(float32ToBytes((await store.getModel(runId, c.version))!)).toString('base64'))) };
    };

    const cleanDir = mkdtempSync(path.join(dir, 'adam-clean-'));
    const cleanStore = await openFileStore(cleanDir);
    const cleanFleet = new FakeFleet(['a', 'b']);
    const clean = manager(cleanStore, cleanFleet);
    cleanFleet.onDispatch = (id, task) => void upload(clean, id, task, value(id, task.round), 10);
    const cleanRun = await clean.createRun(adam);
    await waitUntil('the clean run to finish', () => clean['drivers'].get(cleanRun.runId)?.done !== undefined);
    const reference = await models(clean, cleanStore, cleanRun.runId);
    await clean.stop();

    const crashDir = mkdtempSync(path.join(dir, 'adam-crash-'));
    const first = crashable(await openFileStore(crashDir));
    const fleet1 = new FakeFleet(['a', 'b']);
    const m1 = manager(first.store, fleet1);
    // Round 3: only a sends before the process dies, so the round is redone after the restart.
    fleet1.onDispatch = (id, task) => {
      if (task.round < 3 || id === 'a') void upload(m1, id, task, value(id, task.round), 10);
    };
    const created = await m1.createRun(adam);
    await waitUntil('round 3 with a in', () => m1['drivers'].get(created.runId)?.currentRound?.record.clients.find((c) => c.clientId === 'a' && c.state === 'finished' && m1['drivers'].get(created.runId)?.currentRound?.record.round === 3) !== undefined);
    first.crash();
    await first.store.close();

    const store2 = await openFileStore(crashDir);
    const before = (await store2.getRun(created.runId))!;
    expect(before.committedRounds).toBe(2);
    // Only the current checkpoint carries state; m and v are stored blobs like models.
    expect(before.checkpoints!.filter((c) => c.strategyState).map((c) => c.round)).toEqual([2]);
    expect(Object.keys(before.checkpoints!.at(-1)!.strategyState!.vectors).sort()).toEqual(['m', 'v']);
    const fleet2 = new FakeFleet(['a', 'b']);
    const m2 = manager(store2, fleet2);
    fleet2.onDispatch = (id, task) => void upload(m2, id, task, value(id, task.round), 10);
    expect(await m2.recover()).toEqual([created.runId]);
    await waitUntil('the resumed run to finish', () => m2['drivers'].get(created.runId)?.done !== undefined);
    const resumed = await models(m2, store2, created.runId);
    expect(resumed.bytes).toEqual(reference.bytes);
    expect(resumed.done.modelVersion).toBe(reference.done.modelVersion);
    // Nothing stored that no checkpoint names (old checkpoints' state was deleted after each commit).
    const named = new Set(resumed.done.checkpoints!.flatMap((c) => [c.version, ...Object.values(c.strategyState?.vectors ?? {})]));
    expect(new Set(await store2.listModels(created.runId))).toEqual(named);
    await m2.stop();
  }, 60_000);

  it('recovery - a crash after the commit point but before the round record is marked committed is reconciled, not redone', async () => {
    const store = await openFileStore(mkdtempSync(path.join(dir, 'b-')));
    const runRecord = (await openFileStore(dir)).listRuns().then((rs) => rs[0]);
    const base = { ...(await runRecord)!, runId: 'run-reconcile', state: 'running' as const, committedRounds: 1, currentRound: 1 };
    const weights = new Float32Array(PARAMS).fill(3);
    const version = sha256Hex(float32ToBytes(weights));
    await store.putModel(base.runId, version, weights);
    await store.putRun({ ...base, modelVersion: version, checkpoints: [{ round: 1, version, bytes: weights.byteLength, atMs: 0 }], config: config({ rounds: 1 }) });
    await store.putRound({ runId: base.runId, round: 1, attempt: 1, state: 'evaluating', startedAtMs: 0, deadlineMs: 0, clients: [], bytesDown: 0, bytesUp: 0, modelVersion: 'x', checkpoint: version });
    const m = manager(store, new FakeFleet());
    expect(await m.recover()).toEqual([base.runId]);
    const done = await m['drivers'].get(base.runId)!.done!;
    expect(done.state).toBe('completed');
    expect((await store.listRounds(base.runId)).map((r) => r.state)).toEqual(['committed']);
    await m.stop();
  }, 30_000);
});
