/**
 * Downloads a global model over `Fleet.FetchModel` (a server stream of
 * chunks) and reassembles it, checking offsets, size, encoding and sha256 on
 * the way in, so a corrupt or mislabelled model never reaches the trainer.
 */
import { status, type Metadata } from '@grpc/grpc-js';
import { CancelledError, FedlinkError, InvalidArgumentError } from '../../common/errors';
import type { TensorShape } from '../../common/types';
import { Float32Assembler } from '../../common/weights-codec';
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
  assembler?: Float32Assembler;
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
  const call = client.FetchModel({ runId: request.runId, round: request.round, modelVersion: request.modelVersion, offset }, metadata);
  const onAbort = () => call.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  let first = true;
  try {
    for await (const chunk of call as AsyncIterable<ModelChunk__Output>) {
      if (first) {
        first = false;
        const header = chunk.header;
        if (!header) throw new InvalidArgumentError('first model chunk has no transfer header');
        if (header.encoding !== 'float32') throw new InvalidArgumentError(`unsupported model encoding "${header.encoding}"`);
        if (header.sha256 !== request.modelVersion) {
          throw new InvalidArgumentError('model header sha256 does not match the task\'s model version');
        }
        if (header.totalBytes !== request.expectedBytes) {
          throw new InvalidArgumentError(`model header announces ${header.totalBytes} bytes, the task ${request.expectedBytes}`);
        }
        if (header.tensors.length > 0 && !sameShapes(request.tensors, header.tensors)) {
          throw new InvalidArgumentError('model header tensor shapes do not match the task\'s model spec');
        }
        state.transferId = header.transferId;
        state.assembler ??= new Float32Assembler(new Float32Array(request.expectedBytes / 4), request.modelVersion);
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
