/**
 * Containers, end to end: a 3-node NATS JetStream cluster, two coordinators
 * `--ha --store jetstream` and three daemons, each in its own container on
 * one user-defined network. A run is created with the CLI inside the leader;
 * after 3 committed rounds the leader is `docker kill`ed; the standby takes
 * over and finishes the run with every committed round still there, once.
 * Prints leader killed → standby serving → daemons back → next round committed.
 */
import type { StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth } from '../../clients/cli/health-client';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { waitFor } from '../../common/wait-for';
import { COORDINATOR_PORT, ContainerStack } from './helpers/container-stack';
import { dockerOk } from './helpers/docker-cli';
import { waitForConnected } from '../helpers/connected-clients';

// Enough rounds, each long enough, that the run is still going when the leader is killed after its third:
// with 5 one-epoch rounds of 300 examples an idle machine finished the run before the kill landed.
const ROUNDS = 10;

/** A committed round as the CLI's `rounds list --json` prints it. */
interface RoundJson {
  round: number;
  state: string;
  checkpoint: string;
}

describe('docker failover', () => {
  const stack = new ContainerStack();
  const aliases = ['coordinator-a', 'coordinator-b'];
  const coordinators: StartedTestContainer[] = [];
  // The host reaches containers at their addresses on the stack's network: polling from here costs no process per probe.
  const controls: ControlConnection[] = [];
  const hostAddress = (i: number) => `${coordinators[i].getIpAddress(stack.networkName())}:${COORDINATOR_PORT}`;
  const leads = async (i: number) => (await checkHealth({ address: hostAddress(i), service: 'fedlink.v1.Fleet', timeoutMs: 1000 }).catch(() => 'DOWN')) === 'SERVING';

  /** `fedlink <args>` inside a coordinator's container, as an operator with shell access runs it; rejects with its output on failure. */
  async function cli(i: number, args: string[]): Promise<string> {
    const res = await coordinators[i].exec(['fedlink', ...args, '--coordinator', `127.0.0.1:${COORDINATOR_PORT}`]);
    if (res.exitCode !== 0) throw new Error(`fedlink ${args.join(' ')} in ${aliases[i]} exited ${res.exitCode}: ${res.output}`);
    return res.stdout;
  }

  beforeAll(async () => {
    const nats = await stack.natsCluster();
    const args = [
      '--ha', '--store', 'jetstream', '--store-replicas', '3', '--nats', nats,
      '--lease-ttl', '4s', '--heartbeat-interval', '500ms', '--client-timeout', '5s', '--reconnect-grace', '2s',
    ];
    // One after the other, so the first is the leader.
    coordinators.push(await stack.coordinator({ alias: aliases[0], args }));
    await waitFor(`${aliases[0]} to lead`, async () => ((await leads(0)) ? true : undefined), 60_000, 250);
    coordinators.push(await stack.coordinator({ alias: aliases[1], args }));
    for (let i = 0; i < 2; i++) controls.push(connectControl({ address: hostAddress(i), deadlineMs: 3000 }));
    const all = aliases.map((a) => `${a}:${COORDINATOR_PORT}`).join(',');
    await Promise.all([0, 1, 2].map((i) => stack.daemon(i, all)));
    await waitForConnected(controls[0], 3, { label: 'three daemons connected to the leader', timeoutMs: 120_000, everyMs: 500 });
  });

  afterAll(async () => {
    for (const c of controls) c.close();
    await stack.removeAll();
  });

  it('containers - the leader is docker-killed after 3 committed rounds and the standby finishes the run with every round kept', async () => {
    expect(await leads(1)).toBe(false);
    const created = JSON.parse(
      await cli(0, [
        'runs', 'create', '--json', '--rounds', String(ROUNDS), '--clients-per-round', '3', '--min-clients', '2', '--deadline', '30s', '--wait-for-clients', '30s',
        '--local-epochs', '3', '--batch-size', '32', '--lr', '0.05', '--seed', '9',
      ]),
    ) as { runId: string };
    const runId = created.runId;
    await waitFor('3 committed rounds', async () => ((await controls[0].getRun(runId)).committedRounds >= 3 ? true : undefined), 180_000, 250);
    // What the leader committed, as the standby reads it from the shared store.
    const before = (JSON.parse(await cli(1, ['rounds', 'list', runId, '--json'])).rounds as RoundJson[]).filter((r) => r.state === 'committed');
    expect(before.length).toBeGreaterThanOrEqual(3);
    const committedBefore = (await controls[1].getRun(runId)).committedRounds;

    await dockerOk(['kill', coordinators[0].getId()]);
    const killedAt = Date.now();
    await waitFor(`${aliases[1]} to serve fedlink.v1.Fleet`, async () => ((await leads(1)) ? true : undefined), 60_000, 100);
    const servingMs = Date.now() - killedAt;
    await waitForConnected(controls[1], 2, { label: 'the daemons to reach the new leader', timeoutMs: 60_000, everyMs: 100, atLeast: true });
    const daemonsMs = Date.now() - killedAt;
    await waitFor('a round committed by the new leader', async () => ((await controls[1].getRun(runId)).committedRounds > committedBefore ? true : undefined), 120_000, 100);
    const nextRoundMs = Date.now() - killedAt;
    console.log(`docker failover: leader killed → standby serving ${servingMs} ms → daemons connected ${daemonsMs} ms → next round committed ${nextRoundMs} ms`);

    const run = await waitFor('the run to end', async () => {
      const r = await controls[1].getRun(runId);
      return r.state === 'running' || r.state === 'pending' ? undefined : r;
    }, 240_000, 500);
    expect(run.state, run.reason).toBe('completed');
    expect(run.committedRounds).toBe(ROUNDS);
    const after = (JSON.parse(await cli(1, ['rounds', 'list', runId, '--json'])).rounds as RoundJson[]).filter((r) => r.state === 'committed');
    // Every round committed exactly once, and the ones committed before the kill unchanged.
    expect(after.map((r) => r.round)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i + 1));
    for (const r of before) expect(after.find((a) => a.round === r.round)?.checkpoint, `round ${r.round}`).toBe(r.checkpoint);
    const shown = JSON.parse(await cli(1, ['runs', 'show', runId, '--json'])) as { state: string; committedRounds: number };
    expect(shown).toMatchObject({ state: 'completed', committedRounds: ROUNDS });
  });
});
