/**
 * Containers: a coordinator keeps its state in a named volume. Mid-run its
 * container is stopped and removed, and a new container started on the same
 * volume under the same name; the daemons find it again and the run resumes
 * where it was and completes, every round committed once.
 */
import type { StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { waitFor } from '../../common/wait-for';
import { COORDINATOR_PORT, ContainerStack } from './helpers/container-stack';
import { dockerOk } from './helpers/docker-cli';
import { waitForConnected } from '../helpers/connected-clients';

const ROUNDS = 4;

describe('docker restart on a volume', () => {
  const stack = new ContainerStack();
  const volume = stack.volume('state');
  const options = { alias: 'coordinator', volume, args: ['--state-dir', '/var/lib/fedlink', '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '5s'] };
  let coordinator: StartedTestContainer;
  let control: ControlConnection;
  const connect = () => connectControl({ address: `${coordinator.getIpAddress(stack.networkName())}:${COORDINATOR_PORT}`, deadlineMs: 3000 });

  beforeAll(async () => {
    coordinator = await stack.coordinator(options);
    control = connect();
    await Promise.all([0, 1].map((i) => stack.daemon(i, `coordinator:${COORDINATOR_PORT}`)));
    await waitForConnected(control, 2, { label: 'two daemons connected', timeoutMs: 120_000, everyMs: 500, atLeast: true });
  });

  afterAll(async () => {
    control?.close();
    await stack.removeAll();
  });

  it('containers - a new coordinator container on the same volume resumes the run mid-way and completes it', async () => {
    const created = await coordinator.exec([
      'fedlink', 'runs', 'create', '--json', '--coordinator', `127.0.0.1:${COORDINATOR_PORT}`, '--rounds', String(ROUNDS), '--clients-per-round', '2', '--min-clients', '2',
      '--deadline', '30s', '--wait-for-clients', '30s', '--local-epochs', '1', '--batch-size', '32', '--lr', '0.05', '--seed', '3',
    ]);
    expect(created.exitCode, created.output).toBe(0);
    const runId = (JSON.parse(created.stdout) as { runId: string }).runId;
    await waitFor('round 1 committed', async () => ((await control.getRun(runId)).committedRounds >= 1 ? true : undefined), 120_000, 250);

    // Stopped as an orchestrator does (SIGTERM, drain), then gone: only the volume remains.
    const old = coordinator;
    const stopping = Date.now();
    await dockerOk(['stop', '-t', '30', old.getId()], { timeoutMs: 90_000 });
    const stopMs = Date.now() - stopping;
    // Exit 0, not 137: the coordinator drained mid-round by itself, before docker's SIGKILL.
    expect(JSON.parse(await dockerOk(['inspect', '--format', '{{json .State.ExitCode}}', old.getId()]))).toBe(0);
    console.log(`docker restart: docker stop mid-run → exited 0 in ${stopMs} ms`);
    const before = await control.getRun(runId).catch(() => undefined);
    expect(before).toBeUndefined();
    control.close();
    await old.stop({ timeout: 0, remove: true });
    stack.forget(old);

    coordinator = await stack.coordinator(options);
    control = connect();
    const resumed = await control.getRun(runId);
    expect(resumed.committedRounds).toBeGreaterThanOrEqual(1);
    expect(resumed.committedRounds).toBeLessThan(ROUNDS);
    await waitForConnected(control, 2, { label: 'the daemons back', timeoutMs: 60_000, everyMs: 250, atLeast: true });
    const run = await waitFor('the run to end', async () => {
      const r = await control.getRun(runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 240_000, 500);
    expect(run.state, run.reason).toBe('completed');
    expect(run.committedRounds).toBe(ROUNDS);
    const rounds = (await control.listRounds(runId)).rounds.filter((r) => r.state === 'committed').map((r) => r.round);
    expect(rounds).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
  });
});
