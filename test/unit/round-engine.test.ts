import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { FailedPreconditionError, InvalidArgumentError, StaleRoundError } from '../../common/errors';
import { EventBus } from '../../common/event-bus';
import { silentLogger, type Logger } from '../../common/logger';
import type { ModelSpec, RunConfig, RunRecord, TrainTask } from '../../common/types';
import type { LinkEstimate } from '../../common/link';
import { chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { encodeUpdate } from '../../common/codecs';
import { FencedError } from '../../services/coordinator/ha/fenced-store';
import { HALTED_REASON } from '../../services/coordinator/rounds/round';
import { RunDriver, type RunEvent } from '../../services/coordinator/rounds/run-driver';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';

const SPEC: ModelSpec = { name: 'mlp', inputShape: [2], numClasses: 2, tensors: [{ name: 'w', shape: [2, 2] }] };

function config(over: Partial<RunConfig> = {}): RunConfig {
  return runConfig({ clientsPerRound: 3, minClients: 2, ...over });
}

function setup(clients: string[], over: Partial<RunConfig> = {}, logger: Logger = silentLogger()) {
  const clock = new FakeClock();
  const fleet = new FakeFleet(clients);
  const store = new MemoryStore();
  const run: RunRecord = { runId: 'run-t', state: 'pending', config: config(over), model: SPEC, currentRound: 0, committedRounds: 0, createdAtMs: clock.now(), updatedAtMs: clock.now(), modelVersion: '' };
  const events = new EventBus<RunEvent>();
  const driver = new RunDriver(run, new Float32Array(4), { store, fleet, clock, logger, events, maxUpdateBytes: 1 << 20, selectionGraceMs: 0 });
  return { clock, fleet, store, driver, run };
}

const tick = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** Plays a well-behaved client: uploads `values` weighted by `n`, then reports metrics. */
function upload(driver: RunDriver, clientId: string, task: TrainTask, values: number[], n: number, opts: { sha?: string } = {}) {
  const bytes = float32ToBytes(Float32Array.from(values));
  const round = driver.currentRound!;
  const receiver = round.beginUpdate(clientId, {
    taskId: task.taskId, transferId: `t-${clientId}`, encoding: 'float32', totalBytes: bytes.length, sha256: opts.sha ?? sha256Hex(bytes), tensors: SPEC.tensors, numExamples: n,
  });
  for (const [offset, data] of chunks(bytes, 8)) receiver.write(offset, data);
  receiver.complete();
  round.acceptReport(clientId, { taskId: task.taskId, transferId: `t-${clientId}`, numExamples: n, train: { loss: n / 10, accuracy: 0.5, numExamples: n }, localEval: { loss: 1, accuracy: 0.1, numExamples: n }, durationMs: 5 });
}

describe('round engine', () => {
  it('round engine - commits the FedAvg of all updates when every selected client reports', async () => {
    const { fleet, driver, store } = setup(['a', 'b', 'c']);
    const values: Record<string, number[]> = { a: [1, 1, 1, 1], b: [2, 2, 2, 2], c: [4, 0, 4, 0] };
    const n: Record<string, number> = { a: 10, b: 20, c: 70 };
    fleet.onDispatch = (id, task) => setImmediate(() => upload(driver, id, task, values[id], n[id]));
    const run = await driver.start();
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    expect(round.state).toBe('committed');
    expect(round.clients.map((c) => c.state)).toEqual(['finished', 'finished', 'finished']);
    const weights = await store.getModel('run-t', run.modelVersion);
    expect(Array.from(weights!)).toEqual([(10 + 40 + 280) / 100, (10 + 40) / 100, (10 + 40 + 280) / 100, (10 + 40) / 100].map((v) => Math.fround(v)));
    // Mean train loss is weighted by examples: (1*10 + 2*20 + 7*70)/100.
    expect(round.meanTrainLoss).toBeCloseTo(5.4, 6);
  });

  it('round engine - a client whose announced models exclude the run\'s model is passed over with the reason, not sent a task it would refuse', async () => {
    const { fleet, driver, store } = setup(['a', 'b'], { clientsPerRound: 2, minClients: 1 });
    fleet.info.set('b', { datasetSize: 100, idleSinceMs: 0, encodings: ['float32'], models: ['cnn'] });
    fleet.onDispatch = (id, task) => setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 10));
    const run = await driver.start();
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    expect(round.clients.map((c) => c.clientId)).toEqual(['a']);
    expect(round.skipped).toEqual([{ clientId: 'b', reason: 'does not train model mlp (allows cnn)' }]);
  });

  it('round engine - a client\'s own download time replaces the coordinator\'s send time; a cached model leaves it alone; uploads are timed from their call\'s start', async () => {
    const { fleet, driver, store, clock } = setup(['a', 'b', 'c']);
    fleet.onDispatch = (id, task) =>
      setImmediate(() => {
        const round = driver.currentRound!;
        // The coordinator's writes finished in 2 ms (the model fit in the windows); c sent no download at all.
        if (id !== 'c') round.noteDownload(id, 16, 2);
        const bytes = float32ToBytes(Float32Array.from([1, 2, 3, 4]));
        const receiver = round.beginUpdate(id, { taskId: task.taskId, transferId: `t-${id}`, encoding: 'float32', totalBytes: bytes.length, sha256: sha256Hex(bytes), tensors: SPEC.tensors, numExamples: 5 });
        // The call began 4 s ago; its one chunk has only now arrived whole.
        receiver.claim(clock.now() - 4000);
        receiver.write(0, bytes, clock.now());
        receiver.complete();
        const m = { loss: 1, accuracy: 0.5, numExamples: 5 };
        const downloadMs = { a: 1800, b: undefined, c: undefined }[id];
        round.acceptReport(id, { taskId: task.taskId, transferId: `t-${id}`, numExamples: 5, train: m, localEval: m, durationMs: 5, downloadMs });
      });
    await driver.start();
    const [round] = await store.listRounds('run-t');
    const byId = Object.fromEntries(round.clients.map((c) => [c.clientId, c]));
    expect(byId.a.downloadMs).toBe(1800);
    expect(byId.b.downloadMs).toBe(2);
    expect(byId.c.downloadMs).toBeUndefined();
    expect(byId.a.bytesDown).toBe(16);
    expect(byId.a.uploadMs).toBe(4000);
  });

  it('round engine - closes the round at its deadline with the updates that arrived', async () => {
    const { clock, fleet, driver, store } = setup(['a', 'b', 'c']);
    fleet.onDispatch = (id, task) => {
      if (id !== 'c') setImmediate(() => upload(driver, id, task, [1, 2, 3, 4], 5));
    };
    const done = driver.start();
    await tick();
    expect(driver.currentRound?.record.state).toBe('training');
    clock.advance(60_000);
    const run = await done;
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    const c = round.clients.find((x) => x.clientId === 'c')!;
    expect(c.state).toBe('dropped');
    expect(c.reason).toBe('deadline exceeded');
    expect(fleet.cancelled).toEqual([expect.objectContaining({ clientId: 'c', reason: 'deadline exceeded' })]);
    expect(round.clients.filter((x) => x.state === 'finished')).toHaveLength(2);
  });

  it('round engine - fails the round with a reason when fewer than min clients report, then retries', async () => {
    const { clock, fleet, driver, store } = setup(['a', 'b', 'c'], { minClients: 2, maxRoundRetries: 1 });
    fleet.onDispatch = (id, task) => {
      if (id === 'a') setImmediate(() => upload(driver, id, task, [1, 2, 3, 4], 5));
    };
    const done = driver.start();
    for (let attempt = 0; attempt < 2; attempt++) {
      await tick();
      clock.advance(60_000);
    }
    const run = await done;
    expect(run.state).toBe('failed');
    expect(run.reason).toMatch(/round 1 failed after 2 attempt\(s\): only 1 of 3 selected client\(s\) reported; min_clients is 2/);
    const rounds = await store.listRounds('run-t');
    expect(rounds.map((r) => [r.attempt, r.state])).toEqual([[1, 'failed'], [2, 'failed']]);
    expect(rounds[0].reason).toMatch(/only 1 of 3/);
  });

  it('round engine - a client that disconnects mid-round is dropped and never holds the round open', async () => {
    const { fleet, driver, store, clock } = setup(['a', 'b', 'c']);
    fleet.onDispatch = (id, task) =>
      setImmediate(() => {
        if (id === 'b') driver.currentRound!.clientGone('b', 'disconnected');
        else upload(driver, id, task, [1, 1, 1, 1], 1);
      });
    const run = await driver.start();
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    expect(round.clients.find((c) => c.clientId === 'b')).toMatchObject({ state: 'dropped', reason: 'disconnected' });
    // Closed as soon as everyone settled, long before the 60 s deadline.
    expect(round.endedAtMs! - round.startedAtMs).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('round engine - with accept-failures off a single dropout fails the round', async () => {
    const { fleet, driver } = setup(['a', 'b', 'c'], { acceptFailures: false });
    fleet.onDispatch = (id, task) =>
      setImmediate(() => (id === 'c' ? driver.currentRound!.acceptFailure('c', task.taskId, 'out of memory') : upload(driver, id, task, [1, 1, 1, 1], 1)));
    const run = await driver.start();
    expect(run.state).toBe('failed');
    expect(run.reason).toMatch(/1 selected client\(s\) did not report and accept_failures is off/);
  });

  it('round engine - round saves the store fails mid-round are logged, not unhandled; the round closes and the run fails', async () => {
    const logs: Array<{ msg: string }> = [];
    const { fleet, driver, store } = setup(['a', 'b', 'c'], {}, pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) }));
    let broken = false;
    const putRound = store.putRound.bind(store);
    store.putRound = (r) => (broken ? Promise.reject(new Error('disk full')) : putRound(r));
    fleet.onDispatch = (id, task) => {
      broken = true;
      setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 1));
    };
    const run = await driver.start();
    expect(logs.map((l) => l.msg)).toContain('could not save round progress; the round goes on');
    // The closing save is awaited: its failure ends the run, recorded as failed.
    expect(run.state).toBe('failed');
    expect((await store.getRun('run-t'))?.state).toBe('failed');
  });

  it('round engine - saves refused by the fence (lease lost) stop the driver without marking the run failed, and nothing is unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const logs: Array<{ msg: string; level: number }> = [];
      const { fleet, driver, store } = setup(['a', 'b', 'c'], {}, pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) }));
      let fenced = false;
      const refuse = () => Promise.reject(new FencedError('this coordinator does not hold the leader lease: state write refused'));
      const putRound = store.putRound.bind(store);
      const putRun = store.putRun.bind(store);
      store.putRound = (r) => (fenced ? refuse() : putRound(r));
      store.putRun = (r) => (fenced ? refuse() : putRun(r));
      fleet.onDispatch = (id, task) => {
        fenced = true;
        setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 1));
      };
      await driver.start();
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      // Stored as it was when the lease went: running, for the next leader to resume.
      expect((await store.getRun('run-t'))?.state).toBe('running');
      expect(logs.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([]);
      expect(logs.map((l) => l.msg)).toContain('stopped driving the run; its state stays as stored');
      expect(logs.map((l) => l.msg)).not.toContain('run ended');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('round engine - a halted run (shutdown or leadership lost) tells its clients and its round record why, not "run cancelled", and stays running', async () => {
    const { fleet, driver, store } = setup(['a', 'b']);
    fleet.onDispatch = () => {};
    const done = driver.start();
    await tick();
    expect(driver.currentRound).toBeDefined();
    driver.halt();
    await done;
    expect(fleet.cancelled.map((c) => c.reason)).toEqual([HALTED_REASON, HALTED_REASON]);
    const [round] = await store.listRounds('run-t');
    expect(round).toMatchObject({ state: 'failed', reason: HALTED_REASON });
    expect(round.clients.map((c) => c.reason)).toEqual([HALTED_REASON, HALTED_REASON]);
    expect((await store.getRun('run-t'))?.state).toBe('running');
  });

  it('round engine - refuses updates from unselected clients, for stale tasks, and twice from the same client', async () => {
    const { fleet, driver } = setup(['a', 'b', 'c', 'd'], { clientsPerRound: 2, minClients: 1 });
    const tasks: TrainTask[] = [];
    fleet.onDispatch = (_id, task) => tasks.push(task);
    const done = driver.start();
    await tick();
    const round = driver.currentRound!;
    const selected = round.record.clients.map((c) => c.clientId);
    const outsider = ['a', 'b', 'c', 'd'].find((c) => !selected.includes(c))!;
    const header = (taskId: string) => ({ taskId, transferId: 'x', encoding: 'float32', totalBytes: 16, sha256: 'a'.repeat(64), tensors: SPEC.tensors, numExamples: 1 });
    expect(() => round.beginUpdate(outsider, header(tasks[0].taskId))).toThrow(FailedPreconditionError);
    expect(() => round.beginUpdate(selected[0], header('run-t/r0a1/old'))).toThrow(StaleRoundError);
    upload(driver, selected[0], tasks.find((t) => t.taskId.endsWith(selected[0]))!, [1, 1, 1, 1], 1);
    expect(() => round.beginUpdate(selected[0], header(tasks.find((t) => t.taskId.endsWith(selected[0]))!.taskId))).toThrow(FailedPreconditionError);
    upload(driver, selected[1], tasks.find((t) => t.taskId.endsWith(selected[1]))!, [3, 3, 3, 3], 1);
    const run = await done;
    expect(run.state).toBe('completed');
    // After the round closed, an update for it is stale.
    expect(() => round.beginUpdate(selected[0], header(tasks[0].taskId))).toThrow(StaleRoundError);
  });

  it('round engine - rejects a bad update (shape, size, checksum) and carries on with the others', async () => {
    const { fleet, driver, store } = setup(['a', 'b', 'c']);
    const errors: unknown[] = [];
    fleet.onDispatch = (id, task) =>
      setImmediate(() => {
        if (id !== 'c') return upload(driver, id, task, [2, 2, 2, 2], 1);
        const round = driver.currentRound!;
        const h = { taskId: task.taskId, transferId: 'tc', encoding: 'float32', totalBytes: 16, sha256: 'b'.repeat(64), tensors: SPEC.tensors, numExamples: 1 };
        try {
          round.beginUpdate('c', { ...h, tensors: [{ name: 'w', shape: [4, 1] }] });
        } catch (e) {
          errors.push(e);
        }
        try {
          round.beginUpdate('c', { ...h, totalBytes: 4 << 20 });
        } catch (e) {
          errors.push(e);
        }
        try {
          upload(driver, 'c', task, [9, 9, 9, 9], 100, { sha: 'c'.repeat(64) });
        } catch (e) {
          errors.push(e);
          // What the PushUpdate handler does with an invalid transfer.
          (driver.currentRound as any)?.receivers?.get('c')?.abort((e as Error).message, true);
          // ...and what the daemon does after a refused upload.
          driver.currentRound!.acceptFailure('c', task.taskId, 'INVALID_ARGUMENT: upload refused');
        }
      });
    const run = await driver.start();
    expect(errors.map((e) => (e as Error).name)).toEqual(['InvalidArgumentError', 'ResourceExhaustedError', 'InvalidArgumentError']);
    expect(errors[0]).toBeInstanceOf(InvalidArgumentError);
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    expect(round.clients.find((c) => c.clientId === 'c')).toMatchObject({ state: 'rejected', reason: expect.stringMatching(/update rejected: .*sha256/) });
    // The rejected update contributed nothing: the average is just a and b.
    expect(Array.from((await store.getModel('run-t', run.modelVersion))!)).toEqual([2, 2, 2, 2]);
  });

  it('round engine - fails the run with a reason when too few clients are connected', async () => {
    const { clock, driver, store } = setup(['a'], { minClients: 2, clientsPerRound: 2, waitForClientsMs: 5000 });
    const done = driver.start();
    await tick();
    clock.advance(5000);
    const run = await done;
    expect(run.state).toBe('failed');
    const [round] = await store.listRounds('run-t');
    expect(round.reason).toMatch(/only 1 idle client\(s\) connected after waiting 5s; min_clients is 2/);
  });

  it('round engine - selection is reproducible for a seed', async () => {
    const picks: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const { fleet, driver } = setup(['e', 'a', 'd', 'b', 'c'], { clientsPerRound: 2, minClients: 2 });
      fleet.onDispatch = (id, task) => setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 1));
      await driver.start();
      picks.push(fleet.dispatched.map((t) => t.taskId.split('/').pop()!).sort());
    }
    expect(picks[0]).toEqual(picks[1]);
  });
});

describe('round engine with top-k compression', () => {
  it('round engine - per-parameter averaging only for clients with the sparse-average feature; others average as dense deltas', async () => {
    const { fleet, driver, store } = setup(['a', 'b'], { compression: 'topk:0.5', clientsPerRound: 2, minClients: 2, rounds: 1 });
    fleet.info.set('a', { datasetSize: 10, idleSinceMs: 0, encodings: ['topk'], features: ['sparse-average'] });
    fleet.info.set('b', { datasetSize: 30, idleSinceMs: 0, encodings: ['topk'] }); // an older daemon
    // Global model 0; a's top-2 of [1, 0, 2, 0.5] is {0, 2}, b's of [0, 4, 0.5, 3] is {1, 3}.
    const deltas: Record<string, { delta: number[]; n: number }> = { a: { delta: [1, 0, 2, 0.5], n: 10 }, b: { delta: [0, 4, 0.5, 3], n: 30 } };
    fleet.onDispatch = (id, task) =>
      setImmediate(() => {
        const payload = encodeUpdate(Float32Array.from(deltas[id].delta), 'topk:0.5');
        const round = driver.currentRound!;
        const receiver = round.beginUpdate(id, {
          taskId: task.taskId, transferId: `t-${id}`, encoding: 'topk:0.5', totalBytes: payload.length, sha256: sha256Hex(payload), tensors: SPEC.tensors, numExamples: deltas[id].n,
        });
        receiver.write(0, payload);
        receiver.complete();
        const m = { loss: 1, accuracy: 0.5, numExamples: deltas[id].n };
        round.acceptReport(id, { taskId: task.taskId, transferId: `t-${id}`, numExamples: deltas[id].n, train: m, localEval: m, durationMs: 5 });
      });
    const run = await driver.start();
    expect(run.state).toBe('completed');
    expect(fleet.dispatched.map((t) => [t.updateEncoding, t.sparseAverage])).toEqual(expect.arrayContaining([['topk:0.5', true], ['topk:0.5', false]]));
    const [round] = await store.listRounds('run-t');
    expect(Object.fromEntries(round.clients.map((c) => [c.clientId, c.sparseAverage ?? false]))).toEqual({ a: true, b: false });
    // b counts at every parameter (zeros where it sent nothing), a only where it sent:
    // (10·1)/(30+10), (30·4)/30, (10·2)/(30+10), (30·3)/30.
    const weights = await store.getModel('run-t', run.modelVersion);
    expect(Array.from(weights!)).toEqual([0.25, 4, 0.5, 3]);
  });
});

describe('round engine retries', () => {
  it('round engine - a client whose upload was refused may send a good update before the deadline', async () => {
    const { fleet, driver, store } = setup(['a'], { clientsPerRound: 1, minClients: 1 });
    fleet.onDispatch = (id, task) =>
      setImmediate(() => {
        const round = driver.currentRound!;
        const bad = round.beginUpdate(id, { taskId: task.taskId, transferId: 'bad', encoding: 'float32', totalBytes: 16, sha256: 'd'.repeat(64), tensors: SPEC.tensors, numExamples: 3 });
        bad.write(0, float32ToBytes(Float32Array.from([5, 5, 5, 5])));
        expect(() => bad.complete()).toThrow(/sha256/);
        bad.abort('sha256 mismatch', true);
        expect(round.record.clients[0].state).toBe('rejected');
        upload(driver, id, task, [7, 7, 7, 7], 3);
      });
    const run = await driver.start();
    expect(run.state).toBe('completed');
    expect(Array.from((await store.getModel('run-t', run.modelVersion))!)).toEqual([7, 7, 7, 7]);
  });
});

describe('round engine with link-aware selection', () => {
  function linkAware(clients: string[], over: Partial<RunConfig>, links: Record<string, Partial<LinkEstimate>>) {
    const s = setup(clients, over);
    const estimates = new Map(Object.entries(links).map(([id, l]) => [id, { clientId: id, presence: 'online', radio: 'lte', resets: 0, disconnects: 0, lastUpdateMs: 0, stale: false, samples: 1, ...l } as LinkEstimate]));
    const driver = new RunDriver(s.run, new Float32Array(4), {
      store: s.store, fleet: s.fleet, clock: s.clock, logger: silentLogger(), events: new EventBus<RunEvent>(), maxUpdateBytes: 1 << 20, selectionGraceMs: 0,
      links: { get: (id) => estimates.get(id) },
    });
    return { ...s, driver };
  }

  it('round engine - over-selection commits once the target reported and lets the rest go as not needed', async () => {
    const { fleet, driver, store } = linkAware(['a', 'b', 'c', 'd'], { clientsPerRound: 2, minClients: 2, overSelection: 2, acceptFailures: false }, {});
    fleet.onDispatch = (id, task) => {
      if (id === 'a' || id === 'b') setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 1));
    };
    const run = await driver.start();
    expect(run.state, run.reason).toBe('completed');
    const [round] = await store.listRounds('run-t');
    expect(round.clients).toHaveLength(4);
    expect(round.clients.filter((c) => c.state === 'finished').map((c) => c.clientId).sort()).toEqual(['a', 'b']);
    for (const c of round.clients.filter((x) => x.state !== 'finished')) expect(c.reason).toMatch(/not needed/);
    // Let-go clients are not drops: the scheduling metrics count only the two that were needed.
    expect(round.scheduling).toMatchObject({ policy: 'random', dropRate: 0 });
  });

  it('round engine - the deadline policy skips a client predicted to miss, and the round says why', async () => {
    const { fleet, driver, store } = linkAware(['fast', 'slow'], { clientsPerRound: 2, minClients: 1, selection: 'deadline', roundDeadlineMs: 30_000 }, {
      fast: { rttMs: 20, upMbps: 50, downMbps: 100 },
      // The test model is 16 bytes: 128 bits at 1 bit/s is 128 s.
      slow: { rttMs: 400, upMbps: 1e-6, downMbps: 1e-5 },
    });
    fleet.onDispatch = (id, task) => setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 1));
    const run = await driver.start();
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    expect(round.clients.map((c) => c.clientId)).toEqual(['fast']);
    expect(round.clients[0].predictedMs).toBeGreaterThan(0);
    expect(round.clients[0].actualMs).toBe(0);
    expect(round.skipped).toEqual([expect.objectContaining({ clientId: 'slow', reason: expect.stringMatching(/exceeds the 30 s deadline/) })]);
    expect(round.scheduling?.policy).toBe('deadline');
  });

  it('round engine - a per-client deadline lets a client go at its predicted time × factor, before the round deadline', async () => {
    const { fleet, driver, store, clock } = linkAware(['a', 'b'], { clientsPerRound: 2, minClients: 1, clientDeadlineFactor: 2, roundDeadlineMs: 600_000 }, {});
    fleet.onDispatch = (id, task) => {
      if (id === 'a') setImmediate(() => upload(driver, id, task, [1, 1, 1, 1], 1));
    };
    const done = driver.start();
    await tick();
    const b = driver.currentRound!.record.clients.find((c) => c.clientId === 'b')!;
    expect(b.predictedMs).toBeGreaterThan(0);
    clock.advance(b.predictedMs! * 2);
    const run = await done;
    expect(run.state).toBe('completed');
    const [round] = await store.listRounds('run-t');
    const rb = round.clients.find((c) => c.clientId === 'b')!;
    expect(rb).toMatchObject({ state: 'dropped', missedDeadline: true });
    expect(rb.reason).toMatch(/exceeded 2× its predicted/);
    expect(round.endedAtMs! - round.startedAtMs).toBeLessThan(600_000);
    expect(fleet.cancelled.map((c) => c.clientId)).toEqual(['b']);
  });
});
