/**
 * The daemon's data per run: read once, read again only when a run reads it
 * differently, checked against each task's model before anything is fetched;
 * a real daemon (startDaemon) against the fake Fleet server fails a task whose
 * model its data does not fit, with the documented reason, and sends nothing
 * else. And `fedlink client --check-data`, offline.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import { TaskData, type LocalDataReader } from '../../clients/daemon/task-data';
import type { LocalDataset } from '../../clients/trainer/dataset';
import { DataMismatchError } from '../../clients/trainer/data/check-data';
import { InvalidArgumentError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import type { Preprocessing } from '../../common/model-definition';
import type { ModelSpec, TrainTask } from '../../common/types';
import { FakeFleet, taskMessage, waitFor } from '../helpers/fake-fleet-server';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

afterAll(cleanTempDirs);

function csvFile(text: string): string {
  const file = path.join(tempDir(), 'local.csv');
  writeFileSync(file, text);
  return file;
}

function task(model: Partial<ModelSpec>, runId = 'run-1'): TrainTask {
  return {
    taskId: `t-${runId}`, runId, round: 1, deadlineMs: Date.now() + 60_000, modelVersion: 'v', modelBytes: 0,
    train: { localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 1 },
    model: { name: 'mlp', inputShape: [2], numClasses: 2, tensors: [], ...model },
  } as TrainTask;
}

describe('daemon task data', () => {
  it('task data - read once at start, again only when a run reads differently; fitted and checked per task', async () => {
    const file = csvFile('a,b,label\n1,2,x\n3,4,y\n5,6,x\n');
    const reads: Array<Preprocessing | undefined> = [];
    const reader: LocalDataReader = async (options, model) => {
      reads.push(model.preprocessing);
      const { loadLocalData } = await import('../../clients/trainer/local-data');
      return loadLocalData(options, model);
    };
    const data = new TaskData({ data: `csv:${file}`, partition: 'iid', numPartitions: 1, index: 0, seed: 1 }, silentLogger(), reader);
    expect((await data.start()).count).toBe(3);
    // The same preprocessing (none) as at start: no second read, whatever the model.
    expect((await data.forTask(task({}))).featureShape).toEqual([2]);
    expect((await data.forTask(task({ objective: { loss: 'categorical-crossentropy', metrics: [], optimizer: { name: 'sgd' } } }))).labelShape).toEqual([2]);
    expect(reads).toHaveLength(1);
    // Another run scales its inputs: read again, with its preprocessing.
    const scaled = await data.forTask(task({ preprocessing: { divide: [2] } }, 'run-2'));
    expect(Array.from(scaled.features.subarray(0, 2))).toEqual([0.5, 1]);
    expect(reads).toEqual([undefined, { divide: [2] }]);
    await expect(data.forTask(task({ inputShape: [3] }, 'run-3'))).rejects.toThrow(new DataMismatchError('data gives inputs of shape [2] but the model of run run-3 takes [3]'));
    // A run whose preprocessing cannot read the data: InvalidArgumentError, and the next task tries again.
    await expect(data.forTask(task({ preprocessing: { labelColumn: 'z' } }, 'run-4'))).rejects.toThrow(InvalidArgumentError);
    await expect(data.forTask(task({ preprocessing: { labelColumn: 'z' } }, 'run-4'))).rejects.toThrow(/no label column "z"/);
    expect(reads).toEqual([undefined, { divide: [2] }, undefined, { labelColumn: 'z' }, { labelColumn: 'z' }]);
  });
});

describe('daemon with data that does not fit', () => {
  let fleet: FakeFleet | undefined;
  let daemon: DaemonHandle | undefined;
  afterEach(async () => {
    await daemon?.stop();
    fleet?.stop();
    daemon = undefined;
    fleet = undefined;
  });

  it('daemon - announces its examples, then fails a task whose model its data does not fit before fetching anything', async () => {
    fleet = await new FakeFleet().start();
    const file = csvFile('a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,1\n');
    daemon = await startDaemon(
      { coordinator: `127.0.0.1:${fleet.port}`, clientId: 'edge-data', data: `csv:${file}`, backoffInitialMs: 20, backoffMaxMs: 100 },
      { logger: silentLogger() },
    );
    await waitFor(() => fleet!.hellos.length > 0, 'hello');
    expect(fleet.hellos[0].hello).toMatchObject({ datasetSize: 3, capabilities: { dataset: 'csv' } });
    // The task's model (test/helpers SPEC) takes inputs of shape [2]; the file has 3 feature columns.
    fleet.send(taskMessage());
    const [failure] = await waitFor(() => fleet!.of('failure').length > 0 && fleet!.of('failure'), 'failure');
    expect(failure).toMatchObject({ taskId: 'task-1', runId: 'run-1', round: 1 });
    expect(failure.reason).toBe('local data does not fit the model: data gives inputs of shape [3] but the model of run run-1 takes [2]');
    expect(fleet.fetches).toHaveLength(0);
    expect(fleet.pushes).toHaveLength(0);
    expect(fleet.of('result')).toHaveLength(0);
    // It is still connected and takes the next task.
    expect(daemon.session.state).toBe('connected');
  });
});

describe('fedlink client --check-data', () => {
  async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
    return { code: await main(['node', 'fedlink', ...args], io), stdout, stderr };
  }

  it('check-data - prints what it found and exits 0 when the data fits; one line naming both shapes and exit 1 when not', async () => {
    const file = csvFile(`${Array.from({ length: 784 }, (_, i) => `p${i}`).join(',')},label\n${new Array(784).fill(0).join(',')},3\n`);
    const ok = await run('client', '--check-data', '--data', `csv:${file}`, '--model', 'mlp');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`data csv:${file}: 1 examples, inputs [784], labels []`);
    expect(ok.stdout).toContain('fits model mlp: input [784], output [10], loss sparse-categorical-crossentropy');

    const small = csvFile('a,b,label\n1,2,0\n');
    const bad = await run('client', '--check-data', '--data', `csv:${small}`, '--model', 'cnn');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('fedlink: data gives inputs of shape [2] but model cnn takes [28, 28, 1]\n');
  });

  it('check-data - a model.json gives its shapes; the run\'s loss and preprocessing come as flags', async () => {
    const tf = await import('@tensorflow/tfjs');
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: 'sigmoid' })] });
    const dir = tempDir();
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: m.toJSON(null, false) }));
    m.dispose();
    writeFileSync(path.join(dir, 'pre.json'), JSON.stringify({ labels: ['benign', 'malignant'], labelColumn: 'diagnosis' }));
    const file = csvFile('a,b,diagnosis\n1,2,benign\n3,4,malignant\n');
    const args = ['client', '--check-data', '--data', `csv:${file}`, '--model', path.join(dir, 'model.json'), '--loss', 'binary-crossentropy', '--preprocessing', path.join(dir, 'pre.json')];
    const ok = await run(...args);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('(2 classes: benign, malignant)');
    expect(ok.stdout).toContain('input [2], output [1], loss binary-crossentropy');
    const sparse = await run(...args.slice(0, 6));
    expect(sparse.code).toBe(1);
    expect(sparse.stderr).toMatch(/no label column|not a number|labels span|has 1 classes/);
  });

  it('check-data - without --model, or --model without --check-data, is a usage error', async () => {
    expect((await run('client', '--check-data', '--data', 'csv:/x.csv')).code).toBe(2);
    const stray = await run('client', '--id', 'e', '--model', 'mlp');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--model goes with --check-data');
  });
});
