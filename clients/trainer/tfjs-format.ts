/**
 * The TFJS "layers-model" format on disk: `model.json` (topology + weights
 * manifest) and `weights.bin`, exactly what tfjs-node's `file://` handler
 * writes, plus fedlink's model card when there is one.
 *
 * Loading it back in Node with plain @tensorflow/tfjs (no tfjs-node): the
 * `file://` scheme is registered by tfjs-node alone, and `tf.io.browserFiles`
 * needs browser File objects, so read the two files with fs and hand them to
 * `tf.io.fromMemory` — what {@link loadExportedModel} does, and what
 * docs/serving.md shows in ten lines for programs without fedlink.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FedlinkError } from '../../common/errors';
import { makeDir } from '../../common/make-dir';
import type { ModelSpec } from '../../common/types';
import { assignWeights, buildModel } from './models';

/** The files an export directory holds. */
export const EXPORT_FILES = { modelJson: 'model.json', weightsBin: 'weights.bin', card: 'fedlink-model.json' } as const;

/** The model could not be written (no such directory, no permission, disk full): the message is the line to print. */
export class ModelWriteError extends FedlinkError {}

/** The export directory does not hold a readable model. */
export class ModelReadError extends FedlinkError {}

/** Where the files went. */
export interface WrittenModel {
  modelJson: string;
  weightsBin: string;
  /** The model card, when one was given. */
  card?: string;
  /** Bytes of weights.bin. */
  bytes: number;
}

/** The model.json document. */
function modelJsonOf(spec: ModelSpec, artifacts: tf.io.ModelArtifacts): tf.io.ModelJSON {
  return {
    // A user's model keeps the topology it was uploaded with, word for word.
    modelTopology: spec.topology !== undefined ? (JSON.parse(spec.topology) as tf.io.ModelJSON['modelTopology']) : artifacts.modelTopology!,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy!,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${EXPORT_FILES.weightsBin}`], weights: artifacts.weightSpecs ?? [] }],
  };
}

/** Writes `bytes` to `file` via a temporary file and a rename: a reader never sees half of it. */
async function replaceFile(file: string, bytes: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes the model of `spec` with `weights` (flat float32, registry order) to
 * `dir` as model.json + weights.bin (+ the card as fedlink-model.json). Every
 * file-system failure is a ModelWriteError with one line naming the path.
 */
export async function writeTfjsModel(spec: ModelSpec, weights: Float32Array, dir: string, options: { card?: unknown } = {}): Promise<WrittenModel> {
  const model = buildModel(spec);
  let artifacts: tf.io.ModelArtifacts = {};
  try {
    assignWeights(model, weights);
    // Serialised in memory first: nothing touches the disk until the model is known to be whole.
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  const data = artifacts.weightData instanceof ArrayBuffer ? artifacts.weightData : tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer[]);
  const written: WrittenModel = {
    modelJson: path.join(dir, EXPORT_FILES.modelJson),
    weightsBin: path.join(dir, EXPORT_FILES.weightsBin),
    ...(options.card !== undefined && { card: path.join(dir, EXPORT_FILES.card) }),
    bytes: data.byteLength,
  };
  try {
    await makeDir(dir);
    // Weights first, then the manifest that points at them, then the card that describes both.
    await replaceFile(written.weightsBin, new Uint8Array(data));
    await replaceFile(written.modelJson, JSON.stringify(modelJsonOf(spec, artifacts)));
    if (written.card) await replaceFile(written.card, `${JSON.stringify(options.card, null, 2)}\n`);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelWriteError(`cannot write the model to ${dir}: ${e.code ? `${e.code} ${e.path ?? ''}`.trim() : e.message}`, { cause: err });
  }
  return written;
}

/** An IOHandler that loads model.json + its weight files from a directory, for `tf.loadLayersModel(fileHandler(dir))`. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(path.join(dir, EXPORT_FILES.modelJson), 'utf8')) as tf.io.ModelJSON;
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

/**
 * Loads an export directory (what `fedlink model export` wrote) with plain
 * @tensorflow/tfjs in Node — no tfjs-node, no web server. The caller owns the
 * model (dispose it).
 */
export async function loadExportedModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileHandler(dir));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelReadError(`cannot load the model in ${dir}: ${e.code ? `${e.code} ${e.path ?? ''}`.trim() : e.message}`, { cause: err });
  }
}

/** Reads the model card of an export directory. */
export async function readModelCard(dir: string): Promise<unknown> {
  const file = path.join(dir, EXPORT_FILES.card);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new ModelReadError(`cannot read the model card ${file}: ${(err as Error).message}`, { cause: err });
  }
}
