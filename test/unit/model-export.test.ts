/**
 * `fedlink model export` against a fake Control service: the model card's
 * contents, the export loading with plain @tensorflow/tfjs in Node (no
 * tfjs-node), a user model's topology kept word for word, and write failures
 * as one line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModelCard } from '../../clients/cli/model-card';
import { FASHION_MNIST_LABELS } from '../../clients/cli/model-defaults';
import { assignWeights, buildModel, flattenWeights, initialWeights, modelSpecFor } from '../../clients/trainer/models';
import { loadExportedModel, writeTfjsModel } from '../../clients/trainer/tfjs-format';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { ModelSpec } from '../../common/types';
import type { Round } from '../../proto/gen/fedlink/v1/Round';
import type { Run, Run__Output } from '../../proto/gen/fedlink/v1/Run';
import { runCliInProcess as run, startFakeModelControl, type FakeModelControl } from '../helpers/fake-model-control';

const SPEC = modelSpecFor('mlp');
const ROUND0 = initialWeights(SPEC, 1);
const ROUND2 = initialWeights(SPEC, 2);
const NOW = Date.now();

const RUN: Run = {
  runId: 'run-card',
  state: 'completed',
  config: {
    rounds: 2, clientsPerRound: 3, minClients: 2, model: 'mlp', strategy: 'fedavg', evalData: 'fashion-mnist-test', acceptFailures: true,
    selection: 'random', seed: 7, maxRoundRetries: 2, waitForClientsMs: 60_000, roundDeadlineMs: 120_000,
    train: { localEpochs: 2, batchSize: 32, learningRate: 0.05, seed: 7 },
  },
  model: { name: 'mlp', inputShape: SPEC.inputShape, numClasses: 10, tensors: SPEC.tensors },
  currentRound: 2, committedRounds: 2, createdAtMs: NOW - 60_000, updatedAtMs: NOW - 1000,
  modelVersion: sha256Hex(float32ToBytes(ROUND2)),
};

const ROUND: Round = {
  runId: 'run-card', round: 2, attempt: 1, state: 'committed', startedAtMs: NOW - 20_000, endedAtMs: NOW - 8000, deadlineUnixMs: NOW, reported: 2,
  meanTrainLoss: 0.4321, eval: { loss: 0.5, accuracy: 0.8123, numExamples: 10_000 },
  clients: [
    { clientId: 'edge-1', state: 'finished', numExamples: 600 },
    { clientId: 'edge-2', state: 'finished', numExamples: 400 },
    { clientId: 'edge-3', state: 'dropped', reason: 'disconnected during training', numExamples: 300 },
  ],
};

describe('model export', () => {
  let fake: FakeModelControl;
  const dirs: string[] = [];
  const tmp = (): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'fedlink-export-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    fake = await startFakeModelControl({ run: RUN, spec: SPEC, checkpoints: new Map([[0, ROUND0], [2, ROUND2]]), rounds: [ROUND] });
  });
  afterAll(() => {
    fake.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('model export - the card names run, round, checkpoint digest, the config as runs show --json prints it, metrics, preprocessing, labels and contributors', async () => {
    const out = tmp();
    const res = await run('model', 'export', 'run-card', '--out', out, '--coordinator', fake.address, '--json');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ run: 'run-card', round: 2, card: path.join(out, 'fedlink-model.json') });
    const card = JSON.parse(readFileSync(path.join(out, 'fedlink-model.json'), 'utf8'));
    const shown = JSON.parse((await run('runs', 'show', 'run-card', '--coordinator', fake.address, '--json')).stdout);
    expect(card).toMatchObject({
      format: 'fedlink-model-card/1',
      run: 'run-card',
      round: 2,
      checkpoint: { sha256: sha256Hex(float32ToBytes(ROUND2)), bytes: ROUND2.byteLength },
      model: { name: 'mlp', userTopology: false, inputShape: [784], outputShape: [10], numClasses: 10, parameters: 199_210 },
      output: 'classes',
      objective: { loss: 'sparse-categorical-crossentropy', metrics: ['accuracy'], optimizer: { name: 'sgd' } },
      labels: FASHION_MNIST_LABELS,
      metrics: { eval: { loss: 0.5, accuracy: 0.8123, numExamples: 10_000 }, meanTrainLoss: 0.4321 },
      // The dropped client's 300 examples did not make it into the model.
      contributors: { clients: 2, examples: 1000 },
      fedlinkVersion: JSON.parse(readFileSync('package.json', 'utf8')).version,
    });
    expect(card.config).toEqual(shown.config);
    expect(card.preprocessing.image).toEqual({ height: 28, width: 28, channels: 1, normalize: true });
    expect(Date.parse(card.exportedAt)).toBe(card.exportedAtMs);
    expect(fake.calls).toContain('GetRound run-card 2');
  });

  it('model export - round 0 (the initial model) has no metrics and no contributors', async () => {
    const out = tmp();
    const res = await run('model', 'export', 'run-card', '--round', '0', '--out', out, '--coordinator', fake.address);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/round 0 .*fedlink-model\.json/);
    const card = JSON.parse(readFileSync(path.join(out, 'fedlink-model.json'), 'utf8'));
    expect(card).toMatchObject({ round: 0, metrics: { eval: null, meanTrainLoss: null }, contributors: { clients: 0, examples: 0 } });
  });

  it('model card - a user model says so, and its own preprocessing and objective replace the built-in ones', () => {
    const spec: ModelSpec = {
      ...SPEC, topology: '{}', outputShape: [1],
      objective: { loss: 'binary-crossentropy', metrics: ['accuracy'], optimizer: { name: 'adam' } },
      preprocessing: { labelColumn: 'diagnosis', labels: ['benign', 'malignant'], shift: [1], divide: [2] },
    };
    const card = buildModelCard({ run: RUN as Run__Output, spec, round: 1, version: 'v', weightBytes: 8, fedlinkVersion: '9.9.9', nowMs: 0 });
    expect(card).toMatchObject({
      model: { userTopology: true, outputShape: [1], parameters: 2 }, output: 'binary', labels: ['benign', 'malignant'],
      objective: { loss: 'binary-crossentropy', optimizer: { name: 'adam' } }, preprocessing: { labelColumn: 'diagnosis', shift: [1], divide: [2] },
      metrics: { eval: null, meanTrainLoss: null }, contributors: { clients: 0, examples: 0 }, fedlinkVersion: '9.9.9', exportedAt: '1970-01-01T00:00:00.000Z',
    });
  });

  it('model export - the export loads with plain @tensorflow/tfjs in Node: loadExportedModel, and tf.io.fromMemory as docs/serving.md shows; file:// does not', async () => {
    const out = tmp();
    expect((await run('model', 'export', 'run-card', '--out', out, '--coordinator', fake.address)).code).toBe(0);
    const x = tf.randomUniform([3, 784], 0, 1, 'float32', 5);
    const reference = buildModel(SPEC);
    assignWeights(reference, ROUND2);
    const want = Array.from((reference.predict(x) as tf.Tensor).dataSync());

    // 1. fedlink's helper.
    const viaHelper = await loadExportedModel(out);
    expect(Array.from(flattenWeights(viaHelper))).toEqual(Array.from(ROUND2));
    expect(Array.from((viaHelper.predict(x) as tf.Tensor).dataSync())).toEqual(want);

    // 2. The ten lines docs/serving.md gives for programs without fedlink.
    const json = JSON.parse(await readFile(path.join(out, 'model.json'), 'utf8'));
    const weights = await readFile(path.join(out, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    expect(Array.from((model.predict(x) as tf.Tensor).dataSync())).toEqual(want);

    // 3. Why the above is needed: without tfjs-node nothing handles file:// URLs.
    const hasTfjsNode = (() => {
      try {
        createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
        return true;
      } catch {
        return false;
      }
    })();
    if (!hasTfjsNode) await expect(tf.loadLayersModel(`file://${path.join(out, 'model.json')}`)).rejects.toThrow();
    for (const m of [reference, viaHelper, model]) m.dispose();
    x.dispose();
  });

  it("model export - a user model's model.json carries the topology it was uploaded with, word for word, and loads", async () => {
    const built = buildModel(SPEC);
    const topology = JSON.parse(JSON.stringify(built.toJSON(null, false))) as Record<string, unknown>;
    built.dispose();
    topology.keras_version = 'user-keras-2.15';
    const spec: ModelSpec = { ...SPEC, topology: JSON.stringify(topology) };
    const out = tmp();
    const { initBackend } = await import('../../clients/trainer/backend');
    await initBackend({ prefer: 'cpu' });
    await writeTfjsModel(spec, ROUND2, out);
    expect(JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')).modelTopology).toEqual(topology);
    expect(existsSync(path.join(out, 'fedlink-model.json'))).toBe(false);
    const loaded = await loadExportedModel(out);
    expect(Array.from(flattenWeights(loaded))).toEqual(Array.from(ROUND2));
    loaded.dispose();
  });

  it('model export - an --out that cannot be written (/proc/nope, a file in the way) is one line and exit 1, promptly', { timeout: 20_000 }, async () => {
    const proc = await run('model', 'export', 'run-card', '--out', '/proc/nope', '--coordinator', fake.address);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toBe('fedlink: cannot write the model to /proc/nope: ENOENT /proc/nope\n');
    const file = path.join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    const blocked = await run('model', 'export', 'run-card', '--out', path.join(file, 'sub'), '--coordinator', fake.address);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/^fedlink: cannot write the model to .*a-file\/sub: ENOTDIR .*\n$/);
    expect(blocked.stderr.trim().split('\n')).toHaveLength(1);
  });
});
