/**
 * The baseline the federated run is compared with: the same model, trained
 * centrally on the three hospitals' data together, for as many epochs as the
 * federated run's rounds × local epochs, with the same optimiser and
 * preprocessing, scored on the same test file.
 *
 *   npx tsx examples/breast-cancer/central.ts <data-dir> [--epochs 20] [--lr 0.01]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../clients/trainer/backend';
import { openData } from '../../clients/trainer/data/open-data';
import { evaluateWeights } from '../../clients/trainer/evaluate';
import { describeTopology, initialWeights } from '../../clients/trainer/models';
import { trainLocal } from '../../clients/trainer/train';
import type { Preprocessing } from '../../common/model-definition';
import type { Metrics, ModelSpec } from '../../common/types';

/** The example's model as a run of it carries it. */
export function exampleSpec(dataDir: string): ModelSpec {
  const model = JSON.parse(readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'model.json'), 'utf8')) as { modelTopology: unknown };
  const topology = JSON.stringify(model.modelTopology);
  const d = describeTopology(topology);
  const preprocessing = JSON.parse(readFileSync(path.join(dataDir, 'preprocessing.json'), 'utf8')) as Preprocessing;
  return {
    name: 'breast-cancer', inputShape: d.inputShape, numClasses: 1, tensors: d.tensors, topology, outputShape: d.outputShape, preprocessing,
    objective: { loss: 'binary-crossentropy', metrics: ['accuracy'], optimizer: { name: 'adam' } },
  };
}

/** Trains centrally on every hospital file and scores on test.csv. */
export async function trainCentrally(dataDir: string, epochs: number, learningRate: number, seed = 42): Promise<Metrics> {
  await initBackend({});
  const spec = exampleSpec(dataDir);
  const read = (file: string) => openData(`csv:${path.join(dataDir, file)}`, { preprocessing: spec.preprocessing, inputShape: spec.inputShape, loss: 'binary-crossentropy' });
  const parts = await Promise.all([1, 2, 3].map((h) => read(`hospital-${h}.csv`)));
  const features = new Float32Array(parts.reduce((n, p) => n + p.features.length, 0));
  const labels = new Float32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let f = 0;
  let l = 0;
  for (const p of parts) {
    features.set(p.features, f);
    labels.set(p.labels, l);
    f += p.features.length;
    l += p.labels.length;
  }
  const train = { ...parts[0], count: parts.reduce((n, p) => n + p.count, 0), features, labels };
  const outcome = await trainLocal({ spec, weights: initialWeights(spec, seed), data: train, config: { localEpochs: epochs, batchSize: 16, learningRate, seed } });
  return evaluateWeights(spec, outcome.weights, await read('test.csv'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const args = process.argv.slice(2);
  const flag = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const dir = args.find((a) => !a.startsWith('--') && !/^[\d.]+$/.test(a));
  if (!dir) {
    console.error('usage: npx tsx examples/breast-cancer/central.ts <data-dir> [--epochs 20] [--lr 0.01]');
    process.exit(2);
  }
  const m = await trainCentrally(dir, flag('--epochs', 20), flag('--lr', 0.01));
  console.log(`central training: test accuracy ${m.accuracy.toFixed(4)}, loss ${m.loss.toFixed(4)} on ${m.numExamples} examples`);
}
