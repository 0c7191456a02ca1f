/**
 * The TFJS "layers-model" format on disk: `model.json` (topology + weights
 * manifest) and `weights.bin`, exactly what tfjs-node's `file://` handler
 * writes, so `tf.loadLayersModel('file://…/model.json')` (tfjs-node), a web
 * server plus `tf.loadLayersModel(url)`, or `fileHandler()` below (plain
 * @tensorflow/tfjs in Node) load it.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../common/types';
import { assignWeights, buildModel } from './models';

const WEIGHTS_FILE = 'weights.bin';

/** Writes the model of `spec` with `weights` (flat float32, registry order) to `dir` as model.json + weights.bin. */
export async function writeTfjsModel(spec: ModelSpec, weights: Float32Array, dir: string): Promise<{ modelJson: string; weightsBin: string; bytes: number }> {
  const model = buildModel(spec);
  assignWeights(model, weights);
  let written = { modelJson: '', weightsBin: '', bytes: 0 };
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      await mkdir(dir, { recursive: true });
      const data = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
      };
      written = { modelJson: path.join(dir, 'model.json'), weightsBin: path.join(dir, WEIGHTS_FILE), bytes: data.byteLength };
      // Weights first, then the manifest that points at them, each via a rename: a reader never sees half a model.
      await writeFile(`${written.weightsBin}.tmp`, Buffer.from(data));
      await rename(`${written.weightsBin}.tmp`, written.weightsBin);
      await writeFile(`${written.modelJson}.tmp`, JSON.stringify(modelJson));
      await rename(`${written.modelJson}.tmp`, written.modelJson);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: data.byteLength } };
    }),
  );
  model.dispose();
  return written;
}

/** An IOHandler that loads model.json + its weight files from a directory, for `tf.loadLayersModel(fileHandler(dir))`. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const b = await readFile(path.join(dir, p));
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return { modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, weightSpecs: specs, weightData: tf.io.concatenateArrayBuffers(buffers) };
    },
  };
}
