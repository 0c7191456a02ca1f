/**
 * Downloads a global model over `Fleet.FetchModel` (a server stream of
 * chunks) and reassembles it, checking offsets, size, encoding and sha256 on
 * the way in, so a corrupt or mislabelled model never reaches the trainer.
 */
import { status, type Metadata } from '@grpc/grpc-js';
import { CancelledError, FedlinkError, InvalidArgumentError } from '../../common/errors';
import type { TensorShape } from '../../common/types';
import { Float32Assembler } from '../../common/weights-codec';
import { createHash } from 'node:crypto';
import { decodeDense, encodedBytes } from '../../common/codecs';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { ModelChunk__Output } from '../../proto/gen/fedlink/v1/ModelChunk';

/** Which model to fetch and what it must look like. */
export interface FetchModelRequest {
  runId: string;
  round: number;
  /** sha256 of the model's float32 bytes; the download must hash to exactly this. */
  modelVersion: string;
  /** Size the task announced; a header claiming anything else is refused before allocating. */
  expectedBytes: number;
  /** Tensor shapes of the task's model spec, checked against the header's when it lists them. */
  tensors: TensorShape[];
  /** 'float16' asks for half the bytes (decoded here; the model is then rounded to half precision). @default 'float32' */
  encoding?: 'float32' | 'float16';
  /**
   * An array of expectedBytes / 4 values to assemble a float32 download into (its contents
   * are overwritten). A recycled one saves faulting in a fresh model-sized array, which on
   * small VMs costs as much as the transfer itself.
   */
  into?: Float32Array;
}

/** Call settings for one download. */
export interface FetchModelCallOptions {
  metadata: Metadata;
  /** Aborting cancels the call; the promise then rejects with CancelledError. */
  signal?: AbortSignal;
}

/** A verified model download. */
export interface FetchedModel {
  weights: Float32Array;
  transferId: string;
  bytes: number;
  /** How many times a broken download was resumed. */
  resumes: number;
}

function sameShapes(a: TensorShape[], b: Array<{ shape: number[] }>): boolean {
  return a.length === b.length && a.every((t, i) => t.shape.length === b[i].shape.length && t.shape.every((d, j) => d === b[i].shape[j]));
}

function intoArray(request: FetchModelRequest): Float32Array {
  const n = request.expectedBytes / 4;
  return request.into?.length === n ? request.into : new Float32Array(n);
}

/** gRPC codes after which a download is worth resuming: the link broke, not the request. */
const RETRIABLE = new Set([status.UNAVAILABLE, status.INTERNAL, status.UNKNOWN, status.DEADLINE_EXCEEDED, status.CANCELLED]);
/** Resume attempts after the first try. */
export const MAX_RESUMES = 5;

/**
 * Fetches and verifies the model; a download broken by the network resumes from the last
 * byte received (up to MAX_RESUMES times). Rejects with InvalidArgumentError on bad data,
 * the call's error on an rpc failure that resuming cannot fix.
 */
export async function fetchModel(client: FleetClient, request: FetchModelRequest, options: FetchModelCallOptions): Promise<FetchedModel> {
  const state: DownloadState = { transferId: '', resumes: 0 };
  for (;;) {
    try {
      await fetchFrom(client, request, options, state);
      if (!state.assembler) throw new InvalidArgumentError('model download ended without any chunk');
      return { weights: state.assembler.finish(), transferId: state.transferId, bytes: state.assembler.receivedBytes, resumes: state.resumes };
    } catch (err) {
      const code = (err as { code?: number }).code;
      const resumable = !options.signal?.aborted && !(err instanceof FedlinkError) && typeof code === 'number' && RETRIABLE.has(code);
      if (!resumable || state.resumes >= MAX_RESUMES) throw err;
      state.resumes++;
      // A short pause: the channel reconnects by itself, and waitForReady holds the next call until it has.
      await new Promise((r) => setTimeout(r, 100 * state.resumes));
    }
  }
}

interface DownloadState {
  assembler?: ModelAssembler;
  transferId: string;
  resumes: number;
}

/** One FetchModel call, continuing `state` from the bytes it already holds. */
async function fetchFrom(client: FleetClient, request: FetchModelRequest, options: FetchModelCallOptions, state: DownloadState): Promise<void> {
  const { signal } = options;
  if (signal?.aborted) throw new CancelledError('model download cancelled');
  // waitForReady: a download started while the coordinator restarts waits for it instead of failing at once;
  // the task's AbortSignal (deadline, cancel, stop) bounds the wait.
  const metadata = options.metadata.clone();
  metadata.setOptions({ waitForReady: true });
  const offset = state.assembler?.receivedBytes ?? 0;
  const encoding = request.encoding ?? 'float32';
  const call = client.FetchModel({ runId: request.runId, round: request.round, modelVersion: request.modelVersion, offset, encoding }, metadata);
  const onAbort = () => call.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  let first = true;
  try {
    for await (const chunk of call as AsyncIterable<ModelChunk__Output>) {
      if (first) {
        first = false;
        const header = chunk.header;
        if (!header) throw new InvalidArgumentError('first model chunk has no transfer header');
        if (header.encoding !== encoding) throw new InvalidArgumentError(`model sent as "${header.encoding}", asked for "${encoding}"`);
        // float32 bytes must hash to the version itself; an encoded broadcast carries its own sha256.
        if (encoding === 'float32' && header.sha256 !== request.modelVersion) {
          throw new InvalidArgumentError('model header sha256 does not match the task\'s model version');
        }
        const wantBytes = encoding === 'float32' ? request.expectedBytes : encodedBytes(encoding, request.expectedBytes / 4);
        if (header.totalBytes !== wantBytes) {
          throw new InvalidArgumentError(`model header announces ${header.totalBytes} bytes, expected ${wantBytes}`);
        }
        if (header.tensors.length > 0 && !sameShapes(request.tensors, header.tensors)) {
          throw new InvalidArgumentError('model header tensor shapes do not match the task\'s model spec');
        }
        state.transferId = header.transferId;
        state.assembler ??=
          encoding === 'float32'
            ? new Float32Assembler(intoArray(request), request.modelVersion)
            : new EncodedModelAssembler(encoding, request.expectedBytes / 4, header.totalBytes, header.sha256);
      }
      if (chunk.data.length > 0) state.assembler!.write(chunk.offset, chunk.data);
    }
  } catch (err) {
    if (signal?.aborted) throw new CancelledError('model download cancelled', { cause: err });
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Stops the server stream when we bail out early (bad chunk); a no-op once it has ended.
    call.cancel();
  }
}

/** What a download writes into: the float32 assembler, or the encoded one below. */
interface ModelAssembler {
  readonly receivedBytes: number;
  write(offset: number, data: Uint8Array): void;
  finish(): Float32Array;
}

/** Collects an encoded broadcast (float16), checks its sha256, decodes it to float32 weights. */
class EncodedModelAssembler implements ModelAssembler {
  private readonly bytes: Uint8Array;
  private readonly hash = createHash('sha256');
  private received = 0;

  constructor(
    private readonly encoding: string,
    private readonly parameters: number,
    totalBytes: number,
    private readonly sha256: string,
  ) {
    this.bytes = new Uint8Array(totalBytes);
  }

  get receivedBytes(): number {
    return this.received;
  }

  write(offset: number, data: Uint8Array): void {
    if (offset !== this.received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${this.received}`);
    if (offset + data.length > this.bytes.length) throw new InvalidArgumentError(`model overruns its declared size of ${this.bytes.length} bytes`);
    this.bytes.set(data, offset);
    this.hash.update(data);
    this.received += data.length;
  }

  finish(): Float32Array {
    if (this.received !== this.bytes.length) throw new InvalidArgumentError(`model ended after ${this.received} of ${this.bytes.length} bytes`);
    if (this.hash.digest('hex') !== this.sha256) throw new InvalidArgumentError('sha256 of the model download does not match its header');
    return decodeDense(this.encoding, this.bytes, this.parameters);
  }
}
