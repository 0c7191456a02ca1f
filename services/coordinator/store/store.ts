/**
 * The coordinator's state port. The in-memory store serves the demo and tests;
 * durable backends (local files, NATS JetStream KV + Object Store) implement
 * the same interface and pass the same contract suite.
 */
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';

/** Persistent state of runs, rounds, clients and model versions. */
export interface Store {
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
  getModel(runId: RunId, version: string): Promise<Float32Array | undefined>;
}
