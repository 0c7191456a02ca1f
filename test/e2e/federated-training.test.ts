/**
 * End to end, as a user runs it: `fedlink coordinator`, three `fedlink client`
 * daemons and the CLI as separate OS processes, real gRPC on loopback, real
 * TFJS training on a slice of Fashion-MNIST. One daemon is killed mid-round;
 * then a `median` run holds against a daemon that uploads sign-flipped updates.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { ProcessGroup } from '../../clients/demo/process-group';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { freePort } from '../../clients/demo/free-port';
import { BenchProcesses } from '../bench/helpers/bench-fleet';
import { waitForConnected } from '../helpers/connected-clients';

describe('e2e federated training', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-'));
  const group = new ProcessGroup(logDir);
  const attackers = new BenchProcesses(logDir);
  let address = '';
  let control: ControlConnection;

  beforeAll(async () => {
    requireFashionMnist();
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--client-timeout', '5s', '--state-dir', path.join(logDir, 'state')]);
    control = connectControl({ address, deadlineMs: 2000 });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (let i = 0; i < 3; i++) {
      group.start(`edge-${i + 1}`, [
        'client', '--coordinator', address, '--id', `edge-${i + 1}`, '--dataset', 'fashion-mnist',
        '--partition', 'iid', '--num-partitions', '3', '--index', String(i), '--seed', '7', '--max-examples', '6000',
      ]);
    }
    await waitForConnected(control, 3, { label: '3 connected clients', timeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await attackers.stopAll(5000);
    await group.stopAll(5000);
  });

  it('e2e - trains 3 rounds, survives a daemon killed mid-round, and the CLI reports it all', async () => {
    const clients = await runCli(['clients', 'list', '--coordinator', address, '--json']);
    expect(clients.code, clients.stderr).toBe(0);
    const listed = JSON.parse(clients.stdout);
    const rows = Array.isArray(listed) ? listed : listed.clients;
    expect(rows.map((c: { clientId: string }) => c.clientId).sort()).toEqual(['edge-1', 'edge-2', 'edge-3']);
    expect(rows.every((c: { datasetSize: number }) => Number(c.datasetSize) === 2000)).toBe(true);

    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '3', '--clients-per-round', '3', '--min-clients', '2',
      '--local-epochs', '2', '--batch-size', '16', '--lr', '0.05', '--deadline', '120s', '--strategy', 'fedavg', '--model', 'mlp',
      '--eval-data', 'fashion-mnist-test', '--seed', '7',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    expect(runId).toMatch(/^run-/);

    // Kill one daemon as soon as round 2 is training (watch events arrive within ms).
    let killed = '';
    for await (const e of control.watchRun(runId)) {
      if (!killed && e.round?.round === 2 && e.round.state === 'training') {
        killed = 'edge-3';
        group.get(killed)!.kill('SIGKILL');
      }
    }
    expect(killed).toBe('edge-3');

    const rounds = await runCli(['rounds', 'list', runId, '--coordinator', address, '--json']);
    expect(rounds.code, rounds.stderr).toBe(0);
    const parsed = JSON.parse(rounds.stdout);
    const list: Array<{ round: number; state: string; eval: { accuracy: number } }> = Array.isArray(parsed) ? parsed : parsed.rounds;
    const committed = list.filter((r) => r.state === 'committed');
    expect(committed.map((r) => r.round)).toEqual([1, 2, 3]);
    const acc = (n: number) => committed.find((r) => r.round === n)!.eval.accuracy;
    expect(acc(3)).toBeGreaterThan(acc(1));

    const show = await runCli(['rounds', 'show', runId, '2', '--coordinator', address, '--json']);
    expect(show.code, show.stderr).toBe(0);
    const round2 = JSON.parse(show.stdout);
    const dropped = round2.clients.find((c: { clientId: string }) => c.clientId === 'edge-3');
    expect(dropped.state).toBe('dropped');
    expect(dropped.reason).toMatch(/disconnected|stream|deadline/);
    expect(round2.clients.filter((c: { state: string }) => c.state === 'finished')).toHaveLength(2);

    const run = await runCli(['runs', 'show', runId, '--coordinator', address, '--json']);
    expect(JSON.parse(run.stdout)).toMatchObject({ runId, state: 'completed', committedRounds: 3 });

    // No data sample ever left a device: daemons upload exactly one model's worth of float32 per round.
    const r1 = list.find((r) => r.round === 1) as unknown as { bytesUp: number };
    expect(Number(r1.bytesUp)).toBe(3 * 199_210 * 4);
    expect(readFileSync(path.join(logDir, 'coordinator.log'), 'utf8')).not.toMatch(/authorization|Bearer/);
  }, 600_000);

  it('e2e - a median run across real daemons holds against a daemon uploading sign-flipped ×10 updates, and rounds show says what it did', async () => {
    const edge = (i: number) => [
      'client', '--coordinator', address, '--id', `edge-${i + 1}`, '--dataset', 'fashion-mnist',
      '--partition', 'iid', '--num-partitions', '3', '--index', String(i), '--seed', '7', '--max-examples', '6000',
    ];
    // The previous test killed edge-3: bring it back, with an attacker holding a copy of edge-1's data.
    if (!group.get('edge-3')) group.start('edge-3', edge(2));
    attackers.byzantine('evil-1', ['--attack', 'sign-flip', ...edge(0).slice(1).map((a) => (a === 'edge-1' ? 'evil-1' : a))]);
    await waitForConnected(control, 4, { label: '4 connected clients', timeoutMs: 120_000 });

    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '2', '--clients-per-round', '4', '--min-clients', '4',
      '--local-epochs', '1', '--batch-size', '16', '--lr', '0.05', '--deadline', '120s', '--strategy', 'median', '--model', 'mlp',
      '--eval-data', 'fashion-mnist-test', '--seed', '9',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    let final;
    for await (const e of control.watchRun(runId)) final = e.run;
    expect(final?.state, final?.reason).toBe('completed');

    const show = await runCli(['rounds', 'show', runId, '2', '--coordinator', address]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/aggregation\s+coordinate-wise median of 4 update\(s\); updates spooled to disk \(3\.0 MiB\)/);
    const json = JSON.parse((await runCli(['rounds', 'show', runId, '2', '--coordinator', address, '--json'])).stdout);
    expect(json.clients.map((c: { clientId: string; state: string }) => `${c.clientId} ${c.state}`).sort()).toEqual(['edge-1 finished', 'edge-2 finished', 'edge-3 finished', 'evil-1 finished']);
    // The median of 3 honest and 1 flipped update trains...
    expect(json.eval.accuracy).toBeGreaterThan(0.6);

    // ...where FedAvg over the same four is walked backwards (g − 1.75·Δ) and stays near chance.
    const fedavg = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '1', '--clients-per-round', '4', '--min-clients', '4',
      '--local-epochs', '1', '--batch-size', '16', '--lr', '0.05', '--deadline', '120s', '--strategy', 'fedavg', '--model', 'mlp',
      '--eval-data', 'fashion-mnist-test', '--seed', '9',
    ]);
    const fedavgId: string = JSON.parse(fedavg.stdout).runId;
    for await (const e of control.watchRun(fedavgId)) final = e.run;
    expect(final?.state, final?.reason).toBe('completed');
    expect(final?.latestEval?.accuracy).toBeLessThan(0.4);
  }, 600_000);

  it('e2e - the CLI gives a one-line error for an unknown run and an unreachable coordinator', async () => {
    const missing = await runCli(['runs', 'show', 'run-nope', '--coordinator', address]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/not found/);
    const port = await freePort();
    const down = await runCli(['runs', 'list', '--coordinator', `127.0.0.1:${port}`]);
    expect(down.code).not.toBe(0);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 120_000);
});
