/**
 * Integration: every kind of bad input a client can send over the real wire is
 * refused with the right gRPC status, and the round carries on and commits
 * with what was valid.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import type { UpdateChunk } from '../../proto/gen/fedlink/v1/UpdateChunk';
import { waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';
import { RawFleetClient, updateChunks } from '../helpers/raw-fleet-client';

const PARAMS = 199_210;

const update = updateChunks;

describe('integration bad input', () => {
  let coordinator: Coordinator;
  let good: RawFleetClient;
  let outsider: RawFleetClient;

  beforeAll(async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, maxUpdateBytes: PARAMS * 4 + 1024 }, silentLogger());
    good = new RawFleetClient(`127.0.0.1:${coordinator.port}`, 'raw-good');
    await good.connect();
  });

  afterAll(async () => {
    good?.close();
    outsider?.close();
    await coordinator?.stop();
  });

  it('integration - refuses malformed, oversize, stale and unselected updates with the right status and still commits', async () => {
    const run = await coordinator.manager.createRun(
      fromWireRunConfig(wireRunConfig()),
    );
    const task = await good.nextTask();
    expect(task.runId).toBe(run.runId);
    // The outsider connects after selection, so it is not part of the round.
    outsider = new RawFleetClient(`127.0.0.1:${coordinator.port}`, 'raw-outsider');
    await outsider.connect();
    const values = new Float32Array(PARAMS).fill(0.01);

    const nan = values.slice();
    nan[PARAMS - 3] = Number.NaN;
    const inf = values.slice();
    inf[5] = Number.NEGATIVE_INFINITY;
    const cases: Array<[string, UpdateChunk[], number, RegExp, string?]> = [
      ['NaN value', update(task, nan), status.INVALID_ARGUMENT, /non-finite/],
      ['Inf value', update(task, inf), status.INVALID_ARGUMENT, /non-finite/],
      ['checksum mismatch', update(task, values, { sha: 'f'.repeat(64) }), status.INVALID_ARGUMENT, /sha256/],
      ['wrong tensor count', update(task, values, { tensors: task.model!.tensors.slice(1) }), status.INVALID_ARGUMENT, /tensors/],
      ['wrong shape', update(task, values, { tensors: [{ name: 'x', shape: [1, 784 * 200] }, ...task.model!.tensors.slice(1)] }), status.INVALID_ARGUMENT, /shape/],
      ['truncated upload', update(task, values).slice(0, 2), status.INVALID_ARGUMENT, /ended after/],
      ['oversize', update(task, values, { totalBytes: PARAMS * 4 * 2 }), status.RESOURCE_EXHAUSTED, /exceeds/],
      ['zero examples', update(task, values, { examples: 0 }), status.INVALID_ARGUMENT, /num_examples/],
      ['stale task', update(task, values, { taskId: `${run.runId}/r1a0/raw-good` }), status.ABORTED, /not the current task/],
      ['future round', update(task, values, { round: 5 }), status.ABORTED, /no longer current|not/],
      ['unselected client', update(task, values), status.FAILED_PRECONDITION, /not selected/, 'raw-outsider'],
    ];
    for (const [name, msgs, code, details, as] of cases) {
      const res = await (as ? outsider.push(msgs) : good.push(msgs));
      expect({ name, code: res.code }).toEqual({ name, code });
      expect(res.details).toMatch(details);
      // A refused update must not settle the round: the client may still send a good one.
    }
    const unknownRun = update(task, values);
    unknownRun[0].meta = { ...unknownRun[0].meta!, runId: 'run-doesnotexist' };
    expect((await good.push(unknownRun)).code).toBe(status.NOT_FOUND);

    // An upload that breaks off mid-way contributes nothing and leaves the client free to try again.
    const partial = update(task, values);
    const call = good.client.pushUpdate(good.metadata(), () => {});
    call.write(partial[0]);
    call.write(partial[1]);
    await waitFor('the coordinator to see the upload', async () => ((await coordinator.manager.getRound(run.runId, 1)).clients[0].state === 'uploading' ? true : undefined), 10_000, 20);
    call.cancel();
    const interrupted = await waitFor('the interruption', async () => {
      const c = (await coordinator.manager.getRound(run.runId, 1)).clients[0];
      return /upload interrupted/.test(c.reason ?? '') ? c : undefined;
    }, 10_000, 20);
    expect(interrupted.state).toBe('dispatched');

    const ok = await good.push(update(task, values, { examples: 42 }));
    expect(ok.code).toBe(0);
    const ended = await waitFor('run end', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      // The round waits for the metrics message; send it.
      good.send({ result: { taskId: task.taskId, runId: run.runId, round: 1, transferId: 'unused', numExamples: 42 } });
      return r.state === 'running' ? undefined : r;
    }, 30_000, 300);
    expect(ended.state).toBe('completed');
    const weights = await coordinator.manager.model(run.runId, ended.modelVersion);
    // Only the one valid update was aggregated.
    expect(weights[0]).toBeCloseTo(0.01, 7);
    expect(weights[PARAMS - 3]).toBeCloseTo(0.01, 7);
  }, 60_000);
});
