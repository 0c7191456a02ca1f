/**
 * examples/data-plugin end to end: three daemons read LIBSVM files through a
 * data module the device owner passes (--data-module), and train the
 * breast-cancer model; the coordinator evaluates on a CSV file.
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

const SOURCE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv';

describe('example: a data plugin for LIBSVM files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-example-plugin-'));
  const group = new ProcessGroup(dir);
  let address = '';
  let control: ControlConnection;

  beforeAll(async () => {
    if (!existsSync(SOURCE)) throw new Error(`${SOURCE} is missing: install it with apt-get install python3-sklearn`);
    execFileSync(process.execPath, ['examples/breast-cancer/prepare.mjs', path.join(dir, 'bc')]);
    execFileSync(process.execPath, ['examples/data-plugin/to-libsvm.mjs', path.join(dir, 'bc'), path.join(dir, 'svm')]);
    address = `127.0.0.1:${await freePort()}`;
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', address.split(':')[1], '--store', 'memory']);
    control = connectControl({ address, deadlineMs: 2000 });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (const s of [1, 2, 3]) {
      group.start(`site-${s}`, ['client', '--coordinator', address, '--id', `site-${s}`, '--data-module', 'examples/data-plugin/libsvm-reader.mjs'], {
        FEDLINK_LIBSVM: path.join(dir, 'svm', `site-${s}.svm`),
      });
    }
    await waitForConnected(control, 3, { label: '3 sites', timeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('e2e - daemons reading LIBSVM through their data module train the model to the CSV example\'s accuracy range', async () => {
    const { clients } = await control.listClients();
    expect(clients.map((c) => Number(c.datasetSize)).sort()).toEqual([151, 152, 152]);
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--model', 'examples/breast-cancer/model.json', '--loss', 'binary-crossentropy', '--optimizer', 'adam',
      '--lr', '0.01', '--labels', 'malignant,benign', '--eval-data', `csv:${path.join(dir, 'svm', 'test.csv')}`,
      '--rounds', '10', '--clients-per-round', '3', '--min-clients', '3', '--local-epochs', '2', '--batch-size', '16',
    ]);
    expect(created.code, created.stderr).toBe(0);
    let final;
    for await (const e of control.watchRun(JSON.parse(created.stdout).runId)) final = e.run;
    expect(final?.state, final?.reason).toBe('completed');
    expect(final!.latestEval!.accuracy).toBeGreaterThan(0.85);
  }, 600_000);
});
