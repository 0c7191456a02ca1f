/**
 * What the dashboard reads, and nothing else: the same run manager, session
 * registry and link tracker the Control service answers from.
 */
import type { Subscription } from '../../../common/event-bus';
import type { RoundRecord, RunId, RunRecord } from '../../../common/types';
import type { ClientView } from '../fleet/client-views';
import type { RunEvent } from '../rounds/run-driver';

/** The coordinator's state as the dashboard sees it (read-only). */
export interface DashboardSource {
  /** Every run, oldest first. */
  listRuns(): Promise<RunRecord[]>;
  /** One run; NotFoundError if unknown. */
  getRun(runId: RunId): Promise<RunRecord>;
  /** Every attempt of every round of a run; NotFoundError if the run is unknown. */
  listRounds(runId: RunId): Promise<RoundRecord[]>;
  /** Every known client with its link estimate. */
  clients(): ClientView[];
  /** Changes of every run from now on. */
  runEvents(): Subscription<RunEvent>;
  /** Calls `listener` whenever a client connects, leaves or goes idle; returns the unsubscribe. */
  onFleetChange(listener: () => void): () => void;
  /** Changes of link estimates from now on (what changed does not matter: the clients view is resent). */
  linkEvents(): Subscription<unknown>;
  /** Whether runs are driven by another coordinator (an HA standby): then no run events come, and the store is followed instead. */
  standby?(): boolean;
}
