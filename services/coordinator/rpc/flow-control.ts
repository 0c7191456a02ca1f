/** Backpressure for server-streaming calls: a slow reader must not make the coordinator buffer a whole model. */
import { once } from 'node:events';
import type * as grpc from '@grpc/grpc-js';

/** Waits for 'drain' (or 'cancelled'), removing both listeners after, so long transfers don't pile them up. */
export async function drainOrCancel(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
  const ac = new AbortController();
  try {
    await Promise.race([once(call, 'drain', { signal: ac.signal }), once(call, 'cancelled', { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}
