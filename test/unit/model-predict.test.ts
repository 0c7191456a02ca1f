/**
 * `fedlink model predict`: reading inputs, the run's preprocessing, the output
 * lines, and the command end to end (local inference) against a fake Control
 * service.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectControl } from '../../clients/cli/control-client';
import { FASHION_MNIST_LABELS } from '../../clients/cli/model-defaults';
import { predictionJson, predictionLine, readPrediction } from '../../clients/cli/predict/format-predictions';
import { toModelInputs } from '../../clients/cli/predict/preprocess';
import { parseCsv, parseJsonLines, readInputs } from '../../clients/cli/predict/read-inputs';
import { runPredict } from '../../clients/cli/predict/run-predict';
import { initBackend } from '../../clients/trainer/backend';
import { assignWeights, buildModel, initialWeights, modelSpecFor } from '../../clients/trainer/models';
import { InvalidArgumentError } from '../../common/errors';
import type { ModelSpec } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { toWireModelSpec } from '../../services/coordinator/rpc/wire';
import { encodePng } from '../helpers/png';
import { runCliInProcess as run, startFakeModelControl, type FakeModelControl } from '../helpers/fake-model-control';

const MLP = modelSpecFor('mlp');
/** A user's tabular model as toModelInputs sees it (no model is built from it here). */
const TABULAR: ModelSpec = {
  name: 'mlp', inputShape: [2], numClasses: 2, tensors: [], topology: '{}', outputShape: [1],
  objective: { loss: 'binary-crossentropy', metrics: ['accuracy'], optimizer: { name: 'adam' } },
  preprocessing: { labelColumn: 'y', featureColumns: ['b', 'a'], shift: [1], divide: [2, 4], labels: ['benign', 'malignant'] },
};

beforeAll(async () => {
  // The CLI would pick the fastest backend; the test's own reference model must run on the same one.
  await initBackend({ prefer: 'cpu' });
});

describe('model predict - outputs', () => {
  it('predict output - a classifier shows its top-k classes by name (or index without names); JSON carries the same', () => {
    const row = [0.1, 0.6, 0.3];
    const named = readPrediction(row, { kind: 'classes', labels: ['cat', 'dog', 'eel'], top: 2 });
    expect(named).toEqual({ top: [{ label: 'dog', index: 1, probability: 0.6 }, { label: 'eel', index: 2, probability: 0.3 }] });
    const p = { input: 'row 1', round: 3, version: 'abc', ...named };
    expect(predictionLine(p)).toBe('row 1: dog 0.6000, eel 0.3000');
    expect(JSON.parse(predictionJson(p))).toEqual({ input: 'row 1', round: 3, version: 'abc', ...named });
    expect(readPrediction(row, { kind: 'classes' })).toEqual({ top: [{ label: '1', index: 1, probability: 0.6 }] });
  });

  it('predict output - one sigmoid output is the probability of class 1: the likelier class is shown with its probability', () => {
    expect(readPrediction([0.9], { kind: 'binary', labels: ['benign', 'malignant'] })).toEqual({ top: [{ label: 'malignant', index: 1, probability: 0.9 }] });
    const low = readPrediction([0.25], { kind: 'binary', labels: ['benign', 'malignant'], top: 2 });
    expect(predictionLine({ input: 'row 2', round: 1, version: 'v', ...low })).toBe('row 2: benign 0.7500, malignant 0.2500');
  });

  it('predict output - regression prints the values; names with control characters never reach the terminal raw', () => {
    expect(predictionLine({ input: 'line 1', round: 1, version: 'v', ...readPrediction([1.23456789, -2], { kind: 'values' }) })).toBe('line 1: 1.235, -2');
    const line = predictionLine({ input: 'evil\u001b[2J.png', round: 1, version: 'v', ...readPrediction([1], { kind: 'classes', labels: ['a\u0007b'] }) });
    expect(line).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('model predict - inputs and preprocessing', () => {
  it('preprocess - built-in models: a CSV with a label column gives 784 pixels divided by 255; a headerless row of 784 too', () => {
    const header = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');
    const pixels = Array.from({ length: 784 }, (_, i) => i % 256);
    const inputs = parseCsv(`${header}\n9,${pixels.join(',')}\n`, 'f.csv');
    const x = toModelInputs(inputs, MLP);
    expect(x.count).toBe(1);
    expect(x.names).toEqual(['row 1']);
    expect(Array.from(x.values)).toEqual(Array.from(Float32Array.from(pixels, (p) => p / 255)));
    const bare = toModelInputs(parseCsv(`${pixels.join(',')}\n`, 'g.csv'), MLP);
    expect(Array.from(bare.values)).toEqual(Array.from(x.values));
    expect(() => toModelInputs(parseCsv(`9,${pixels.join(',')}\n`, 'h.csv'), MLP)).toThrow(
      new InvalidArgumentError('row 1 has 785 values; the model takes 784 (input shape [784]) (a label column? give the file a header row naming its columns)'),
    );
  });

  it("preprocess - a user's tabular model: the run's feature columns in its order, shifted and divided per feature; a missing or non-numeric field is one line", () => {
    const inputs = parseJsonLines('{"a": 3, "b": "5", "y": "malignant", "extra": 1}\n\n[9, 17]\n', 'x.jsonl');
    expect(inputs.map((i) => i.name)).toEqual(['line 1', 'line 3']);
    const x = toModelInputs(inputs, TABULAR);
    // b then a: (5 − 1) / 2, (3 − 1) / 4; the array as given: (9 − 1) / 2, (17 − 1) / 4.
    expect(Array.from(x.values)).toEqual([2, 0.5, 4, 4]);
    expect(() => toModelInputs(parseJsonLines('{"a": 1, "c": 2}', 'x.jsonl'), TABULAR)).toThrow(/line 1 has no field "b"/);
    expect(() => toModelInputs(parseCsv('a,b,y\n1,oops,0\n', 'x.csv'), TABULAR)).toThrow('row 1 field "b" is "oops", not a number');
    expect(() => parseJsonLines('{"a": 1}\nnot json\n', 'x.jsonl')).toThrow(/^x\.jsonl line 2 is not JSON/);
    expect(() => parseCsv('1,2\n3,x\n', 'y.csv')).toThrow('y.csv line 2: column 2 is "x", not a number');
  });

  it("preprocess - images are converted to the model's channels, resized and scaled; an image for a tabular model is refused", async () => {
    const rgb = new Uint8Array(56 * 56 * 3);
    for (let p = 0; p < 56 * 56; p++) rgb.set([200, 100, 50], 3 * p);
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-img-'));
    try {
      writeFileSync(path.join(dir, 'big.png'), encodePng(56, 56, 3, rgb));
      const inputs = await readInputs(path.join(dir, 'big.png'));
      const x = toModelInputs(inputs, MLP);
      const luma = (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255;
      expect(x.values.length).toBe(784);
      for (const v of x.values) expect(v).toBeCloseTo(luma, 5);
      expect(() => toModelInputs(inputs, TABULAR)).toThrow(/big\.png is an image, but this run's model takes tabular inputs \(input shape \[2\]\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model predict - the command (local inference)', () => {
  let weights: Float32Array;
  let fake: FakeModelControl;
  let dir: string;
  const images: Uint8Array[] = [];

  beforeAll(async () => {
    weights = initialWeights(MLP, 4);
    fake = await startFakeModelControl({
      run: { runId: 'run-p', state: 'completed', model: { name: 'mlp', inputShape: [784], numClasses: 10, tensors: MLP.tensors } },
      spec: MLP,
      checkpoints: new Map([[3, weights]]),
      rounds: [],
    });
    dir = mkdtempSync(path.join(tmpdir(), 'fedlink-predict-'));
    mkdirSync(path.join(dir, 'imgs'));
    for (let i = 0; i < 3; i++) {
      const px = Uint8Array.from({ length: 784 }, (_, k) => (k * (i + 3)) % 256);
      images.push(px);
      writeFileSync(path.join(dir, 'imgs', `img-${i}.png`), encodePng(28, 28, 1, px));
    }
    writeFileSync(path.join(dir, 'imgs', 'notes.txt'), 'not an image');
    writeFileSync(path.join(dir, 'rows.csv'), `${images.map((px) => Array.from(px).join(',')).join('\n')}\n`);
  });
  afterAll(() => {
    fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What the checkpoint's model says for the images, computed here. */
  function expected(): number[][] {
    const model = buildModel(MLP);
    assignWeights(model, weights);
    const x = tf.tensor(Float32Array.from(images.flatMap((px) => Array.from(px, (v) => v / 255))), [images.length, 784]);
    const y = model.predict(x) as tf.Tensor;
    const rows = y.arraySync() as number[][];
    model.dispose();
    x.dispose();
    y.dispose();
    return rows;
  }

  it('model predict - a directory of PNGs and the same pixels as CSV rows give the checkpoint model\'s outputs, named by file and row', async () => {
    const want = expected();
    const res = await run('model', 'predict', 'run-p', '--input', path.join(dir, 'imgs'), '--coordinator', fake.address, '--json', '--top', '10');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.input)).toEqual(['img-0.png', 'img-1.png', 'img-2.png']);
    lines.forEach((l, i) => {
      expect(l).toMatchObject({ round: 3, version: sha256Hex(float32ToBytes(weights)) });
      expect(l.top).toHaveLength(10);
      for (const c of l.top) {
        expect(c.label).toBe(FASHION_MNIST_LABELS[c.index]);
        expect(c.probability).toBeCloseTo(want[i][c.index], 5);
      }
    });
    const text = await run('model', 'predict', 'run-p', '--input', path.join(dir, 'rows.csv'), '--coordinator', fake.address);
    expect(text.code, text.stderr).toBe(0);
    const top1 = want.map((r) => r.indexOf(Math.max(...r)));
    expect(text.stdout.trim().split('\n')).toEqual(top1.map((c, i) => expect.stringMatching(new RegExp(`^row ${i + 1}: ${FASHION_MNIST_LABELS[c].replace('/', '\\/')} 0\\.\\d{4}$`))));
    expect(fake.calls).toContain('ExportModel run-p -1');
  });

  it('model predict - standard input (-) is read like a file', async () => {
    const control = connectControl({ address: fake.address });
    let out = '';
    try {
      const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } };
      const stdin = (async function* () {
        yield Buffer.from(`[${Array.from(images[0]).join(',')}]\n`);
      })();
      await runPredict({ runId: 'run-p', input: '-', top: 1, json: true, remote: false, stdin }, io, control);
    } finally {
      control.close();
    }
    const want = expected()[0];
    const line = JSON.parse(out.trim());
    expect(line.input).toBe('line 1');
    expect(line.top[0].index).toBe(want.indexOf(Math.max(...want)));
  });

  it('model predict - inputs that do not fit the model, an unknown run, or a missing file are one line, non-zero', async () => {
    writeFileSync(path.join(dir, 'short.csv'), '1,2,3\n');
    const short = await run('model', 'predict', 'run-p', '--input', path.join(dir, 'short.csv'), '--coordinator', fake.address);
    expect(short.code).toBe(2);
    expect(short.stderr).toBe('fedlink: row 1 has 3 values; the model takes 784 (input shape [784])\n');
    const unknown = await run('model', 'predict', 'run-x', '--input', path.join(dir, 'rows.csv'), '--coordinator', fake.address);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('fedlink: run run-x not found\n');
    const missing = await run('model', 'predict', 'run-p', '--input', path.join(dir, 'nope.csv'), '--coordinator', fake.address);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^fedlink: cannot read --input .*nope\.csv: ENOENT\n$/);
  });
});

describe("model export and predict - a user's tabular model", () => {
  /** A 2-4-1 classifier as a user's model.json would describe it. */
  function userSpec(): ModelSpec {
    const m = tf.sequential({ layers: [tf.layers.dense({ name: 'h', units: 4, activation: 'relu', inputShape: [2] }), tf.layers.dense({ name: 'out', units: 1, activation: 'sigmoid' })] });
    const topology = JSON.stringify(m.toJSON(null, false));
    m.dispose();
    return {
      ...TABULAR, name: 'custom', topology, numClasses: 1,
      tensors: [{ name: 'h/kernel', shape: [2, 4] }, { name: 'h/bias', shape: [4] }, { name: 'out/kernel', shape: [4, 1] }, { name: 'out/bias', shape: [1] }],
    };
  }
  const weights = Float32Array.from({ length: 17 }, (_, i) => Math.sin(i + 1));

  it("user model - the export keeps its topology and its card its preprocessing; predict applies that preprocessing and names the classes", async (ctx) => {
    const spec = userSpec();
    try {
      buildModel(spec).dispose();
    } catch {
      // Building from a topology is clients/trainer/models.ts's (issue 12, model side); until it lands there is nothing to run.
      ctx.skip();
    }
    const fake = await startFakeModelControl({
      run: { runId: 'run-u', state: 'completed', model: toWireModelSpec(spec) },
      spec,
      checkpoints: new Map([[2, weights]]),
      rounds: [],
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-user-'));
    try {
      const exp = await run('model', 'export', 'run-u', '--out', path.join(dir, 'out'), '--coordinator', fake.address);
      expect(exp.code, exp.stderr).toBe(0);
      const modelJson = JSON.parse(readFileSync(path.join(dir, 'out', 'model.json'), 'utf8'));
      expect(modelJson.modelTopology).toEqual(JSON.parse(spec.topology!));
      const card = JSON.parse(readFileSync(path.join(dir, 'out', 'fedlink-model.json'), 'utf8'));
      expect(card).toMatchObject({ model: { name: 'custom', userTopology: true, outputShape: [1] }, output: 'binary', labels: ['benign', 'malignant'], preprocessing: TABULAR.preprocessing });

      writeFileSync(path.join(dir, 'rows.csv'), 'a,b,y\n3,5,benign\n-1,9,malignant\n');
      const res = await run('model', 'predict', 'run-u', '--input', path.join(dir, 'rows.csv'), '--coordinator', fake.address, '--json');
      expect(res.code, res.stderr).toBe(0);
      // b then a, (x − 1) / [2, 4]: the rows become [2, 0.5] and [4, −0.5].
      const model = buildModel(spec);
      assignWeights(model, weights);
      const p = Array.from((model.predict(tf.tensor([[2, 0.5], [4, -0.5]])) as tf.Tensor).dataSync());
      model.dispose();
      const lines = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
      lines.forEach((l, i) => {
        const [label, probability] = p[i] >= 0.5 ? ['malignant', p[i]] : ['benign', 1 - p[i]];
        expect(l.top).toEqual([{ label, index: label === 'malignant' ? 1 : 0, probability: expect.closeTo(probability, 5) }]);
      });
    } finally {
      fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
