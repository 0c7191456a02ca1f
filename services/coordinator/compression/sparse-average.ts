/**
 * Which selected clients' top-k updates a round averages per parameter (over
 * the clients that sent each parameter) rather than as dense deltas with
 * zeros elsewhere. Both sides must agree: the client drops its error-feedback
 * residual where the global model moved, which is right only when its top-k
 * values were not diluted by everybody's weight. So:
 *  - only clients that announce the 'sparse-average' feature (older daemons
 *    keep their residual, and are averaged as before);
 *  - only in rounds where every selected client sends top-k. A dense client
 *    moves every parameter, so a top-k client would drop its whole residual
 *    each round and its unsent part would be lost rather than delayed (with
 *    non-iid data, its data under-represented). With dense clients in the
 *    round, plain averaging dilutes little and the residual comes later.
 */
import { SPARSE_AVERAGE_FEATURE } from '../../../common/codecs';
import type { ClientId } from '../../../common/types';

/** Marks `sparseAverage` on the selected clients it applies to (see the file comment). */
export function markSparseAverage<T extends { clientId: ClientId; encoding: string }>(
  selected: T[],
  featuresOf: (clientId: ClientId) => string[] | undefined,
): Array<T & { sparseAverage: boolean }> {
  const allTopK = selected.length > 0 && selected.every((s) => s.encoding.startsWith('topk'));
  return selected.map((s) => ({ ...s, sparseAverage: allTopK && (featuresOf(s.clientId) ?? []).includes(SPARSE_AVERAGE_FEATURE) }));
}
