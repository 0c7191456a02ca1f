/**
 * Devices protect themselves (issue 10): a task outside the daemon's limits is
 * refused with a reason naming the limit and its flag, never trained, and the
 * session stays connected for the next task. Against a real grpc-js Fleet fake.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileDaemonOptions } from '../../clients/daemon/options';
import { DEFAULT_TASK_LIMITS, type TaskLimits } from '../../clients/daemon/task-limits';
import { InvalidArgumentError } from '../../common/errors';
import { FakeFleet, SPEC, connectedSession, taskMessage, waitFor } from '../helpers/fake-fleet-server';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(limits: Partial<TaskLimits>) {
  const fleet = await new FakeFleet().start();
  cleanups.push(() => fleet.stop());
  const daemon = await connectedSession(fleet, { limits: { ...DEFAULT_TASK_LIMITS, ...limits } });
  cleanups.push(daemon.stop);
  return { fleet, ...daemon };
}

/** Sends `refused`, expects its failure with `reason` and no training, then checks a valid task still trains. */
async function expectRefusedThenServed(d: Awaited<ReturnType<typeof setup>>, refused: ReturnType<typeof taskMessage>, reason: string, next = taskMessage({ taskId: 'task-ok', round: 2 })) {
  d.fleet.send(refused);
  const [failure] = await waitFor(() => d.fleet.of('failure').length > 0 && d.fleet.of('failure'), 'the refusal');
  expect(failure).toEqual({ taskId: refused.task!.taskId, runId: 'run-1', round: 1, reason });
  expect(d.trainer.calls).toHaveLength(0);
  expect(d.fleet.fetches).toHaveLength(0);
  expect(d.events.find((e) => e.type === 'task-failed')).toMatchObject({ reason });

  d.fleet.send(next);
  const [result] = await waitFor(() => d.fleet.of('result').length > 0 && d.fleet.of('result'), 'the next task\'s result');
  expect(result.taskId).toBe('task-ok');
  // Still the first session: refusing never cost the connection.
  expect(d.fleet.hellos).toHaveLength(1);
  expect(d.session.state).toBe('connected');
}

describe('daemon limits', () => {
  it('refuses a task asking more local epochs than --max-epochs, and trains the next valid one', async () => {
    const d = await setup({ maxEpochs: 20 });
    const task = taskMessage({ taskId: 'task-greedy', train: { localEpochs: 10_000, batchSize: 0, learningRate: 0.1, seed: 1 } });
    await expectRefusedThenServed(d, task, 'task asks 10000 local epochs; this device allows at most 20 (--max-epochs)');
  });

  it('refuses a model outside --allowed-models, and announces only the allowed ones in its hello', async () => {
    const d = await setup({ allowedModels: ['cnn'] });
    expect(d.fleet.hellos[0].hello.capabilities?.models).toEqual(['cnn']);
    // The fake's model is an 'mlp' spec; the next, valid task is the same weights under a name this device allows.
    const next = taskMessage({ taskId: 'task-ok', round: 2, model: { ...SPEC, name: 'cnn' } });
    await expectRefusedThenServed(d, taskMessage({ taskId: 'task-mlp' }), 'task asks model mlp; this device allows only cnn (--allowed-models)', next);
  });

  it('refuses a task whose deadline is further away than --max-task-time, and trains the next valid one', async () => {
    const d = await setup({ maxTaskTimeMs: 60_000 });
    const task = taskMessage({ taskId: 'task-slow', deadlineUnixMs: Date.now() + 2 * 3_600_000 });
    await expectRefusedThenServed(d, task, 'task deadline is 2h away; this device allows at most 1m (--max-task-time)');
  });

  it('refuses a task asking more batches than --max-batches on the local partition, and trains the next valid one', async () => {
    // 600 local examples in batches of 1, twice over: 1,200 optimizer steps.
    const d = await setup({ maxBatches: 1_000 });
    const task = taskMessage({ taskId: 'task-tiny-batches', train: { localEpochs: 2, batchSize: 1, learningRate: 0.1, seed: 1 } });
    await expectRefusedThenServed(d, task, 'task asks 1200 batches (2 epochs × 600 batches of 1); this device allows at most 1000 (--max-batches)');
  });

  it('aborts training still running after --max-task-time (with or without a deadline of its own), reports why, and takes the next task', async () => {
    const d = await setup({ maxTaskTimeMs: 200 });
    d.trainer.block = true;
    // Due in 30 s: within the limit (plus its clock-skew allowance), so accepted, then cut off at 200 ms.
    d.fleet.send(taskMessage({ taskId: 'task-long' }));
    await waitFor(() => d.trainer.calls.length === 1, 'training to start');
    const [failure] = await waitFor(() => d.fleet.of('failure').length > 0 && d.fleet.of('failure'), 'the abort');
    expect(failure).toMatchObject({ taskId: 'task-long', reason: 'task still running after 200ms; this device allows at most 200ms (--max-task-time)' });
    expect(d.trainer.calls[0].signal.aborted).toBe(true);
    expect(d.fleet.pushes).toHaveLength(0);

    // A task without a deadline (0 on the wire) is bounded by the same limit.
    d.fleet.send(taskMessage({ taskId: 'task-open-ended', round: 2, deadlineUnixMs: 0 }));
    await waitFor(() => d.fleet.of('failure').some((f) => f.taskId === 'task-open-ended'), 'the second abort');
    expect(d.fleet.of('failure')[1].reason).toBe('task still running after 200ms; this device allows at most 200ms (--max-task-time)');

    d.trainer.block = false;
    d.fleet.send(taskMessage({ taskId: 'task-next', round: 3 }));
    await waitFor(() => d.fleet.of('result').some((r) => r.taskId === 'task-next'), 'the next task\'s result');
    expect(d.fleet.hellos).toHaveLength(1);
  });

  it('options - limits default to 20 epochs, 1h, every registry model and custom ones, and 100,000 batches; bad values are one-line errors', () => {
    expect(compileDaemonOptions({ coordinator: '127.0.0.1:50051', clientId: 'edge-1' }).limits).toEqual({
      maxEpochs: 20,
      maxTaskTimeMs: 3_600_000,
      allowedModels: ['mlp', 'cnn', 'custom'],
      maxBatches: 100_000,
    });
    const base = { coordinator: '127.0.0.1:50051', clientId: 'edge-1' };
    for (const [bad, message] of [
      [{ maxEpochs: 0 }, 'max epochs must be at least 1, got 0'],
      [{ allowedModels: ['rnn'] }, 'unknown model "rnn" in allowed models (known: mlp, cnn, custom)'],
      [{ allowedModels: [] }, 'allowed models must name at least one of mlp, cnn, custom'],
      [{ maxTaskTimeMs: 2 ** 31 }, 'max task time must be at most 2147483647 ms (about 24 days)'],
    ] as const) {
      expect(() => compileDaemonOptions({ ...base, ...bad } as never)).toThrow(new InvalidArgumentError(message));
    }
  });
});
