/**
 * Uploads trained weights over `Fleet.PushUpdate` (a client stream): header
 * and task identity on the first chunk, then offset-tagged chunks, honouring
 * backpressure so a large update never buffers whole in memory twice.
 *
 * Two kinds of update: the new weights as raw little-endian float32 (header
 * encoding 'float32', no codec header: what a task without an update encoding
 * gets), or a payload already encoded by `common/codecs` (a delta from the
 * global model, header encoding its name, chunks any byte slices of it).
 *
 * Integrity, for a coordinator that offers it (Welcome feature 'chunk-xxh64'):
 * an XXH64 digest on every chunk, seeded with its offset, checked by the
 * coordinator before it keeps the chunk; otherwise the sha256 of the whole in
 * the header, checked at the end (docs/aggregation.md, "The per-chunk check").
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { chunkCheckAvailable, chunkDigest, XXH64_CHUNK_DIGEST } from '../../common/chunk-check/chunk-checker';
import { CancelledError, InvalidArgumentError } from '../../common/errors';
import type { TensorShape } from '../../common/types';
import { chunks, DEFAULT_CHUNK_BYTES, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { PushUpdateResponse__Output } from '../../proto/gen/fedlink/v1/PushUpdateResponse';
import type { UpdateChunk } from '../../proto/gen/fedlink/v1/UpdateChunk';
import { toWireTensors } from './wire';

/** An update already encoded by `encodeUpdate`, uploaded as its bytes. */
export interface EncodedUpdate {
  payload: Uint8Array;
  /** Canonical encoding name, as `formatEncoding` writes it; goes in the transfer header. */
  encoding: string;
}

/** One update to upload, and the task it answers: exactly one of `weights` and `encoded`. */
export type PushUpdateRequest = PushUpdateBase & ({ weights: Float32Array; encoded?: undefined } | { encoded: EncodedUpdate; weights?: undefined });

interface PushUpdateBase {
  taskId: string;
  runId: string;
  round: number;
  numExamples: number;
  tensors: TensorShape[];
  /** Largest chunk the coordinator accepts (its Welcome.max_chunk_bytes); 0 means no preference. */
  maxChunkBytes?: number;
  /** Prove each chunk with an XXH64 digest instead of the sha256 of the whole: only when the coordinator's Welcome offers 'chunk-xxh64'. @default false */
  chunkDigests?: boolean;
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
  /** The sha256 of the whole update; empty when its chunks carried digests instead. */
  sha256: string;
  /** How many times a broken upload was resumed. */
  resumes: number;
}

/** Chunk size for an upload: the smaller of the coordinator's limit and ours, whole float32 values. */
export function uploadChunkBytes(maxChunkBytes = 0): number {
  const limit = maxChunkBytes > 0 ? Math.min(maxChunkBytes, DEFAULT_CHUNK_BYTES) : DEFAULT_CHUNK_BYTES;
  return Math.max(4, limit - (limit % 4));
}

/**
 * An upload chunk should take at most about this long on the uplink: the
 * coordinator keeps a chunk only once all of it is in, so a reset loses up to
 * one chunk (1 MiB is 17 s at 0.5 Mbit/s).
 */
export const CHUNK_SECONDS = 2;
/** Smallest chunk a slow uplink is given, so per-chunk costs stay negligible. */
export const MIN_LINK_CHUNK_BYTES = 64 * 1024;

/** The upload chunk size: uploadChunkBytes, lowered to about CHUNK_SECONDS of the measured uplink when one is known. */
export function chunkBytesForLink(maxChunkBytes: number, upMbps: number | undefined): number {
  const limit = uploadChunkBytes(maxChunkBytes);
  if (upMbps === undefined || !(upMbps > 0)) return limit;
  const fit = Math.floor(((upMbps * 1e6) / 8) * CHUNK_SECONDS);
  return uploadChunkBytes(Math.min(limit, Math.max(MIN_LINK_CHUNK_BYTES, fit)));
}

/** gRPC codes after which an upload is worth resuming: the link broke, not the request. */
const RETRIABLE = new Set([status.UNAVAILABLE, status.INTERNAL, status.UNKNOWN, status.CANCELLED, status.DEADLINE_EXCEEDED]);
/** Resume attempts after the first try. */
export const MAX_UPLOAD_RESUMES = 5;

/**
 * Uploads the weights; an upload broken by the network resumes where the
 * coordinator's copy ends (QueryUpdate), same transfer id, up to
 * MAX_UPLOAD_RESUMES times. Rejects with the call's error (carrying its gRPC
 * status) if the coordinator refuses the update.
 */
export async function pushUpdate(client: FleetClient, request: PushUpdateRequest, options: PushUpdateCallOptions): Promise<PushedUpdate> {
  const upload = prepareUpload(request);
  const { bytes } = upload;
  let from = 0;
  for (;;) {
    try {
      const res = await pushFrom(client, request, options, upload, from);
      if (res.receivedBytes !== bytes.length) {
        throw new InvalidArgumentError(`coordinator acknowledged ${res.receivedBytes} of ${bytes.length} update bytes`);
      }
      // The coordinator echoes our id; should it ever name the transfer itself, its name is what a result must cite.
      return { transferId: res.transferId || upload.transferId, receivedBytes: res.receivedBytes, sha256: upload.sha256, resumes: upload.resumes };
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (options.signal?.aborted || typeof code !== 'number' || !RETRIABLE.has(code) || upload.resumes >= MAX_UPLOAD_RESUMES) throw err;
      upload.resumes++;
      await new Promise((r) => setTimeout(r, 100 * upload.resumes));
      from = await resumeOffset(client, request, options, upload).catch(() => 0);
    }
  }
}

interface Upload {
  bytes: Buffer;
  encoding: string;
  /** Raw float32 weights resume at a whole value; an encoded payload at any byte. */
  align: number;
  /** Empty with chunk digests. */
  sha256: string;
  /** '' or 'xxh64' (TransferHeader.chunk_digest). */
  chunkDigest: string;
  transferId: string;
  resumes: number;
}

function prepareUpload(request: PushUpdateRequest): Upload {
  let bytes: Buffer;
  let encoding: string;
  let align: number;
  if (request.encoded) {
    const { payload } = request.encoded;
    bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    encoding = request.encoded.encoding;
    align = 1;
  } else if (request.weights) {
    bytes = float32ToBytes(request.weights);
    encoding = 'float32';
    align = 4;
  } else {
    throw new InvalidArgumentError('an update needs weights or an encoded payload');
  }
  // Without wasm the digests cannot be computed here: the sha256 of the whole still works everywhere.
  const digests = request.chunkDigests === true && chunkCheckAvailable();
  return { bytes, encoding, align, sha256: digests ? '' : sha256Hex(bytes), chunkDigest: digests ? XXH64_CHUNK_DIGEST : '', transferId: randomUUID(), resumes: 0 };
}

/** Where to continue: the bytes the coordinator kept for this transfer (for raw weights rounded down to a whole value). */
async function resumeOffset(client: FleetClient, request: PushUpdateRequest, options: PushUpdateCallOptions, upload: Upload): Promise<number> {
  const metadata = options.metadata.clone();
  metadata.setOptions({ waitForReady: true });
  const res = await new Promise<{ receivedBytes: number }>((resolve, reject) =>
    client.QueryUpdate({ runId: request.runId, round: request.round, taskId: request.taskId, transferId: upload.transferId }, metadata, { deadline: Date.now() + 10_000 }, (err, r) =>
      err ? reject(err) : resolve(r as { receivedBytes: number }),
    ),
  );
  const received = Math.min(Number(res.receivedBytes), upload.bytes.length);
  return received - (received % upload.align);
}

/** One PushUpdate call sending the update from byte `from` on (the header always goes first). */
async function pushFrom(client: FleetClient, request: PushUpdateRequest, options: PushUpdateCallOptions, upload: Upload, from: number): Promise<PushUpdateResponse__Output> {
  const { signal } = options;
  if (signal?.aborted) throw new CancelledError('update upload cancelled');
  const { bytes, sha256, transferId } = upload;
  // Settles when the call does, whichever side ends it; writing stops as soon as it has.
  const finished = new AbortController();
  const response = new Promise<PushUpdateResponse__Output>((resolve, reject) => {
    // waitForReady: an upload finishing while the coordinator restarts waits for it (bounded by the task's signal).
    const metadata = options.metadata.clone();
    metadata.setOptions({ waitForReady: true });
    const call = client.PushUpdate(metadata, (err: ServiceError | null, res?: PushUpdateResponse__Output) => {
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
    const header = { transferId, encoding: upload.encoding, totalBytes: bytes.length, sha256, chunkDigest: upload.chunkDigest, tensors: toWireTensors(request.tensors) };
    const meta = { taskId: request.taskId, runId: request.runId, round: request.round, numExamples: request.numExamples };
    let first = true;
    // The header always goes out, even with no data left to send (an empty model, or a resume that found everything there).
    const pieces: Iterable<[number, Buffer]> = from < bytes.length ? chunks(bytes, uploadChunkBytes(request.maxChunkBytes), from) : [[from, Buffer.alloc(0)]];
    for (const [offset, data] of pieces) {
      if (finished.signal.aborted) return;
      const message: UpdateChunk = first ? { header, meta, offset, data } : { offset, data };
      if (upload.chunkDigest) message.xxh64 = chunkDigest(data, offset);
      first = false;
      if (!call.write(message)) {
        // Waits for the transport to take more; gives up if the call ends meanwhile (drain would never come).
        await once(call, 'drain', { signal: finished.signal }).catch(() => undefined);
      }
    }
    if (!finished.signal.aborted) call.end();
  }

  return response;
}
