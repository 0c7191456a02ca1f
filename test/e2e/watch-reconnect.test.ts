/**
 * End to end, `fedlink runs watch` as an operator runs it, against a real
 * `fedlink coordinator` process on the file store and three real daemons: the
 * coordinator is killed with SIGKILL mid-run and restarted on the same state
 * dir, and the watch (piped, and --json) says it lost the coordinator,
 * reconnects by itself and exits 0 when the run completes; a cancelled run
 * exits 3; a coordinator that stays away past --give-up-after exits 4.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { waitForConnected } from '../helpers/connected-clients';

describe('e2e runs watch', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-watch-'));
  const stateDir = path.join(logDir, 'state');
  const group = new ProcessGroup(logDir);
  let address = '';
  let port = 0;
  let control: ControlConnection;
  let coordinators = 0;

  const startCoordinator = () => {
    const name = `coordinator-${++coordinators}`;
    group.start(name, ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '2s']);
    return name;
  };

  /** SIGKILL, as `kill -9` would; resolves once the process is gone. */
  const killCoordinator = async (name: string) => {
    const child = group.get(name)!;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };

  /** A watch whose output can be read while it runs; `exited` resolves with its exit code. */
  const startWatch = (name: string, args: string[]) => {
    const child = group.start(name, ['runs', 'watch', ...args, '--coordinator', address]);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    return { exited, output: () => readFileSync(path.join(logDir, `${name}.log`), 'utf8') };
  };

  const daemonsConnected = () =>
    waitForConnected(control, 3, { label: '3 daemons connected', timeoutMs: 60_000, everyMs: 200 });

  const createRun = async (rounds: number) => {
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', String(rounds), '--clients-per-round', '3', '--min-clients', '2',
      '--deadline', '30s', '--wait-for-clients', '30s', '--local-epochs', '1', '--seed', '7',
    ]);
    expect(created.code, created.stderr).toBe(0);
    return JSON.parse(created.stdout).runId as string;
  };

  beforeAll(async () => {
    requireFashionMnist();
    port = await freePort();
    address = `127.0.0.1:${port}`;
    control = connectControl({ address, deadlineMs: 3000 });
    startCoordinator();
    for (let i = 0; i < 3; i++) {
      group.start(`edge-${i}`, [
        'client', '--coordinator', address, '--id', `edge-${i}`, '--partition', 'iid', '--num-partitions', '3', '--index', String(i),
        '--max-examples', '600', '--reconnect-max', '1s', '--state-dir', path.join(logDir, `edge-${i}-state`),
      ]);
    }
    await daemonsConnected();
  }, 90_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('e2e - a watch survives the coordinator killed (SIGKILL) and restarted mid-run: it says so, resumes, and exits 0 when the run completes', async () => {
    const runId = await createRun(4);
    const lines = startWatch('watch-lines', [runId]);
    const json = startWatch('watch-json', [runId, '--json']);
    await waitFor('both watches to start', () => (/^watching run /m.test(lines.output()) && /"type":"watching"/.test(json.output()) ? true : undefined), 30_000, 100);
    await waitFor('round 1 committed', async () => ((await control.getRun(runId)).committedRounds >= 1 ? true : undefined), 90_000, 100);
    await killCoordinator(`coordinator-${coordinators}`);
    await waitFor('both watches to notice', () => (/coordinator lost/.test(lines.output()) && /"type":"reconnecting"/.test(json.output()) ? true : undefined), 30_000, 100);
    startCoordinator();
    expect(await lines.exited, lines.output()).toBe(0);
    expect(await json.exited, json.output()).toBe(0);

    const text = lines.output();
    expect(text).not.toMatch(/\u001b/);
    expect(text).toMatch(/^coordinator lost \(.*127\.0\.0\.1:\d+.*\), reconnecting…$/m);
    expect(text).toMatch(/^reconnected after \d/m);
    expect(text).toMatch(/^round 4\/4 committed: \d\/3 reported/m);
    expect(text.trim().split('\n').at(-1)).toBe(`run ${runId} completed: 4/4 rounds committed`);

    const events = json.output().trim().split('\n').map((l) => JSON.parse(l) as { type: string; round?: number; atMs: number; at: string });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('watching');
    expect(types.at(-1)).toBe('run_completed');
    expect(types.indexOf('reconnecting')).toBeLessThan(types.indexOf('reconnected'));
    // Every round is reported committed exactly once, reconnect or not: those before the watch started in its first event.
    const before = (events[0] as unknown as { committed: number }).committed;
    const reported = events.filter((e) => e.type === 'round_committed').map((e) => e.round);
    expect([...Array.from({ length: before }, (_, i) => i + 1), ...reported]).toEqual([1, 2, 3, 4]);
    for (const e of events) {
      expect(new Date(e.at).getTime()).toBe(e.atMs);
      expect(JSON.stringify(e).length).toBeLessThan(400);
    }
  }, 240_000);

  it('e2e - a watch of a run that is cancelled exits 3', async () => {
    const runId = await createRun(50);
    const watch = startWatch('watch-cancel', [runId]);
    await waitFor('the watch to start', () => (/^watching run /m.test(watch.output()) ? true : undefined), 30_000, 100);
    const cancelled = await runCli(['runs', 'cancel', runId, '--coordinator', address]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(await watch.exited, watch.output()).toBe(3);
    expect(watch.output()).toMatch(new RegExp(`^run ${runId} cancelled`, 'm'));
  }, 120_000);

  it('e2e - a watch whose coordinator stays away longer than --give-up-after exits 4', async () => {
    const runId = await createRun(50);
    const watch = startWatch('watch-give-up', [runId, '--give-up-after', '2s']);
    await waitFor('the watch to start', () => (/^watching run /m.test(watch.output()) ? true : undefined), 30_000, 100);
    await killCoordinator(`coordinator-${coordinators}`);
    expect(await watch.exited, watch.output()).toBe(4);
    expect(watch.output()).toMatch(/^gave up: the coordinator was unreachable for 2\.\ds \(--give-up-after\)$/m);
  }, 120_000);
});
