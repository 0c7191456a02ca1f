/**
 * The coordinator's state port. Backends: in memory (unit tests), local files
 * (the embedded default: a single node survives restarts), NATS JetStream
 * (KV buckets + Object Store). All pass one contract suite
 * (test/contract/store.contract.test.ts).
 */
import type { AuditRecord, EnrollmentRecord, RevocationRecord } from '../../../common/auth-records';
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';

/** How many audit entries a store keeps: the newest ones; older ones are dropped as new ones arrive. */
export const AUDIT_RETENTION = 100_000;

/** Options every backend takes besides its location. */
export interface StoreOptions {
  /** Audit entries kept (tests shrink it to see old entries go). @default AUDIT_RETENTION */
  auditRetention?: number;
}

/** Persistent state of runs, rounds, clients, model versions, enrollments, revocations and the audit log. */
export interface Store {
  /** Backend name, for logs. */
  readonly kind: string;
  putRun(run: RunRecord): Promise<void>;
  getRun(runId: RunId): Promise<RunRecord | undefined>;
  listRuns(): Promise<RunRecord[]>;
  /** The ids of every stored run, sorted, without reading the records (recovery reads them one by one, so one unreadable record cannot hide the others). */
  listRunIds(): Promise<RunId[]>;
  /** Saves a round attempt (replacing an earlier save of the same round and attempt). */
  putRound(round: RoundRecord): Promise<void>;
  /** Every attempt of every round of a run, in (round, attempt) order. */
  listRounds(runId: RunId): Promise<RoundRecord[]>;
  putClient(client: ClientRecord): Promise<void>;
  listClients(): Promise<ClientRecord[]>;
  /** Forgets a client record (absent: not an error). */
  deleteClient(clientId: string): Promise<void>;
  /** Stores model weights under their version (sha256 of the float32 bytes). */
  putModel(runId: RunId, version: string, weights: Float32Array): Promise<void>;
  /** The weights of a version; a backend that finds them corrupt throws rather than return them. */
  getModel(runId: RunId, version: string): Promise<Float32Array | undefined>;
  /** Removes a version (retention); absent versions are not an error. */
  deleteModel(runId: RunId, version: string): Promise<void>;
  /** Versions stored for a run, sorted. */
  listModels(runId: RunId): Promise<string[]>;
  /** Saves an enrollment token (by its hash); a token hash once used stays used. */
  putEnrollment(e: EnrollmentRecord): Promise<void>;
  /**
   * Marks the enrollment with this token hash used (at atMs) and returns it as
   * it was before; undefined when unknown or already used. Expiry is the
   * caller's to check. Atomic: two concurrent takes of one token never both
   * succeed, even from two coordinator processes.
   */
  takeEnrollment(tokenHash: string, atMs: number): Promise<EnrollmentRecord | undefined>;
  /** Saves a revocation; one per client, a later one replaces it. */
  putRevocation(r: RevocationRecord): Promise<void>;
  /** Every revocation, oldest first. */
  listRevocations(): Promise<RevocationRecord[]>;
  /** Appends; the store keeps the newest AUDIT_RETENTION (100,000) entries. */
  appendAudit(e: AuditRecord): Promise<void>;
  /** Newest first (in the order they were appended), at most limit. */
  listAudit(limit: number): Promise<AuditRecord[]>;
  /** Waits for writes in flight and releases connections. */
  close(): Promise<void>;
}
