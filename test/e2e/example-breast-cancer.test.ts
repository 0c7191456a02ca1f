/**
 * examples/breast-cancer end to end, as its README runs it: the split script,
 * a coordinator and three hospital daemons reading their own CSV files as
 * separate processes, a run of the hand-written model.json with binary
 * cross-entropy and Adam, evaluated on the held-out file; then `model predict`
 * locally and through the coordinator's Inference service, equal to the
 * exported model loaded with plain TFJS, and the central
 * baseline the federated model must come within 5 points of. A fourth daemon
 * holds data that does not fit the model (Fashion-MNIST images): it fails its
 * tasks with the reason and every round commits with the hospitals.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl, type ControlConnection } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../clients/trainer/backend';
import { openData } from '../../clients/trainer/data/open-data';
import { loadExportedModel } from '../../clients/trainer/tfjs-format';
import type { Preprocessing } from '../../common/model-definition';
import { trainCentrally } from '../../examples/breast-cancer/central';
import { runCli, waitFor } from '../helpers/cli';
import { waitForConnected } from '../helpers/connected-clients';

const SOURCE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv';

describe('example: breast cancer across three hospitals', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-example-bc-'));
  const group = new ProcessGroup(dir);
  let address = '';
  let control: ControlConnection;

  beforeAll(async () => {
    if (!existsSync(SOURCE)) throw new Error(`${SOURCE} is missing: install it with apt-get install python3-sklearn`);
    execFileSync(process.execPath, ['examples/breast-cancer/prepare.mjs', path.join(dir, 'data')]);
    address = `127.0.0.1:${await freePort()}`;
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', address.split(':')[1], '--store', 'memory']);
    control = connectControl({ address, deadlineMs: 2000 });
    await waitFor('the coordinator to serve', () => control.listClients(), 60_000);
    for (const h of [1, 2, 3]) group.start(`hospital-${h}`, ['client', '--coordinator', address, '--id', `hospital-${h}`, '--data', `csv:${path.join(dir, 'data', `hospital-${h}.csv`)}`]);
    group.start('misfit', ['client', '--coordinator', address, '--id', 'misfit', '--data', 'fashion-mnist', '--max-examples', '600']);
    await waitForConnected(control, 4, { label: '3 hospitals and the misfit', timeoutMs: 120_000 });
  }, 180_000);

  afterAll(async () => {
    control?.close();
    await group.stopAll(5000);
  });

  it('e2e - trains the hand-written model across the hospitals to within 5 points of central training (a daemon whose data does not fit is dropped with the reason), and predicts the same locally and served', async () => {
    const data = path.join(dir, 'data');
    const created = await runCli([
      'runs', 'create', '--coordinator', address, '--json', '--model', 'examples/breast-cancer/model.json', '--loss', 'binary-crossentropy', '--optimizer', 'adam',
      '--lr', '0.01', '--preprocessing', path.join(data, 'preprocessing.json'), '--eval-data', `csv:${path.join(data, 'test.csv')}`,
      '--rounds', '10', '--clients-per-round', '4', '--min-clients', '3', '--local-epochs', '2', '--batch-size', '16',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const runId: string = JSON.parse(created.stdout).runId;
    let final;
    for await (const e of control.watchRun(runId)) final = e.run;
    expect(final?.state, final?.reason).toBe('completed');
    expect(final?.model?.topology).toContain('"Sequential"');
    const rounds = await runCli(['rounds', 'show', runId, '1', '--coordinator', address, '--json']);
    const misfit = JSON.parse(rounds.stdout).clients.find((c: { clientId: string }) => c.clientId === 'misfit');
    expect(misfit.state).toBe('dropped');
    expect(misfit.reason).toMatch(/local data does not fit the model: .*\[784\].*\[30\]/);
    const federated = final!.latestEval!.accuracy;
    const central = await trainCentrally(data, 20, 0.01);
    expect(federated).toBeGreaterThan(0.85);
    expect(federated).toBeGreaterThan(central.accuracy - 0.05);

    const local = await runCli(['model', 'predict', runId, '--coordinator', address, '--input', path.join(data, 'test.csv'), '--json']);
    expect(local.code, local.stderr).toBe(0);
    const remote = await runCli(['model', 'predict', runId, '--coordinator', address, '--input', path.join(data, 'test.csv'), '--json', '--remote']);
    expect(remote.code, remote.stderr).toBe(0);
    const rows = local.stdout.trim().split('\n').map((l) => JSON.parse(l) as { top: Array<{ label: string; probability: number }> });
    expect(rows).toHaveLength(114);
    expect(new Set(rows.map((r) => r.top[0].label))).toEqual(new Set(['malignant', 'benign']));
    expect(remote.stdout).toBe(local.stdout);

    // The export, loaded with plain TFJS (no tfjs-node) and fed with the model card's preprocessing, gives the served probabilities.
    const out = path.join(dir, 'export');
    const exported = await runCli(['model', 'export', runId, '--coordinator', address, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    const card = JSON.parse(readFileSync(path.join(out, 'fedlink-model.json'), 'utf8')) as { preprocessing: Preprocessing; labels: string[]; round: number };
    expect(card).toMatchObject({ round: 10, labels: ['malignant', 'benign'] });
    await initBackend({});
    const model = await loadExportedModel(out);
    const test = await openData(`csv:${path.join(data, 'test.csv')}`, { preprocessing: card.preprocessing, inputShape: [30], loss: 'binary-crossentropy' });
    const p = tf.tidy(() => (model.predict(tf.tensor(test.features, [test.count, 30])) as tf.Tensor).dataSync());
    model.dispose();
    const served = remote.stdout.trim().split('\n').map((l) => JSON.parse(l) as { top: Array<{ index: number; probability: number }> });
    served.forEach((r, i) => expect(r.top[0].index === 1 ? r.top[0].probability : 1 - r.top[0].probability).toBeCloseTo(p[i], 5));
  }, 600_000);
});
