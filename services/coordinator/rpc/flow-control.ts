/** Backpressure for server-streaming calls: a slow reader must not make the coordinator buffer a whole model. */
import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { CancelledError } from '../../../common/errors';
import { chunks } from '../../../common/weights-codec';

/** Waits for 'drain' (or 'cancelled'), removing both listeners after, so long transfers don't pile them up. */
export async function drainOrCancel(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([once(call, 'drain', { signal: ac.signal }), once(call, 'cancelled', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}

/**
 * Streams `bytes` from offset `from` as `{ offset, data }` messages of at most
 * `chunkBytes`, the first one also carrying `head` (an empty transfer still
 * sends that one message), waiting for 'drain' whenever write() says so.
 * Throws CancelledError if the caller goes away; returns the bytes sent.
 */
export async function sendChunks<M extends object>(
  call: grpc.ServerWritableStream<unknown, M>,
  bytes: Uint8Array,
  o: { chunkBytes: number; from?: number; head: Partial<M>; onChunk?: (sent: number) => void },
): Promise<number> {
  let cancelled = false;
  call.on('cancelled', () => (cancelled = true));
  const from = o.from ?? 0;
  if (bytes.length === from) {
    call.write({ ...o.head, offset: from, data: Buffer.alloc(0) } as M);
    return 0;
  }
  let sent = 0;
  for (const [offset, data] of chunks(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), o.chunkBytes, from)) {
    if (cancelled) throw new CancelledError('transfer cancelled by the client');
    const ok = call.write((sent === 0 ? { ...o.head, offset, data } : { offset, data }) as M);
    sent += data.length;
    o.onChunk?.(sent);
    if (!ok) await drainOrCancel(call);
  }
  return sent;
}
