/**
 * End to end, link-aware: three `fedlink client` daemons, each behind its own
 * userspace link emulator (5G, LTE, and a hopeless uplink), a `fedlink
 * coordinator` and the CLI as separate processes. `clients list` tells the
 * links apart, and a `deadline` run stops asking the client that cannot make it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { LinkEmulator } from '../../clients/linkem/proxy';
import { parseProfile } from '../../clients/linkem/profiles';
import { silentLogger } from '../../common/logger';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';

// 800 KB of update at 0.05 Mbit/s is over two minutes: it can never make a 20 s deadline.
const LINKS = { 'edge-5g': '5g-embb', 'edge-lte': 'lte', 'edge-hopeless': 'congested-cell,up=0.05,resets=0' } as const;

describe('e2e link-aware scheduling', () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-e2e-links-'));
  const group = new ProcessGroup(logDir);
  const emulators: LinkEmulator[] = [];
  let address = '';
  let control: ControlConnection;

  beforeAll(async () => {
    requireFashionMnist();
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--heartbeat-interval', '1s', '--client-timeout', '30s', '--state-dir', path.join(logDir, 'state')]);
    control = connectControl({ address, deadlineMs: 3000 });
    await waitFor('the coordinator', () => control.listClients(), 60_000);
    let i = 0;
    for (const [id, spec] of Object.entries(LINKS)) {
      const profile = parseProfile(spec);
      const em = new LinkEmulator({ listenHost: '127.0.0.1', listenPort: 0, target: address, profile, seed: 5, logger: silentLogger() });
      emulators.push(em);
      const proxyPort = await em.start();
      group.start(id, [
        'client', '--coordinator', `127.0.0.1:${proxyPort}`, '--id', id, '--radio', profile.radio, '--partition', 'iid',
        '--num-partitions', '3', '--index', String(i++), '--seed', '3', '--max-examples', '1500', '--link-report-interval', '1s',
      ]);
    }
    await waitFor('3 clients with measured RTTs', async () => {
      const { clients } = await control.listClients();
      return clients.filter((c) => c.status === 'connected' && (c.link?.rttMs ?? 0) > 0).length === 3 ? true : undefined;
    }, 120_000, 500);
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
    await Promise.all(emulators.map((e) => e.stop()));
  });

  it('e2e - clients list tells the links apart and a deadline run skips the hopeless client', async () => {
    const listed = await runCli(['clients', 'list', '--coordinator', address, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const byId = Object.fromEntries(JSON.parse(listed.stdout).clients.map((c: { clientId: string }) => [c.clientId, c]));
    expect(byId['edge-5g'].link.radio).toBe('5g-nsa');
    expect(byId['edge-lte'].link.radio).toBe('lte');
    // One-way 150 ± 80 ms each way against 10 ± 2 ms: the congested cell's RTT is far higher.
    expect(byId['edge-hopeless'].link.rttMs).toBeGreaterThan(3 * byId['edge-5g'].link.rttMs);
    const table = await runCli(['clients', 'list', '--coordinator', address]);
    expect(table.stdout).toMatch(/edge-5g\s+connected\s+5g-nsa/);
    expect(table.stdout).toMatch(/edge-lte\s+connected\s+lte/);

    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '2', '--clients-per-round', '3', '--min-clients', '2',
      '--deadline', '20s', '--selection', 'deadline', '--local-epochs', '1', '--batch-size', '32', '--lr', '0.05', '--model', 'mlp', '--seed', '3',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    const watched = await runCli(['runs', 'watch', runId, '--coordinator', address], { timeoutMs: 180_000 });
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);

    // Round 1 had nothing to go on but priors, so everyone was asked and the hopeless client missed the deadline.
    const r1 = JSON.parse((await runCli(['rounds', 'show', runId, '1', '--coordinator', address, '--json'])).stdout);
    const hopeless1 = r1.clients.find((c: { clientId: string }) => c.clientId === 'edge-hopeless');
    expect(hopeless1.state).toBe('dropped');
    expect(r1.scheduling.policy).toBe('deadline');
    // Round 2 used what round 1 measured: the hopeless uplink is predicted to miss, and rounds show says so.
    const r2 = JSON.parse((await runCli(['rounds', 'show', runId, '2', '--coordinator', address, '--json'])).stdout);
    const dbg = JSON.stringify({ r1: r1.clients, r2: r2.clients, skipped: r2.skipped });
    expect(r2.state).toBe('committed');
    expect(r2.clients.map((c: { clientId: string }) => c.clientId).sort(), dbg).toEqual(['edge-5g', 'edge-lte']);
    const skipped = r2.skipped.find((s: { clientId: string }) => s.clientId === 'edge-hopeless');
    expect(skipped.reason).toMatch(/exceeds/);
    expect(Number(skipped.predictedMs)).toBeGreaterThan(20_000);
    for (const c of r2.clients) expect(Number(c.predictedMs)).toBeGreaterThan(0);
    // Where each finished client's time went: its download as it timed it, and its upload.
    for (const c of r2.clients) expect([Number(c.downloadMs), Number(c.uploadMs)].every((ms) => ms > 0), dbg).toBe(true);
    const text = await runCli(['rounds', 'show', runId, '2', '--coordinator', address, '-o', 'wide']);
    expect(text.stdout).toMatch(/not selected:[\s\S]*edge-hopeless\s+predicted .* exceeds/);
    const after = JSON.parse((await runCli(['clients', 'list', '--coordinator', address, '--json'])).stdout);
    const hopelessLink = after.clients.find((c: { clientId: string }) => c.clientId === 'edge-hopeless').link;
    const fastLink = after.clients.find((c: { clientId: string }) => c.clientId === 'edge-5g').link;
    // The estimated round time clients list shows carries what the run learned.
    expect(Number(hopelessLink.estimatedRoundMs)).toBeGreaterThan(20_000);
    expect(Number(fastLink.estimatedRoundMs)).toBeLessThan(5_000);
    expect(fastLink.upMbps).toBeGreaterThan(1);
    // Downlinks as the daemons timed them: the coordinator's writes of a 0.8 MB model finish at
    // loopback speed into windows and buffers whatever the link, so they must not count.
    expect(hopelessLink.downMbps, JSON.stringify(after.clients)).toBeGreaterThan(0);
    expect(hopelessLink.downMbps, JSON.stringify(after.clients)).toBeLessThan(4);
    expect(fastLink.downMbps, JSON.stringify(after.clients)).toBeGreaterThan(5 * hopelessLink.downMbps);
  }, 300_000);

  it('e2e - a run with --compression auto completes, and rounds show reports each client\'s encoding and bytes', async () => {
    // The hopeless client's upload never completed, but being cut off with less than a chunk in bounds its
    // uplink. The cancel travels behind the queued upload bytes on that 0.05 Mbit/s link, so it lands late.
    const bounded = await waitFor('the hopeless uplink bounded', async () => {
      const { clients } = await control.listClients();
      const up = clients.find((c) => c.clientId === 'edge-hopeless')?.link?.upMbps ?? 0;
      return up > 0 ? up : undefined;
    }, 90_000, 250);
    expect(bounded).toBeLessThan(1);
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--rounds', '1', '--clients-per-round', '3', '--min-clients', '2',
      '--deadline', '10s', '--selection', 'random', '--compression', 'auto', '--max-round-retries', '1', '--seed', '4',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    const watched = await runCli(['runs', 'watch', runId, '--coordinator', address], { timeoutMs: 120_000 });
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    const rounds = JSON.parse((await runCli(['rounds', 'list', runId, '--coordinator', address, '--json'])).stdout).rounds;
    const committed = rounds.find((r: { state: string }) => r.state === 'committed');
    const round = JSON.parse((await runCli(['rounds', 'show', runId, String(committed.round), '--coordinator', address, '--json'])).stdout);
    const byId = Object.fromEntries(round.clients.map((c: { clientId: string }) => [c.clientId, c]));
    // The 5G client's uplink carries the raw update in well under the budget; the hopeless one is asked for less.
    expect(byId['edge-5g'].encoding).toBe('float32');
    expect(byId['edge-5g'].bytesUp).toBe(199_210 * 4);
    expect(byId['edge-hopeless'].encoding).not.toBe('float32');
    for (const c of round.clients.filter((x: { state: string }) => x.state === 'finished')) {
      if (c.encoding === 'float32') expect(Number(c.bytesUp)).toBe(199_210 * 4);
      else expect(Number(c.bytesUp)).toBeLessThan(199_210 * 4);
    }
    // The encoding is a wide column.
    const text = await runCli(['rounds', 'show', runId, String(committed.round), '--coordinator', address, '-o', 'wide']);
    expect(text.stdout).toMatch(/edge-5g\s+finished.*float32/);
  }, 180_000);
});
