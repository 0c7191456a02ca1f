/**
 * End to end, one coordinator per state directory, as an operator meets it: a
 * second `fedlink coordinator` on a --state-dir in use exits 2 with one line
 * naming the pid that holds it, and leaves the first one serving; the first,
 * killed with SIGKILL mid-run, leaves its lock behind, and a coordinator
 * restarted on the same directory takes the lock over and resumes the run to
 * its end with two `fedlink client` daemons that were never restarted.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { waitForConnected } from '../helpers/connected-clients';

describe('e2e state directory restart', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-state-dir-'));
  const stateDir = path.join(logDir, 'state');
  const group = new ProcessGroup(logDir);
  let control: ControlConnection | undefined;

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('e2e - a second coordinator on a state dir in use exits 2 naming the holder; a coordinator killed mid-run is restarted on it and the run finishes', async () => {
    requireFashionMnist();
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const coordinator = (name: string) =>
      group.start(name, ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '2s']);
    const first = coordinator('coordinator-1');
    control = connectControl({ address, deadlineMs: 3000 });
    await waitFor('the first coordinator', () => control!.listRuns(), 30_000, 100);

    // A second one on the same directory: refused at once, one line, exit 2, naming the first one's pid.
    const second = await runCli(['coordinator', '--host', '127.0.0.1', '--port', String(await freePort()), '--state-dir', stateDir], { timeoutMs: 30_000 });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr.trim().split('\n'), second.stderr).toEqual([`fedlink: state directory ${stateDir} is in use by the coordinator with pid ${first.pid}; stop it first or use another --state-dir`]);
    // The first one is untouched: still holding the lock and serving.
    expect(readFileSync(path.join(stateDir, 'coordinator.lock'), 'utf8')).toBe(String(first.pid));
    expect((await control.listRuns()).runs).toEqual([]);

    for (let i = 0; i < 2; i++) {
      group.start(`edge-${i}`, [
        'client', '--coordinator', address, '--id', `edge-${i}`, '--partition', 'iid', '--num-partitions', '2', '--index', String(i),
        '--max-examples', '600', '--reconnect-max', '1s', '--state-dir', path.join(logDir, `edge-${i}-state`),
      ]);
    }
    await waitForConnected(control!, 2, { label: '2 daemons connected', timeoutMs: 60_000, everyMs: 200 });
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '3', '--clients-per-round', '2', '--min-clients', '2',
      '--deadline', '60s', '--wait-for-clients', '30s', '--local-epochs', '1', '--batch-size', '32', '--lr', '0.05', '--seed', '3',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    await waitFor('round 1 committed', async () => ((await control!.getRun(runId)).committedRounds >= 1 ? true : undefined), 120_000, 100);

    // kill -9 mid-run: the lock file stays behind with a dead pid.
    const died = new Promise<NodeJS.Signals | null>((resolve) => first.once('exit', (_code, signal) => resolve(signal)));
    first.kill('SIGKILL');
    expect(await died).toBe('SIGKILL');
    const committedBefore = (await runCli(['runs', 'show', runId, '--coordinator', address, '--json'])).code;
    expect(committedBefore, 'nothing serves while the coordinator is down').not.toBe(0);

    const restarted = coordinator('coordinator-2');
    await waitFor('the restarted coordinator', () => control!.getRun(runId), 30_000, 100);
    expect(readFileSync(path.join(stateDir, 'coordinator.lock'), 'utf8')).toBe(String(restarted.pid));
    const watched = await runCli(['runs', 'watch', runId, '--coordinator', address], { timeoutMs: 180_000 });
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    const run = await control.getRun(runId);
    expect(run).toMatchObject({ state: 'completed', committedRounds: 3 });
    const rounds = (await control.listRounds(runId)).rounds;
    expect(rounds.filter((r) => r.state === 'committed').map((r) => r.round)).toEqual([1, 2, 3]);

    // The restarted coordinator says what it did, and nothing about a cancellation nobody asked for.
    const log = readFileSync(path.join(logDir, 'coordinator-2.log'), 'utf8');
    expect(log).toContain('run resumed after restart');
    expect(log).not.toMatch(/cancel/i);
  }, 300_000);
});
