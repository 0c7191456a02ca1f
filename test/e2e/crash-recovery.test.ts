/**
 * End to end, the crash matrix: a `fedlink coordinator` process on the file
 * store is killed with SIGKILL in round 2 of 3, at each phase in turn
 * (selecting, mid-download, mid-upload, mid-aggregation, committing,
 * committed), by a failpoint (FEDLINK_FAILPOINT, common/failpoint.ts) so the
 * kill lands exactly there. It is restarted on the same port and state dir;
 * the three `fedlink client` daemons, never restarted, reconnect by
 * themselves. Every run must complete with 3 committed rounds, round 1's
 * checkpoint unchanged, every checkpoint verifying, and no update counted
 * twice.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { ErrorFeedback } from '../../common/codecs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { openFileStore } from '../../services/coordinator/store/file-store';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { waitForConnected } from '../helpers/connected-clients';

const PHASES = ['selecting', 'mid-download', 'mid-upload', 'mid-aggregation', 'committing', 'committed'] as const;
const UPDATE_BYTES = 199_210 * 4;

describe('e2e crash recovery', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-crash-'));
  const group = new ProcessGroup(logDir);
  let address = '';
  let port = 0;
  let control: ControlConnection;
  const serveAgainMs: Record<string, number> = {};

  const startCoordinator = (name: string, stateDir: string, failpoint?: string) =>
    group.start(name, ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '2s'], failpoint ? { FEDLINK_FAILPOINT: failpoint } : {});

  const daemonsConnected = () =>
    waitForConnected(control, 3, { label: '3 daemons connected', timeoutMs: 60_000, everyMs: 200 });

  beforeAll(async () => {
    requireFashionMnist();
    port = await freePort();
    address = `127.0.0.1:${port}`;
    control = connectControl({ address, deadlineMs: 3000 });
    for (let i = 0; i < 3; i++) {
      group.start(`edge-${i}`, [
        'client', '--coordinator', address, '--id', `edge-${i}`, '--partition', 'iid', '--num-partitions', '3', '--index', String(i),
        '--max-examples', '900', '--reconnect-max', '1s', '--state-dir', path.join(logDir, `edge-${i}-state`),
      ]);
    }
  }, 30_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it.each(PHASES)('e2e - coordinator killed (SIGKILL) at "%s" in round 2 restarts, and the run finishes with every round counted once', async (phase) => {
    const stateDir = path.join(logDir, `state-${phase}`);
    const crashing = startCoordinator(`coordinator-${phase}-1`, stateDir, `${phase}@2`);
    const died = new Promise<NodeJS.Signals | null>((resolve) => crashing.once('exit', (_code, signal) => resolve(signal)));
    await daemonsConnected();
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '3', '--clients-per-round', '3', '--min-clients', '2',
      '--deadline', '30s', '--wait-for-clients', '20s', '--local-epochs', '1', '--batch-size', '32', '--lr', '0.05', '--seed', '5',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    expect(await died, 'the failpoint killed the coordinator').toBe('SIGKILL');

    // What the dead process left behind.
    const before = await openFileStore(stateDir);
    const crashedRun = (await before.getRun(runId))!;
    const round1 = (await before.listRounds(runId)).find((r) => r.round === 1 && r.state === 'committed')!;
    expect(round1.checkpoint).toBeDefined();
    await before.close();

    const restartedAt = Date.now();
    startCoordinator(`coordinator-${phase}-2`, stateDir);
    try {
      await check();
    } finally {
      await group.stop(`coordinator-${phase}-2`, 5000);
    }
    async function check() {
    await waitFor('the restarted coordinator', () => control.getRun(runId), 30_000, 50);
    serveAgainMs[phase] = Date.now() - restartedAt;
    const watched = await runCli(['runs', 'watch', runId, '--coordinator', address], { timeoutMs: 120_000 });
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);

    const store = await openFileStore(stateDir);
    const finalRun = (await store.getRun(runId))!;
    expect(finalRun.state).toBe('completed');
    expect(finalRun.committedRounds).toBe(3);
    const rounds = await store.listRounds(runId);
    const committed = rounds.filter((r) => r.state === 'committed');
    expect(committed.map((r) => r.round), JSON.stringify(rounds.map((r) => [r.round, r.attempt, r.state, r.reason]))).toEqual([1, 2, 3]);
    // Round 1 is exactly what it was before the crash.
    expect(committed[0].checkpoint).toBe(round1.checkpoint);
    expect(committed[0].attempt).toBe(round1.attempt);
    if (phase === 'committed') {
      // Killed after the commit point: round 2 stands as committed, not redone.
      expect(crashedRun.committedRounds).toBe(2);
      expect(rounds.filter((r) => r.round === 2)).toHaveLength(1);
    } else {
      // Killed before the commit point: round 2 is redone. Its interrupted attempt is on record
      // as failed when its record reached the disk before the kill (always from mid-aggregation on).
      expect(crashedRun.committedRounds).toBe(1);
      const interrupted = rounds.filter((r) => r.round === 2 && r.state === 'failed');
      if (phase === 'selecting') expect(interrupted).toHaveLength(0);
      if (phase === 'mid-aggregation' || phase === 'committing') expect(interrupted.length).toBeGreaterThanOrEqual(1);
      for (const r of interrupted) expect(r.reason).toMatch(/interrupted/);
      expect(committed[1].attempt).toBe(interrupted.length + 1);
    }
    for (const r of committed) {
      // Each checkpoint verifies against its sha256 on read; the run kept all of them (retention 3 + round 0).
      expect(await store.getModel(runId, r.checkpoint!), `round ${r.round}`).toBeDefined();
      const finished = r.clients.filter((c) => c.state === 'finished');
      expect(new Set(r.clients.map((c) => c.clientId)).size).toBe(r.clients.length);
      expect(finished.length).toBeGreaterThanOrEqual(2);
      expect(r.bytesUp).toBe(finished.length * UPDATE_BYTES);
    }
    expect(finalRun.checkpoints!.map((c) => c.round)).toEqual([0, 1, 2, 3]);
    expect(finalRun.modelVersion).toBe(committed[2].checkpoint);
    await store.close();
    // `runs show` lists the checkpoints; `model export` writes the final one.
    const shown = await runCli(['runs', 'show', runId, '--coordinator', address]);
    expect(shown.stdout).toMatch(/checkpoints\s+round 0 .*round 3 /);
    const out = path.join(stateDir, 'export');
    const exported = await runCli(['model', 'export', runId, '--out', out, '--coordinator', address, '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ round: 3, version: finalRun.modelVersion, bytes: UPDATE_BYTES });
    expect(statSync(path.join(out, 'weights.bin')).size).toBe(UPDATE_BYTES);
    }
  }, 240_000);

  it('e2e - a daemon killed (SIGKILL) mid-run restarts on its state dir, rejoins with its error-feedback residual, and the run finishes', async () => {
    const stateDir = path.join(logDir, 'state-daemon-crash');
    startCoordinator('coordinator-daemon-crash', stateDir);
    try {
      await daemonsConnected();
      const created = await runCli([
        'runs', 'create', '--coordinator', address, '--json', '--rounds', '4', '--clients-per-round', '3', '--min-clients', '2',
        '--deadline', '30s', '--wait-for-clients', '30s', '--compression', 'topk:0.1', '--seed', '6',
      ]);
      expect(created.code, created.stderr).toBe(0);
      const runId: string = JSON.parse(created.stdout).runId;
      await waitFor('round 1 committed', async () => ((await control.getRun(runId)).committedRounds >= 1 ? true : undefined), 90_000, 100);
      // edge-0 sent a lossy update in round 1: its residual is on disk. Kill it where it stands.
      const residualFile = path.join(logDir, 'edge-0-state', `${runId}.residual`);
      const saved = ErrorFeedback.fromBytes(readFileSync(residualFile), 199_210);
      expect(saved.residual().some((v) => v !== 0)).toBe(true);
      const victim = group.get('edge-0')!;
      const gone = new Promise((r) => victim.once('exit', r));
      victim.kill('SIGKILL');
      await gone;
      // The file a kill can interrupt is only ever replaced whole: it still parses.
      ErrorFeedback.fromBytes(readFileSync(residualFile), 199_210);
      group.start('edge-0-again', [
        'client', '--coordinator', address, '--id', 'edge-0', '--partition', 'iid', '--num-partitions', '3', '--index', '0',
        '--max-examples', '900', '--reconnect-max', '1s', '--state-dir', path.join(logDir, 'edge-0-state'),
      ]);
      const watched = await runCli(['runs', 'watch', runId, '--coordinator', address], { timeoutMs: 180_000 });
      expect(watched.code, watched.stdout + watched.stderr).toBe(0);
      const rounds = JSON.parse((await runCli(['rounds', 'list', runId, '--coordinator', address, '--json'])).stdout).rounds as Array<{ round: number; state: string; clients: Array<{ clientId: string; state: string }> }>;
      // The restarted daemon took part again after it came back.
      const later = rounds.filter((r) => r.state === 'committed' && r.round >= 3);
      expect(later.some((r) => r.clients.some((c) => c.clientId === 'edge-0' && c.state === 'finished'))).toBe(true);
      expect(readFileSync(path.join(logDir, 'edge-0-again.log'), 'utf8')).toMatch(/error-feedback residual restored/);
    } finally {
      await group.stop('coordinator-daemon-crash', 5000);
    }
  }, 300_000);

  it('e2e - a fedadam run whose coordinator is killed (SIGKILL) right after committing round 2 resumes with its stored server state and finishes', async () => {
    const stateDir = path.join(logDir, 'state-fedadam');
    const crashing = startCoordinator('coordinator-fedadam-1', stateDir, 'committed@2');
    const died = new Promise<NodeJS.Signals | null>((resolve) => crashing.once('exit', (_code, signal) => resolve(signal)));
    await daemonsConnected();
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '3', '--clients-per-round', '3', '--min-clients', '2',
      '--deadline', '30s', '--wait-for-clients', '30s', '--strategy', 'fedadam', '--server-lr', '0.01', '--seed', '8',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    expect(await died, 'the failpoint killed the coordinator').toBe('SIGKILL');

    // Round 2's Adam moments were stored with its checkpoint before the kill.
    const before = await openFileStore(stateDir);
    const crashedRun = (await before.getRun(runId))!;
    expect(crashedRun.committedRounds).toBe(2);
    const atCrash = crashedRun.checkpoints!.find((c) => c.version === crashedRun.modelVersion)!;
    expect(Object.keys(atCrash.strategyState!.vectors).sort()).toEqual(['m', 'v']);
    const moments = await Promise.all(Object.values(atCrash.strategyState!.vectors).map((v) => before.getModel(runId, v)));
    for (const m of moments) expect(m!.some((x) => x !== 0)).toBe(true);
    await before.close();

    startCoordinator('coordinator-fedadam-2', stateDir);
    try {
      await waitFor('the restarted coordinator', () => control.getRun(runId), 30_000, 50);
      const watched = await runCli(['runs', 'watch', runId, '--coordinator', address], { timeoutMs: 120_000 });
      expect(watched.code, watched.stdout + watched.stderr).toBe(0);
      const store = await openFileStore(stateDir);
      const finalRun = (await store.getRun(runId))!;
      expect(finalRun).toMatchObject({ state: 'completed', committedRounds: 3 });
      expect(finalRun.config.strategy).toBe('fedadam');
      const round3 = (await store.listRounds(runId)).find((r) => r.round === 3 && r.state === 'committed')!;
      expect(round3.strategyMetrics?.step_norm).toBeGreaterThan(0);
      // rounds show reports what the strategy did.
      const shown = await runCli(['rounds', 'show', runId, '3', '--coordinator', address]);
      expect(shown.stdout).toMatch(/strategy\s+update norm \d+\.\d{4}, step norm \d+\.\d{4}/);
      // The restarted coordinator continued round 2's moments rather than starting from zero. From zero,
      // round 3 would leave m = (1−β1)Δ and v = (1−β2)Δ², i.e. v = m² exactly (β1 0.9, β2 0.99);
      // continued, v also carries 0.99 × round 2's v.
      const last = finalRun.checkpoints!.find((c) => c.version === finalRun.modelVersion)!;
      const m3 = (await store.getModel(runId, last.strategyState!.vectors.m))!;
      const v3 = (await store.getModel(runId, last.strategyState!.vectors.v))!;
      let apart = 0;
      let total = 0;
      for (let i = 0; i < v3.length; i++) {
        apart += Math.abs(v3[i] - m3[i] * m3[i]);
        total += v3[i];
      }
      expect(apart / total).toBeGreaterThan(0.1);
      await store.close();
    } finally {
      await group.stop('coordinator-fedadam-2', 5000);
    }
  }, 240_000);

  afterAll(() => {
    // The figure the recovery bench measures properly; printed here for the log.
    console.log(`e2e crash recovery: ms from restart to serving the run again: ${JSON.stringify(serveAgainMs)}`);
  });
});
