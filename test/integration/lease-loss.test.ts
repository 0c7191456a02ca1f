/**
 * Integration: a leader that loses its lease steps down cleanly. Two
 * `fedlink coordinator --ha` processes on a real nats-server, two daemons that
 * know both. The leader is frozen (SIGSTOP, as a long GC pause or a stalled VM
 * would) until its lease expires and the standby takes over; once it thaws it
 * finds its lease gone: it does not exit, marks nothing failed, logs once why
 * and who leads now, turns Fleet NOT_SERVING and refuses leader work, while the
 * new leader finishes the run with every round committed once. When the new
 * leader stops, the old one takes the lease back.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { checkHealth } from '../../clients/cli/health-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';
import { waitForConnected } from '../helpers/connected-clients';

interface LogLine {
  msg: string;
  level: number;
  reason?: string;
  leader?: string | null;
}

describe('integration lease loss', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-lease-loss-'));
  const group = new ProcessGroup(logDir);
  let nats: NatsServerHandle | undefined;
  const controls: ControlConnection[] = [];

  afterAll(async () => {
    for (const c of controls) c.close();
    // A frozen process ignores SIGTERM until it is continued.
    group.get('coordinator-a')?.kill('SIGCONT');
    await group.stopAll(5000);
    await nats?.stop();
  });

  const logOf = (name: string): LogLine[] =>
    readFileSync(path.join(logDir, `${name}.log`), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
  const fleetHealth = (address: string) => checkHealth({ address, service: 'fedlink.v1.Fleet', timeoutMs: 2000 }).catch(() => 'UNREACHABLE');

  it('lease loss - a leader whose lease is taken away steps down to standby without exiting or failing the run, and the new leader finishes it', async () => {
    requireFashionMnist();
    nats = await startNatsServer({ jetstream: true });
    const addresses = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    const [a, b] = addresses;
    const coordinator = (name: string, address: string) =>
      group.start(name, [
        'coordinator', '--host', '127.0.0.1', '--port', address.split(':')[1], '--ha', '--store', 'jetstream', '--nats', nats!.url,
        '--lease-ttl', '3s', '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '2s',
      ]);
    for (const address of addresses) controls.push(connectControl({ address, deadlineMs: 3000 }));
    const leader = coordinator('coordinator-a', a);
    await waitFor('coordinator a to lead', async () => ((await fleetHealth(a)) === 'SERVING' ? true : undefined), 60_000, 200);
    coordinator('coordinator-b', b);
    await waitFor('coordinator b to stand by', () => controls[1].listRuns(), 60_000, 200);
    expect(await fleetHealth(b)).toBe('NOT_SERVING');
    for (let i = 0; i < 2; i++) {
      group.start(`edge-${i}`, [
        'client', '--coordinator', addresses.join(','), '--id', `edge-${i}`, '--partition', 'iid', '--num-partitions', '2', '--index', String(i),
        '--max-examples', '600', '--reconnect-max', '1s',
      ]);
    }
    await waitForConnected(controls[0], 2, { label: '2 daemons on the leader', timeoutMs: 60_000, everyMs: 200 });
    const created = await runCli([
      'runs', 'create', '--coordinator', a, '--json', '--rounds', '4', '--clients-per-round', '2', '--min-clients', '2',
      '--deadline', '30s', '--wait-for-clients', '30s', '--local-epochs', '1', '--batch-size', '32', '--lr', '0.05', '--seed', '7',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    await waitFor('round 1 committed', async () => ((await controls[1].getRun(runId)).committedRounds >= 1 ? true : undefined), 120_000, 100);

    // Freeze the leader: its renewals stop, its lease expires, the standby takes over.
    leader.kill('SIGSTOP');
    await waitFor('coordinator b to lead', async () => ((await fleetHealth(b)) === 'SERVING' ? true : undefined), 30_000, 200);
    leader.kill('SIGCONT');

    // Thawed, the old leader finds its lease gone and steps down: one line saying why and who leads now.
    await waitFor('coordinator a to step down', () => (logOf('coordinator-a').some((l) => l.msg.startsWith('lost the leader lease')) ? true : undefined), 30_000, 200);
    await waitFor('coordinator a to turn Fleet NOT_SERVING', async () => ((await fleetHealth(a)) === 'NOT_SERVING' ? true : undefined), 10_000, 100);
    const refused = await runCli(['runs', 'create', '--coordinator', a, '--rounds', '1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`standby; the leader is ${b}`);

    const watched = await runCli(['runs', 'watch', runId, '--coordinator', b], { timeoutMs: 180_000 });
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    expect(await controls[1].getRun(runId)).toMatchObject({ state: 'completed', committedRounds: 4 });
    const rounds = (await controls[1].listRounds(runId)).rounds;
    expect(rounds.filter((r) => r.state === 'committed').map((r) => r.round)).toEqual([1, 2, 3, 4]);

    // The old leader is still running, said it once, and failed nothing.
    expect(leader.exitCode).toBeNull();
    const aLog = logOf('coordinator-a');
    const lost = aLog.filter((l) => l.msg.startsWith('lost the leader lease'));
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ leader: b });
    expect(lost[0].msg).toBe(`lost the leader lease: stepping down to standby (${b} leads now)`);
    const errors = aLog.filter((l) => l.level >= 50).map((l) => l.msg);
    expect(errors).toEqual([]);
    expect(aLog.map((l) => l.msg)).not.toContain('run ended');
    expect(aLog.filter((l) => l.msg === 'standing by: stopped driving runs, still serving reads and health; the lease is retried')).toHaveLength(1);

    // Ready to lead again: when b stops (and hands the lease over), a takes it back.
    await group.stop('coordinator-b', 5000);
    await waitFor('coordinator a to lead again', async () => ((await fleetHealth(a)) === 'SERVING' ? true : undefined), 30_000, 200);
    expect(leader.exitCode).toBeNull();
  }, 300_000);
});
