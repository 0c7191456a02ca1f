/**
 * Integration: resume tokens over the real wire. A daemon whose connection
 * broke and that comes back with the token of its last welcome resumes its
 * session: the round keeps waiting for its task. A daemon that comes back
 * without it is a new process (a restart): its task is lost, and the round
 * drops it at once instead of waiting until the deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';
import { RawFleetClient, updateChunks } from '../helpers/raw-fleet-client';

describe('integration resume tokens', () => {
  let coordinator: Coordinator;
  const clients: RawFleetClient[] = [];

  beforeAll(async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, reconnectGraceMs: 60_000 }, silentLogger());
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await coordinator?.stop();
  });

  it('resume - the same process resumes with its token and keeps its task; a restarted one without it is dropped at once', async () => {
    const address = `127.0.0.1:${coordinator.port}`;
    const [steady, restarted] = ['edge-steady', 'edge-restarted'].map((id) => new RawFleetClient(address, id));
    clients.push(steady, restarted);
    const tokens = [await steady.connect(), await restarted.connect()];
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ clientsPerRound: 2, minClients: 1, roundDeadlineMs: 120_000 })));
    const [task] = await Promise.all([steady.nextTask(), restarted.nextTask()]);

    // Both connections break; the grace period (60 s) would keep both selected.
    steady.dropStream();
    restarted.dropStream();
    await new Promise((r) => setTimeout(r, 200));
    const resumedToken = await steady.connect(100, tokens[0]);
    expect(resumedToken).not.toBe(tokens[0]); // a fresh token for the next reconnect
    await restarted.connect(100); // a new process knows no token
    const dropped = await waitFor('the restarted client dropped', async () => {
      const r = await coordinator.manager.getRound(run.runId, 1);
      const c = r.clients.find((x) => x.clientId === 'edge-restarted');
      return c?.state === 'dropped' ? c : undefined;
    }, 10_000, 20);
    expect(dropped.reason).toBe('the client restarted and lost its task');
    const round = await coordinator.manager.getRound(run.runId, 1);
    expect(round.state).toBe('training');
    expect(round.clients.find((x) => x.clientId === 'edge-steady')!.state).not.toBe('dropped');

    // The resumed client's upload of its original task is accepted and the round commits.
    const result = await steady.push(updateChunks(task, new Float32Array(199_210).fill(0.5)));
    expect(result).toEqual({ code: 0, details: '' });
    steady.send({ result: { taskId: task.taskId, runId: task.runId, round: task.round, numExamples: 100, transferId: '', train: { loss: 1, accuracy: 0.5, numExamples: 100 }, localEval: { loss: 1, accuracy: 0.5, numExamples: 100 }, durationMs: 5 } });
    const done = await waitFor('round 1 to end', async () => {
      const r = await coordinator.manager.getRound(run.runId, 1);
      return r.state === 'committed' || r.state === 'failed' ? r : undefined;
    }, 30_000, 50);
    expect(done.state, done.reason).toBe('committed');
    await coordinator.manager.cancelRun(run.runId).catch(() => {});
  }, 60_000);
});
