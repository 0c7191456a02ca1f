/**
 * End to end, a standby coordinator: a 3-node NATS JetStream cluster (the
 * infra/nats configs, as local processes), two `fedlink coordinator --ha`
 * processes on it (state replicated R=3), three daemons that know both
 * addresses. The leader is killed with SIGKILL mid-run; the standby takes
 * over, the daemons follow, one NATS node is killed too, and the run still
 * finishes with every round committed exactly once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { openJetStreamStore } from '../../services/coordinator/store/jetstream-store';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { startNatsCluster, waitForJetStreamCluster, type NatsClusterHandle } from '../helpers/nats-server';

describe('e2e standby failover', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-failover-'));
  const group = new ProcessGroup(logDir);
  let cluster: NatsClusterHandle;
  const addresses: string[] = [];
  const controls: ControlConnection[] = [];

  const coordinator = (i: number) =>
    group.start(`coordinator-${i}`, [
      'coordinator', '--host', '127.0.0.1', '--port', addresses[i].split(':')[1], '--ha', '--store', 'jetstream', '--store-replicas', '3',
      '--nats', cluster.urls, '--lease-ttl', '4s', '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '2s',
    ]);

  /** Index of the coordinator that accepts leader-only calls, if any. */
  async function leaderIndex(): Promise<number | undefined> {
    for (let i = 0; i < controls.length; i++) {
      const { clients } = await controls[i].listClients().catch(() => ({ clients: [] }));
      if (clients.filter((c) => c.status === 'connected').length >= 2) return i;
    }
    return undefined;
  }

  beforeAll(async () => {
    requireFashionMnist();
    cluster = await startNatsCluster();
    await waitForJetStreamCluster(cluster.urls);
    for (let i = 0; i < 2; i++) addresses.push(`127.0.0.1:${await freePort()}`);
    for (const a of addresses) controls.push(connectControl({ address: a, deadlineMs: 3000 }));
    coordinator(0);
    await waitFor('coordinator 0', () => controls[0].listRuns(), 60_000, 200);
    coordinator(1);
    await waitFor('coordinator 1', () => controls[1].listRuns(), 60_000, 200);
    for (let i = 0; i < 3; i++) {
      group.start(`edge-${i}`, [
        'client', '--coordinator', addresses.join(','), '--id', `edge-${i}`, '--partition', 'iid', '--num-partitions', '3', '--index', String(i),
        '--max-examples', '900', '--reconnect-max', '1s',
      ]);
    }
  }, 180_000);

  afterAll(async () => {
    for (const c of controls) c.close();
    await group.stopAll(5000);
    await cluster?.stop();
  });

  it('e2e - the leader is killed mid-run, the standby takes over, a NATS node dies too, and the run finishes', async () => {
    const first = await waitFor('a leader with the daemons', () => leaderIndex(), 60_000, 250);
    const standby = 1 - first;
    // The standby answers reads from the shared store, and refuses to start runs.
    const refused = await runCli(['runs', 'create', '--coordinator', addresses[standby], '--rounds', '1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/standby; the leader is/);

    const created = await runCli([
      'runs', 'create', '--coordinator', addresses[first], '--json', '--rounds', '4', '--clients-per-round', '3', '--min-clients', '2',
      '--deadline', '30s', '--wait-for-clients', '30s', '--local-epochs', '1', '--batch-size', '32', '--lr', '0.05', '--seed', '9',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    // Watched through the standby, which follows the shared store: the watch outlives the leader.
    const watching = runCli(['runs', 'watch', runId, '--coordinator', addresses[standby]], { timeoutMs: 300_000 });
    await waitFor('round 1 committed', async () => ((await controls[first].getRun(runId)).committedRounds >= 1 ? true : undefined), 90_000, 200);
    expect((await controls[standby].getRun(runId)).committedRounds).toBeGreaterThanOrEqual(1);

    group.get(`coordinator-${first}`)!.kill('SIGKILL');
    const killedAt = Date.now();
    const next = await waitFor('the standby to lead with the daemons', () => leaderIndex(), 60_000, 100);
    const failoverMs = Date.now() - killedAt;
    expect(next).toBe(standby);
    console.log(`e2e failover: leader killed → standby leading with the daemons in ${failoverMs} ms`);

    // Lose a NATS node as well: every bucket has 3 replicas, 2 are a quorum.
    await cluster.nodes[2].kill();
    const watched = await watching;
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^round 4\/4 committed: /m);
    expect(watched.stdout).toMatch(/completed: 4\/4 rounds committed/);

    const store = await openJetStreamStore({ servers: cluster.nodes.slice(0, 2).map((n) => n.url).join(','), name: 'failover-check' });
    try {
      const run = (await store.getRun(runId))!;
      expect(run.state).toBe('completed');
      expect(run.committedRounds).toBe(4);
      const rounds = await store.listRounds(runId);
      expect(rounds.filter((r) => r.state === 'committed').map((r) => r.round)).toEqual([1, 2, 3, 4]);
      // Retention keeps round 0 and the newest 3; each of them reads back and verifies.
      expect(run.checkpoints!.map((c) => c.round)).toEqual([0, 2, 3, 4]);
      for (const c of run.checkpoints!) expect(await store.getModel(runId, c.version), `round ${c.round}`).toBeDefined();
      expect(run.modelVersion).toBe(rounds.filter((r) => r.state === 'committed').at(-1)!.checkpoint);
    } finally {
      await store.close();
    }
  }, 400_000);
});
