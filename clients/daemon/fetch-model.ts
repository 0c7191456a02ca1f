/**
 * Downloads a global model over `Fleet.FetchModel` (a server stream of
 * chunks) and reassembles it, checking offsets, size, encoding and sha256 on
 * the way in, so a corrupt or mislabelled model never reaches the trainer.
 */
import type { Metadata } from '@grpc/grpc-js';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
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
}

function sameShapes(a: TensorShape[], b: Array<{ shape: number[] }>): boolean {
  return a.length === b.length && a.every((t, i) => t.shape.length === b[i].shape.length && t.shape.every((d, j) => d === b[i].shape[j]));
}

/** Fetches and verifies the model; rejects with InvalidArgumentError on bad data, the call's error on an rpc failure. */
export async function fetchModel(client: FleetClient, request: FetchModelRequest, options: FetchModelCallOptions): Promise<FetchedModel> {
  const { signal } = options;
  if (signal?.aborted) throw new CancelledError('model download cancelled');
  // waitForReady: a download started while the coordinator restarts waits for it instead of failing at once;
  // the task's AbortSignal (deadline, cancel, stop) bounds the wait.
  options.metadata.setOptions({ waitForReady: true });
  const call = client.FetchModel(
    { runId: request.runId, round: request.round, modelVersion: request.modelVersion, offset: 0 },
    options.metadata,
  );
  const onAbort = () => call.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  let assembler: Float32Assembler | undefined;
  let transferId = '';
  try {
    for await (const chunk of call as AsyncIterable<ModelChunk__Output>) {
      if (!assembler) {
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
        transferId = header.transferId;
        assembler = new Float32Assembler(new Float32Array(request.expectedBytes / 4), request.modelVersion);
      }
      assembler.write(chunk.offset, chunk.data);
    }
    if (!assembler) throw new InvalidArgumentError('model download ended without any chunk');
    return { weights: assembler.finish(), transferId, bytes: assembler.receivedBytes };
  } catch (err) {
    if (signal?.aborted) throw new CancelledError('model download cancelled', { cause: err });
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Stops the server stream when we bail out early (bad chunk); a no-op once it has ended.
    call.cancel();
  }
}
