/**
 * Recovery benchmark: how long fedlink is gone when a coordinator dies.
 *
 * 1. Restart: a coordinator on the file store runs a 2NN run with 3 daemons;
 *    it is killed with SIGKILL mid-run and started again on the same state
 *    dir and port. Measured: from the restart to serving the run again
 *    (Control answers with it), and to the daemons being back (3 connected).
 *    Baseline in the same run: a cold start of a coordinator on an empty
 *    state dir (the floor: process start, module load, gRPC bind).
 * 2. Failover: two `--ha` coordinators on a 3-node JetStream cluster (the
 *    infra/nats configs); the leader is killed with SIGKILL. Measured: from
 *    the kill to the standby leading with the daemons connected to it,
 *    against the lease TTL.
 * Ends with one JSON line. Knobs (env): BENCH_REPEATS (3), BENCH_LEASE_TTL_MS (4000).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { waitFor } from '../../common/wait-for';
import { startNatsCluster, waitForJetStreamCluster } from '../helpers/nats-server';
import { connectedCount } from '../helpers/connected-clients';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const LEASE_TTL_MS = Number(process.env.BENCH_LEASE_TTL_MS ?? 4000);

const connected = connectedCount;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function daemons(group: ProcessGroup, coordinators: string): void {
  for (let i = 0; i < 3; i++) {
    group.start(`edge-${i}`, [
      'client', '--coordinator', coordinators, '--id', `edge-${i}`, '--partition', 'iid', '--num-partitions', '3', '--index', String(i),
      '--max-examples', '900', '--reconnect-max', '500ms', '--log-level', 'warn',
    ]);
  }
}

async function createRun(control: ControlConnection): Promise<string> {
  const run = await control.createRun({
    config: {
      rounds: 200, clientsPerRound: 3, minClients: 2, roundDeadlineMs: 30_000, strategy: 'fedavg', model: 'mlp', selection: 'random', acceptFailures: true,
      seed: 1, maxRoundRetries: 5, waitForClientsMs: 30_000, train: { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: 1 },
    },
    start: true,
  });
  return run.runId;
}

async function restart(dir: string): Promise<{ coldStartMs: number; serveMs: number[]; clientsBackMs: number[] }> {
  const group = new ProcessGroup(dir);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const control = connectControl({ address, deadlineMs: 2000 });
  const coordinator = (name: string, stateDir: string) =>
    group.start(name, ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, '--log-level', 'warn', '--heartbeat-interval', '500ms', '--client-timeout', '3s']);
  try {
    let t = performance.now();
    coordinator('cold', path.join(dir, 'cold-state'));
    await waitFor('cold start', () => control.listRuns(), 60_000, 10);
    const coldStartMs = performance.now() - t;
    await group.stop('cold', 5000);

    const stateDir = path.join(dir, 'state');
    coordinator('c-0', stateDir);
    await waitFor('coordinator', () => control.listRuns(), 60_000, 20);
    daemons(group, address);
    await waitFor('3 daemons', async () => ((await connected(control)) === 3 ? true : undefined), 60_000, 50);
    const runId = await createRun(control);
    const serveMs: number[] = [];
    const clientsBackMs: number[] = [];
    for (let i = 1; i <= REPEATS; i++) {
      const before = (await control.getRun(runId)).committedRounds;
      await waitFor('a round to commit', async () => ((await control.getRun(runId)).committedRounds > before ? true : undefined), 60_000, 50);
      const victim = group.get(`c-${i - 1}`)!;
      const gone = new Promise((r) => victim.once('exit', r));
      victim.kill('SIGKILL');
      await gone;
      t = performance.now();
      coordinator(`c-${i}`, stateDir);
      await waitFor('the run served again', async () => ((await control.getRun(runId)).state === 'running' ? true : undefined), 60_000, 10);
      serveMs.push(performance.now() - t);
      await waitFor('the daemons back', async () => ((await connected(control)) === 3 ? true : undefined), 60_000, 10);
      clientsBackMs.push(performance.now() - t);
      console.log(`  restart ${i}: serving the run again after ${serveMs.at(-1)!.toFixed(0)} ms, 3 daemons back after ${clientsBackMs.at(-1)!.toFixed(0)} ms`);
    }
    return { coldStartMs, serveMs, clientsBackMs };
  } finally {
    control.close();
    await group.stopAll(5000);
  }
}

async function failover(dir: string): Promise<number[]> {
  const cluster = await startNatsCluster();
  const group = new ProcessGroup(dir);
  const addresses = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
  const controls = addresses.map((address) => connectControl({ address, deadlineMs: 2000 }));
  let generation = 0;
  /** Starts coordinator i (again); returns its process name. */
  const coordinator = (i: number): string => {
    const name = `ha-${i}-${generation++}`;
    group.start(name, [
      'coordinator', '--host', '127.0.0.1', '--port', addresses[i].split(':')[1], '--ha', '--store', 'jetstream', '--store-replicas', '3', '--nats', cluster.urls,
      '--lease-ttl', `${LEASE_TTL_MS}ms`, '--log-level', 'warn', '--heartbeat-interval', '500ms', '--client-timeout', '3s',
    ]);
    return name;
  };
  const names: string[] = [];
  try {
    await waitForJetStreamCluster(cluster.urls);
    names.push(coordinator(0));
    await waitFor('coordinator 0', () => controls[0].listRuns(), 60_000, 50);
    names.push(coordinator(1));
    await waitFor('coordinator 1', () => controls[1].listRuns(), 60_000, 50);
    daemons(group, addresses.join(','));
    const leader = async () => {
      for (let i = 0; i < 2; i++) if ((await connected(controls[i]).catch(() => 0)) >= 3) return i;
      return undefined;
    };
    let lead = await waitFor('a leader with the daemons', leader, 60_000, 50);
    await createRun(controls[lead]);
    const out: number[] = [];
    for (let i = 1; i <= REPEATS; i++) {
      await new Promise((r) => setTimeout(r, 3000)); // a few rounds in
      const victim = group.get(names[lead])!;
      victim.kill('SIGKILL');
      const t = performance.now();
      const next = await waitFor('the standby leading', async () => {
        const l = await leader();
        return l !== undefined && l !== lead ? l : undefined;
      }, 60_000, 20);
      out.push(performance.now() - t);
      console.log(`  failover ${i}: the standby leads with the daemons ${out.at(-1)!.toFixed(0)} ms after the leader was killed (lease TTL ${LEASE_TTL_MS} ms)`);
      // Bring the dead one back as the new standby.
      names[lead] = coordinator(lead);
      await waitFor('the new standby', () => controls[lead].listRuns(), 60_000, 50);
      lead = next;
    }
    return out;
  } finally {
    for (const c of controls) c.close();
    await group.stopAll(5000);
    await cluster.stop();
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-recovery-'));
  try {
    console.log(`recovery: coordinator killed with SIGKILL mid-run, ${REPEATS} times each`);
    const r = await restart(dir);
    console.log(`  cold start on an empty state dir (baseline): ${r.coldStartMs.toFixed(0)} ms`);
    console.log(`  restart on its state: median ${median(r.serveMs).toFixed(0)} ms to serve the run (${(median(r.serveMs) / r.coldStartMs).toFixed(2)}× a cold start), ${median(r.clientsBackMs).toFixed(0)} ms until the daemons are back`);
    mkdirSync(path.join(dir, 'ha'));
    const f = await failover(path.join(dir, 'ha'));
    console.log(`  failover: median ${median(f).toFixed(0)} ms (lease TTL ${LEASE_TTL_MS} ms; target ≤ 10000 ms)`);
    console.log(
      JSON.stringify({
        bench: 'recovery',
        coldStartMs: Math.round(r.coldStartMs),
        restartServeMs: r.serveMs.map(Math.round),
        restartClientsBackMs: r.clientsBackMs.map(Math.round),
        restartVsColdStart: Number((median(r.serveMs) / r.coldStartMs).toFixed(3)),
        failoverMs: f.map(Math.round),
        leaseTtlMs: LEASE_TTL_MS,
        targets: { serveAgainMs: 5000, failoverMs: 10_000 },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
