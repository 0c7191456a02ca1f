/**
 * examples/fashion-mnist-custom end to end: a hand-written topology (not the
 * registry's) uploaded with the run and trained with Adam by two daemons on
 * their Fashion-MNIST partitions, evaluated on the test split.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { runCli, waitFor } from '../helpers/cli';
import { waitForConnected } from '../helpers/connected-clients';

describe('example: a custom Fashion-MNIST model trained with Adam', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-example-fmnist-'));
  const group = new ProcessGroup(dir);
  let address = '';
  let control: ControlConnection;

  beforeAll(async () => {
    requireFashionMnist();
    address = `127.0.0.1:${await freePort()}`;
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', address.split(':')[1], '--store', 'memory']);
    control = connectControl({ address, deadlineMs: 2000 });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (const i of [0, 1]) group.start(`edge-${i}`, ['client', '--coordinator', address, '--id', `edge-${i}`, '--num-partitions', '2', '--index', String(i), '--max-examples', '4000']);
    await waitForConnected(control, 2, { label: '2 daemons', timeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('e2e - the hand-written topology trains with adam across two daemons to above 0.7 test accuracy', async () => {
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--model', 'examples/fashion-mnist-custom/model.json', '--optimizer', 'adam', '--lr', '0.001',
      '--eval-data', 'fashion-mnist-test', '--rounds', '3', '--clients-per-round', '2', '--min-clients', '2', '--batch-size', '32',
    ]);
    expect(created.code, created.stderr).toBe(0);
    let final;
    for await (const e of control.watchRun(JSON.parse(created.stdout).runId)) final = e.run;
    expect(final?.state, final?.reason).toBe('completed');
    expect(final?.config?.objective?.optimizer?.name).toBe('adam');
    expect(final?.model?.tensors.map((t) => t.shape)).toEqual([[784, 128], [128], [128, 64], [64], [64, 10], [10]]);
    console.log(`custom Fashion-MNIST model, adam, 3 rounds: test accuracy ${final!.latestEval!.accuracy}`);
    expect(final!.latestEval!.accuracy).toBeGreaterThan(0.7);
  }, 600_000);
});
