/**
 * The coordinator's state port. Backends: in memory (unit tests), local files
 * (the embedded default: a single node survives restarts), NATS JetStream
 * (KV buckets + Object Store). All pass one contract suite
 * (test/contract/store.contract.test.ts).
 */
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';

/** Persistent state of runs, rounds, clients and model versions. */
export interface Store {
  /** Backend name, for logs. */
  readonly kind: string;
  putRun(run: RunRecord): Promise<void>;
  getRun(runId: RunId): Promise<RunRecord | undefined>;
  listRuns(): Promise<RunRecord[]>;
  /** Saves a round attempt (replacing an earlier save of the same round and attempt). */
  putRound(round: RoundRecord): Promise<void>;
  /** Every attempt of every round of a run, in (round, attempt) order. */
  listRounds(runId: RunId): Promise<RoundRecord[]>;
  putClient(client: ClientRecord): Promise<void>;
  listClients(): Promise<ClientRecord[]>;
  /** Stores model weights under their version (sha256 of the float32 bytes). */
  putModel(runId: RunId, version: string, weights: Float32Array): Promise<void>;
  /** The weights of a version; a backend that finds them corrupt throws rather than return them. */
  getModel(runId: RunId, version: string): Promise<Float32Array | undefined>;
  /** Removes a version (retention); absent versions are not an error. */
  deleteModel(runId: RunId, version: string): Promise<void>;
  /** Versions stored for a run, sorted. */
  listModels(runId: RunId): Promise<string[]>;
  /** Waits for writes in flight and releases connections. */
  close(): Promise<void>;
}
