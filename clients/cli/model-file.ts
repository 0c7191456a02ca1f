/**
 * A user's model as TFJS writes it — `model.save('file://dir')` in Node, or
 * `tensorflowjs_converter` from a Keras model: a model.json holding the
 * `modelTopology` and a `weightsManifest` naming the weight files beside it —
 * or a bare topology (what `model.toJSON()` returns). Read here for
 * `runs create --model <path>` and cut into UploadModel chunks.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../../common/errors';
import type { ModelUploadChunk } from '../../proto/gen/fedlink/v1/ModelUploadChunk';

/** A topology bigger than this is refused here, before the coordinator refuses it. */
const MAX_TOPOLOGY_BYTES = 1 << 20;
/** Weights per UploadModel message. */
const CHUNK_BYTES = 1 << 20;

/** A model read from disk: its label, its topology as JSON text, and its initial weights if the file names them. */
export interface ModelFile {
  name: string;
  topology: string;
  /** Float32, little endian, in the manifest's order; undefined: the coordinator initialises them. */
  weights?: Uint8Array;
  /** Names and shapes of `weights`, in that order (the coordinator reorders by name). */
  weightSpecs?: Array<{ name: string; shape: number[] }>;
}

interface ManifestGroup {
  paths: string[];
  weights: Array<{ name: string; shape: number[]; dtype?: string }>;
}

/** Reads `file`; InvalidArgumentError (one line, naming the file) for anything that is not a usable model. */
export async function readModelFile(file: string): Promise<ModelFile> {
  let text: string;
  try {
    if ((await stat(file)).size > 64 << 20) throw new InvalidArgumentError(`${file} is larger than 64 MiB: not a model.json`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`cannot read model ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null) throw new InvalidArgumentError(`${file} is not a TFJS model.json (no object)`);
  const doc = json as { modelTopology?: unknown; weightsManifest?: ManifestGroup[]; class_name?: unknown };
  const topologyValue = doc.modelTopology ?? (doc.class_name !== undefined ? doc : undefined);
  if (topologyValue === undefined) throw new InvalidArgumentError(`${file} has no modelTopology (expected what model.save() or tensorflowjs_converter writes)`);
  const topology = JSON.stringify(topologyValue);
  if (topology.length > MAX_TOPOLOGY_BYTES) throw new InvalidArgumentError(`the topology in ${file} is ${topology.length} bytes; at most ${MAX_TOPOLOGY_BYTES}`);
  const base = path.basename(file, '.json') === 'model' ? path.basename(path.dirname(path.resolve(file))) : path.basename(file, '.json');
  const name = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'model';
  const weights = doc.modelTopology !== undefined && doc.weightsManifest?.length ? await readWeights(file, doc.weightsManifest) : undefined;
  const weightSpecs = weights && doc.weightsManifest!.flatMap((g) => (g.weights ?? []).map((w) => ({ name: w.name, shape: w.shape })));
  return { name, topology, weights, ...(weightSpecs && { weightSpecs }) };
}

async function readWeights(file: string, manifest: ManifestGroup[]): Promise<Uint8Array> {
  const dir = path.dirname(file);
  const parts: Buffer[] = [];
  let expected = 0;
  for (const group of manifest) {
    for (const w of group.weights ?? []) {
      if ((w.dtype ?? 'float32') !== 'float32') throw new InvalidArgumentError(`weight ${w.name} in ${file} is ${w.dtype}; only float32 weights can be uploaded (quantised exports are not)`);
      expected += w.shape.reduce((a, b) => a * b, 1) * 4;
    }
    for (const p of group.paths ?? []) {
      const at = path.resolve(dir, p);
      if (path.relative(dir, at).startsWith('..')) throw new InvalidArgumentError(`weights path ${p} in ${file} leaves the model's directory`);
      try {
        parts.push(await readFile(at));
      } catch (err) {
        throw new InvalidArgumentError(`cannot read weights ${at} named by ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
  }
  const bytes = Buffer.concat(parts);
  if (bytes.length !== expected) throw new InvalidArgumentError(`the weight files of ${file} hold ${bytes.length} bytes; its manifest describes ${expected}`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The UploadModel messages of a model: the header, then its weights in 1 MiB chunks. */
export function uploadChunks(model: ModelFile): ModelUploadChunk[] {
  const w = model.weights;
  const header = {
    name: model.name, topology: model.topology, weightsBytes: w?.length ?? 0, weightsSha256: w ? createHash('sha256').update(w).digest('hex') : '', weightSpecs: model.weightSpecs ?? [],
  };
  const chunks: ModelUploadChunk[] = [{ header, offset: 0, data: Buffer.alloc(0) }];
  for (let off = 0; w && off < w.length; off += CHUNK_BYTES) chunks.push({ offset: off, data: w.subarray(off, off + CHUNK_BYTES) });
  return chunks;
}
