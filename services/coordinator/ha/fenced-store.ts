/**
 * A Store that only writes while this coordinator holds the leader lease.
 * Every write (put, delete, enrollment take, audit append) checks the lease
 * first (its validity ends before any other coordinator could acquire it, see
 * leader-lease.ts), so a leader that
 * lost its lease, however it learns of it, cannot overwrite its successor's
 * state. Reads pass through: a standby serves them from the shared store.
 */
import { FailedPreconditionError } from '../../../common/errors';
import type { Store } from '../store/store';

/** What the fence asks of the lease. */
export interface Fence {
  readonly held: boolean;
}

/** Refused write: this coordinator is not (or no longer) the leader. */
export class FencedError extends FailedPreconditionError {}

/** Wraps `store` so writes need `fence.held`. */
export function fencedStore(store: Store, fence: Fence): Store {
  const guard = <A extends unknown[], R>(write: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
    if (!fence.held) return Promise.reject(new FencedError('this coordinator does not hold the leader lease: state write refused'));
    return write(...args);
  };
  return {
    kind: store.kind,
    putRun: guard((r) => store.putRun(r)),
    putRound: guard((r) => store.putRound(r)),
    putClient: guard((c) => store.putClient(c)),
    putModel: guard((id, v, w) => store.putModel(id, v, w)),
    deleteModel: guard((id, v) => store.deleteModel(id, v)),
    deleteClient: guard((id) => store.deleteClient(id)),
    putEnrollment: guard((e) => store.putEnrollment(e)),
    takeEnrollment: guard((hash, atMs) => store.takeEnrollment(hash, atMs)),
    putRevocation: guard((r) => store.putRevocation(r)),
    appendAudit: guard((e) => store.appendAudit(e)),
    getRun: (id) => store.getRun(id),
    listRuns: () => store.listRuns(),
    listRunIds: () => store.listRunIds(),
    listRounds: (id) => store.listRounds(id),
    listClients: () => store.listClients(),
    getModel: (id, v) => store.getModel(id, v),
    listModels: (id) => store.listModels(id),
    listRevocations: () => store.listRevocations(),
    listAudit: (limit) => store.listAudit(limit),
    close: () => store.close(),
  };
}
