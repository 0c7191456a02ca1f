/**
 * Models users upload for their runs (UploadModel): a TFJS Layers topology and,
 * optionally, initial weights, validated before anything is built from them,
 * and held until a CreateRun names the upload (or its time runs out). A run
 * copies what it needs into its own record and checkpoint 0, so an upload is
 * short-lived and never persisted.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../../common/clock';
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../../common/errors';
import type { ModelSpec, TensorShape } from '../../../common/types';

/** What the validator makes of a topology (services/coordinator/model/validate-topology.ts). */
export interface TopologyInfo {
  inputShape: number[];
  outputShape: number[];
  tensors: TensorShape[];
  parameterCount: number;
}

/** One message of an upload, as the rpc edge hands it over. */
export interface UploadPiece {
  header?: { name: string; topology: string; weightsBytes: number; weightsSha256: string; weightSpecs?: TensorShape[] };
  offset: number;
  data: Uint8Array;
}

/** A validated upload. */
export interface UploadedModel {
  id: string;
  /** The spec a run of it carries (name, shapes, tensors, topology). */
  spec: ModelSpec;
  /** Initial weights as uploaded; undefined: initialised from the run's seed. */
  weights?: Float32Array;
  parameterCount: number;
  expiresAtMs: number;
}

/** Options of {@link ModelUploads}. */
export interface ModelUploadsOptions {
  clock: Clock;
  /** Checks a topology and describes it; rejects with InvalidArgumentError naming the problem. */
  describe: (topology: string) => TopologyInfo | Promise<TopologyInfo>;
  /** Largest initial weights accepted, bytes. */
  maxWeightsBytes: number;
  /** How long an upload waits for its run, ms. @default 10 minutes */
  ttlMs?: number;
  /** Uploads held at once; past it the oldest is forgotten. @default 8 */
  maxUploads?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Weight names as TFJS and Keras write them differ in a prefix ("dense_1/kernel" vs "model/dense_1/kernel"): compare the last two parts. */
const key = (name: string) => name.split('/').slice(-2).join('/');

/**
 * `values`, sent in the order `sent` names, rearranged into the model's order `model` (getWeights order:
 * TFJS lists trainable weights first, Keras layer by layer). By name; an empty `sent` means already in order.
 */
function inModelOrder(values: Float32Array, sent: readonly TensorShape[], model: readonly TensorShape[]): Float32Array {
  if (sent.length === 0) return values;
  if (sent.length !== model.length) throw new InvalidArgumentError(`the upload names ${sent.length} weight tensors, the topology has ${model.length}`);
  const offsets = new Map<string, { at: number; t: TensorShape }>();
  let at = 0;
  for (const t of sent) {
    offsets.set(key(t.name), { at, t });
    at += size(t.shape);
  }
  if (at !== values.length) throw new InvalidArgumentError(`the named weight tensors hold ${at} values, the upload ${values.length}`);
  const out = new Float32Array(values.length);
  let to = 0;
  for (const t of model) {
    const from = offsets.get(key(t.name));
    if (!from) throw new InvalidArgumentError(`the uploaded weights have no tensor ${t.name} (named: ${[...offsets.keys()].slice(0, 8).join(', ')}…)`);
    if (JSON.stringify(from.t.shape) !== JSON.stringify(t.shape)) throw new InvalidArgumentError(`uploaded weight ${from.t.name} has shape [${from.t.shape}], the model's ${t.name} [${t.shape}]`);
    out.set(values.subarray(from.at, from.at + size(t.shape)), to);
    to += size(t.shape);
  }
  return out;
}

/** The uploads waiting for their runs. */
export class ModelUploads {
  private readonly uploads = new Map<string, UploadedModel>();

  constructor(private readonly o: ModelUploadsOptions) {}

  /** Reads one upload to its end, validates it and keeps it; rejects with InvalidArgumentError (or ResourceExhaustedError for size). */
  async receive(pieces: AsyncIterable<UploadPiece>): Promise<UploadedModel> {
    let header: UploadPiece['header'];
    let info: TopologyInfo | undefined;
    let weights: Uint8Array | undefined;
    let received = 0;
    const hash = createHash('sha256');
    for await (const p of pieces) {
      if (!header) {
        if (!p.header) throw new InvalidArgumentError('the first message of an upload must carry its header');
        header = p.header;
        if (!NAME.test(header.name)) throw new InvalidArgumentError(`model name "${header.name.slice(0, 64)}" must be 1-64 letters, digits, ".", "_" or "-"`);
        info = await this.o.describe(header.topology);
        const wantBytes = Number(header.weightsBytes);
        if (wantBytes > 0) {
          if (wantBytes !== info.parameterCount * 4) {
            throw new InvalidArgumentError(`the topology has ${info.parameterCount} parameters (${info.parameterCount * 4} bytes of float32), the upload declares ${wantBytes} bytes of weights`);
          }
          if (wantBytes > this.o.maxWeightsBytes) throw new ResourceExhaustedError(`initial weights of ${wantBytes} bytes exceed the limit of ${this.o.maxWeightsBytes}`);
          weights = new Uint8Array(wantBytes);
        }
      } else if (p.header) throw new InvalidArgumentError('an upload carries one header, in its first message');
      if (p.data.length === 0) continue;
      if (!weights) throw new InvalidArgumentError('weight bytes sent for an upload that declared none');
      if (Number(p.offset) !== received) throw new InvalidArgumentError(`weights chunk at offset ${p.offset}, expected ${received}`);
      if (received + p.data.length > weights.length) throw new InvalidArgumentError(`weights overrun their declared ${weights.length} bytes`);
      weights.set(p.data, received);
      hash.update(p.data);
      received += p.data.length;
    }
    if (!header || !info) throw new InvalidArgumentError('the upload ended before its header');
    if (weights) {
      if (received !== weights.length) throw new InvalidArgumentError(`the upload ended after ${received} of ${weights.length} weight bytes`);
      if (hash.digest('hex') !== header.weightsSha256) throw new InvalidArgumentError('sha256 of the uploaded weights does not match its header');
    }
    const values = weights && inModelOrder(new Float32Array(weights.buffer, weights.byteOffset, weights.length / 4), header.weightSpecs ?? [], info.tensors);
    if (values && !values.every(Number.isFinite)) throw new InvalidArgumentError('the uploaded weights hold NaN or ±Inf');
    const id = `model-${createHash('sha256').update(header.topology).update(weights ?? new Uint8Array()).digest('hex').slice(0, 24)}`;
    const spec: ModelSpec = {
      name: header.name,
      inputShape: info.inputShape,
      numClasses: info.outputShape.reduce((a, b) => a * b, 1),
      tensors: info.tensors,
      topology: header.topology,
      outputShape: info.outputShape,
    };
    const upload: UploadedModel = { id, spec, weights: values, parameterCount: info.parameterCount, expiresAtMs: this.o.clock.now() + (this.o.ttlMs ?? 600_000) };
    this.expire();
    this.uploads.delete(id);
    this.uploads.set(id, upload);
    while (this.uploads.size > (this.o.maxUploads ?? 8)) this.uploads.delete(this.uploads.keys().next().value!);
    return upload;
  }

  /** The upload `id`; NotFoundError once unknown or expired. */
  get(id: string): UploadedModel {
    this.expire();
    const u = this.uploads.get(id);
    if (!u) throw new NotFoundError(`model upload ${id.slice(0, 64)} not found (uploads are kept ${Math.round((this.o.ttlMs ?? 600_000) / 60_000)} min; upload it again)`);
    return u;
  }

  private expire(): void {
    const now = this.o.clock.now();
    for (const [id, u] of this.uploads) if (u.expiresAtMs <= now) this.uploads.delete(id);
  }
}
