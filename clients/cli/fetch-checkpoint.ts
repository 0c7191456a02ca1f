/**
 * A run's checkpoint as the CLI gets it (ExportModel): the float32 weights,
 * checked against their sha256, and the model spec they belong to. Shared by
 * `model export` and `model predict`.
 */
import { createHash } from 'node:crypto';
import { FedlinkError, InvalidArgumentError } from '../../common/errors';
import { fromWireObjective, fromWirePreprocessing } from '../../common/model-definition-wire';
import type { ModelSpec } from '../../common/types';
import type { ModelSpec__Output } from '../../proto/gen/fedlink/v1/ModelSpec';
import type { ControlConnection } from './control-client';

/** The export did not arrive whole (a coordinator bug or a broken stream). */
export class CorruptExportError extends FedlinkError {}

/** A checkpoint fetched and verified. */
export interface FetchedCheckpoint {
  spec: ModelSpec;
  round: number;
  /** sha256 of the weights' float32 bytes. */
  version: string;
  weights: Float32Array;
}

/** The wire ModelSpec as the domain type: a user model's topology, output shape, objective and preprocessing included. */
export function modelSpecFromWire(w: ModelSpec__Output | null | undefined, runId: string): ModelSpec {
  if (!w) throw new InvalidArgumentError(`run ${runId} came without its model spec`);
  return {
    name: w.name, inputShape: [...w.inputShape], numClasses: w.numClasses, tensors: w.tensors.map((t) => ({ name: t.name, shape: [...t.shape] })),
    ...(w.topology && { topology: w.topology }),
    ...(w.outputShape.length > 0 && { outputShape: [...w.outputShape] }),
    ...(w.objective && { objective: fromWireObjective(w.objective) }),
    ...(w.preprocessing && { preprocessing: fromWirePreprocessing(w.preprocessing) }),
  };
}

/** Fetches a checkpoint (`round` -1: the latest committed); CorruptExportError when its bytes do not match its digest. */
export async function fetchCheckpoint(control: ControlConnection, runId: string, round: number): Promise<FetchedCheckpoint> {
  let wire: ModelSpec__Output | null = null;
  let got = 0;
  let version = '';
  const parts: Buffer[] = [];
  for await (const chunk of control.exportModel(runId, round)) {
    if (chunk.header) {
      version = chunk.header.sha256;
      got = chunk.round;
      wire = chunk.model;
    }
    parts.push(chunk.data);
  }
  const bytes = Buffer.concat(parts);
  if (!wire || bytes.length % 4 !== 0 || createHash('sha256').update(bytes).digest('hex') !== version) {
    throw new CorruptExportError(`the checkpoint of run ${runId} did not arrive whole (sha256 mismatch); nothing was written`);
  }
  // A copy: Buffer.concat may hand back a slice of a shared pool, not 4-byte aligned.
  const weights = new Float32Array(bytes.length / 4);
  new Uint8Array(weights.buffer).set(bytes);
  return { spec: modelSpecFromWire(wire, runId), round: got, version, weights };
}
