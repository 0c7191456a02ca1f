/**
 * End to end, the secure path as a user sets it up: `fedlink pki init`/`issue`
 * for the CA, the coordinator, three devices, an admin and a viewer, and a NATS
 * server; `fedlink pki nats-config` writes the locked-down NATS config and a
 * real nats-server runs it; then the coordinator (JetStream store over that
 * NATS), three `fedlink client` daemons and the CLI, all separate processes,
 * all speaking mutual TLS, train two rounds.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { ProcessGroup } from '../../clients/demo/process-group';
import { freePort } from '../../clients/demo/free-port';
import { readTlsDir } from '../../common/pki/files';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';
import { waitForConnected } from '../helpers/connected-clients';

describe('e2e secure federation', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-secure-'));
  const group = new ProcessGroup(dir);
  const at = (p: string) => path.join(dir, p);
  let address = '';
  let nats: NatsServerHandle;
  let monitor = '';
  let control: ControlConnection;

  const cli = async (...args: string[]) => {
    const res = await runCli(args);
    expect(res.code, `fedlink ${args.join(' ')}: ${res.stderr}`).toBe(0);
    return res;
  };

  beforeAll(async () => {
    requireFashionMnist();
    await cli('pki', 'init', '--dir', at('pki'), '--host', '127.0.0.1');
    for (let i = 1; i <= 3; i++) await cli('pki', 'issue', '--dir', at('pki'), '--client', `edge-${i}`, '--out', at(`edge-${i}`));
    await cli('pki', 'issue', '--dir', at('pki'), '--operator', 'alice', '--role', 'admin', '--out', at('alice'));
    await cli('pki', 'issue', '--dir', at('pki'), '--operator', 'vera', '--role', 'viewer', '--out', at('vera'));
    await cli('pki', 'issue', '--dir', at('pki'), '--server', 'nats-1', '--host', '127.0.0.1', '--out', at('nats'));
    monitor = `127.0.0.1:${await freePort()}`;
    await cli('pki', 'nats-config', '--server-pki', at('nats'), '--client', 'edge-1,edge-2,edge-3', '--store-dir', at('js'), '--http', monitor, '--out', at('nats.conf'));
    nats = await startNatsServer({ config: readFileSync(at('nats.conf'), 'utf8'), jetstream: true });
    const natsUrl = `tls://127.0.0.1:${nats.port}`;

    const port = await freePort();
    address = `127.0.0.1:${port}`;
    group.start('coordinator', [
      'coordinator', '--port', String(port), '--pki', at('pki'), '--client-timeout', '5s',
      '--store', 'jetstream', '--nats', natsUrl, '--nats-pki', at('pki'),
    ]);
    control = connectControl({ address, deadlineMs: 2000, tls: readTlsDir(at('alice')) });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (let i = 1; i <= 3; i++) {
      group.start(`edge-${i}`, [
        'client', '--coordinator', address, '--pki', at(`edge-${i}`), '--nats', natsUrl, '--nats-pki', at(`edge-${i}`),
        '--dataset', 'fashion-mnist', '--partition', 'iid', '--num-partitions', '3', '--index', String(i - 1), '--seed', '7', '--max-examples', '6000',
      ]);
    }
    await waitForConnected(control, 3, { label: '3 connected clients', timeoutMs: 120_000 });
  }, 240_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('e2e - two rounds commit over mutual TLS with a locked-down NATS; roles and the audit log hold across processes', async () => {
    const asAlice = ['--coordinator', address, '--pki', at('alice')];
    const viewer = await runCli(['runs', 'create', '--coordinator', address, '--pki', at('vera'), '--rounds', '1']);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toBe('fedlink: permission denied for CreateRun: CreateRun needs the operator role; vera is a viewer\n');
    const anonymous = await runCli(['clients', 'list', '--coordinator', address]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trim().split('\n')).toHaveLength(1);

    const created = await cli(
      'runs', 'create', ...asAlice, '--json', '--rounds', '2', '--clients-per-round', '3', '--min-clients', '3', '--local-epochs', '1',
      '--batch-size', '16', '--lr', '0.05', '--deadline', '120s', '--model', 'mlp', '--eval-data', 'fashion-mnist-test', '--seed', '7',
    );
    const runId: string = JSON.parse(created.stdout).runId;
    const watched = await runCli(['runs', 'watch', runId, ...asAlice], { timeoutMs: 400_000 });
    expect(watched.code, watched.stderr).toBe(0);

    const rounds = JSON.parse((await cli('rounds', 'list', runId, ...asAlice, '--json')).stdout).rounds as Array<{ round: number; state: string; reported: number }>;
    expect(rounds.filter((r) => r.state === 'committed').map((r) => [r.round, r.reported])).toEqual([[1, 3], [2, 3]]);
    const clients = JSON.parse((await cli('clients', 'list', ...asAlice, '--json')).stdout).clients as Array<{ clientId: string }>;
    expect(clients.map((c) => c.clientId).sort()).toEqual(['edge-1', 'edge-2', 'edge-3']);

    const audit = JSON.parse((await cli('audit', 'list', ...asAlice, '--json')).stdout).entries as Array<{ principal: string; action: string; target: string | null; outcome: string }>;
    expect(audit.map((e) => [e.principal, e.action, e.target, e.outcome])).toEqual([
      ['operator:alice (admin)', 'CreateRun', runId, 'ok'],
      // --json: a refusal has no target (null, not proto's "").
      ['operator:vera (viewer)', 'CreateRun', null, 'PERMISSION_DENIED'],
    ]);
    // Every NATS user stayed within its permissions: devices published only their own subjects,
    // the coordinator used only its own buckets and streams.
    expect(nats.output()).not.toMatch(/Permissions Violation/i);
    // And each is on NATS as the user its certificate maps to (nats-server's monitoring endpoint).
    const connz = (await (await fetch(`http://${monitor}/connz?auth=true`)).json()) as { connections: Array<{ authorized_user?: string }> };
    const users = new Set(connz.connections.map((c) => c.authorized_user));
    for (const user of ['urn:fedlink:coordinator', 'urn:fedlink:client:edge-1', 'urn:fedlink:client:edge-2', 'urn:fedlink:client:edge-3']) expect(users).toContain(user);
  }, 600_000);
});
