/**
 * examples/digits-images end to end: three sites read PNG folders with the
 * images: reader, train a hand-written model, the coordinator evaluates on a
 * held-out folder; `model predict` reads a folder of PNG files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { runCli, waitFor } from '../helpers/cli';
import { waitForConnected } from '../helpers/connected-clients';

const SOURCE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';

describe('example: handwritten digits from PNG folders', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-example-digits-'));
  const group = new ProcessGroup(dir);
  let address = '';
  let control: ControlConnection;

  beforeAll(async () => {
    if (!existsSync(SOURCE)) throw new Error(`${SOURCE} is missing: install it with apt-get install python3-sklearn`);
    execFileSync(process.execPath, ['examples/digits-images/prepare.mjs', path.join(dir, 'digits')]);
    address = `127.0.0.1:${await freePort()}`;
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', address.split(':')[1], '--store', 'memory']);
    control = connectControl({ address, deadlineMs: 2000 });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (const s of [1, 2, 3]) group.start(`site-${s}`, ['client', '--coordinator', address, '--id', `site-${s}`, '--data', `images:${path.join(dir, 'digits', `site-${s}`)}`]);
    await waitForConnected(control, 3, { label: '3 sites', timeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('e2e - sites reading PNG folders train the hand-written model above 0.85 on held-out images; predict reads a folder', async () => {
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--model', 'examples/digits-images/model.json', '--optimizer', 'adam', '--lr', '0.01',
      '--preprocessing', 'examples/digits-images/preprocessing.json', '--eval-data', `images:${path.join(dir, 'digits', 'test')}`,
      '--rounds', '10', '--clients-per-round', '3', '--min-clients', '3', '--local-epochs', '2', '--batch-size', '16',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    let final;
    for await (const e of control.watchRun(runId)) final = e.run;
    expect(final?.state, final?.reason).toBe('completed');
    console.log(`digits from PNG folders, 10 rounds: test accuracy ${final!.latestEval!.accuracy}`);
    expect(final!.latestEval!.accuracy).toBeGreaterThan(0.85);
    const predicted = await runCli(['model', 'predict', runId, '--coordinator', address, '--input', path.join(dir, 'digits', 'test', '7'), '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const rows = predicted.stdout.trim().split('\n').map((l) => JSON.parse(l) as { top: Array<{ label: string }> });
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.top[0].label === '7').length / rows.length).toBeGreaterThan(0.7);
  }, 600_000);
});
