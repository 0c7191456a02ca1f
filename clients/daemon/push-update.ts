/**
 * Uploads trained weights over `Fleet.PushUpdate` (a client stream): header
 * and task identity on the first chunk, then offset-tagged chunks, honouring
 * backpressure so a large update never buffers whole in memory twice.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
import type { TensorShape } from '../../common/types';
import { chunks, DEFAULT_CHUNK_BYTES, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { PushUpdateResponse__Output } from '../../proto/gen/fedlink/v1/PushUpdateResponse';
import type { UpdateChunk } from '../../proto/gen/fedlink/v1/UpdateChunk';
import { toWireTensors } from './wire';

/** One update to upload, and the task it answers. */
export interface PushUpdateRequest {
  taskId: string;
  runId: string;
  round: number;
  numExamples: number;
  weights: Float32Array;
  tensors: TensorShape[];
  /** Largest chunk the coordinator accepts (its Welcome.max_chunk_bytes); 0 means no preference. */
  maxChunkBytes?: number;
}

/** Call settings for one upload. */
export interface PushUpdateCallOptions {
  metadata: Metadata;
  /** Aborting cancels the call; the promise then rejects with CancelledError. */
  signal?: AbortSignal;
}

/** What the coordinator acknowledged. */
export interface PushedUpdate {
  transferId: string;
  receivedBytes: number;
  sha256: string;
}

/** Chunk size for an upload: the smaller of the coordinator's limit and ours, whole float32 values. */
export function uploadChunkBytes(maxChunkBytes = 0): number {
  const limit = maxChunkBytes > 0 ? Math.min(maxChunkBytes, DEFAULT_CHUNK_BYTES) : DEFAULT_CHUNK_BYTES;
  return Math.max(4, limit - (limit % 4));
}

/** Uploads the weights; rejects with the call's error (carrying its gRPC status) if the coordinator refuses them. */
export async function pushUpdate(client: FleetClient, request: PushUpdateRequest, options: PushUpdateCallOptions): Promise<PushedUpdate> {
  const { signal } = options;
  if (signal?.aborted) throw new CancelledError('update upload cancelled');
  const bytes = float32ToBytes(request.weights);
  const sha256 = sha256Hex(bytes);
  const transferId = randomUUID();
  // Settles when the call does, whichever side ends it; writing stops as soon as it has.
  const finished = new AbortController();
  const response = new Promise<PushUpdateResponse__Output>((resolve, reject) => {
    // waitForReady: an upload finishing while the coordinator restarts waits for it (bounded by the task's signal).
    options.metadata.setOptions({ waitForReady: true });
    const call = client.PushUpdate(options.metadata, (err: ServiceError | null, res?: PushUpdateResponse__Output) => {
      finished.abort();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(signal?.aborted ? new CancelledError('update upload cancelled', { cause: err }) : err);
      else resolve(res as PushUpdateResponse__Output);
    });
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    void writeAll(call).catch(() => {
      // A failed write means the call is over; its callback reports why.
      call.cancel();
    });
  });

  async function writeAll(call: { write(msg: UpdateChunk): boolean; end(): void } & NodeJS.EventEmitter): Promise<void> {
    const header = { transferId, encoding: 'float32', totalBytes: bytes.length, sha256, tensors: toWireTensors(request.tensors) };
    const meta = { taskId: request.taskId, runId: request.runId, round: request.round, numExamples: request.numExamples };
    let first = true;
    // An empty model still needs its header, so the first message goes out even with no data.
    const pieces: Iterable<[number, Buffer]> = bytes.length > 0 ? chunks(bytes, uploadChunkBytes(request.maxChunkBytes)) : [[0, Buffer.alloc(0)]];
    for (const [offset, data] of pieces) {
      if (finished.signal.aborted) return;
      const message: UpdateChunk = first ? { header, meta, offset, data } : { offset, data };
      first = false;
      if (!call.write(message)) {
        // Waits for the transport to take more; gives up if the call ends meanwhile (drain would never come).
        await once(call, 'drain', { signal: finished.signal }).catch(() => undefined);
      }
    }
    if (!finished.signal.aborted) call.end();
  }

  const res = await response;
  if (res.receivedBytes !== bytes.length) {
    throw new InvalidArgumentError(`coordinator acknowledged ${res.receivedBytes} of ${bytes.length} update bytes`);
  }
  // The coordinator echoes our id; should it ever name the transfer itself, its name is what a result must cite.
  return { transferId: res.transferId || transferId, receivedBytes: res.receivedBytes, sha256 };
}
