/** In-memory Store: the embedded default when no durable backend is configured. */
import type { AuditRecord, EnrollmentRecord, RevocationRecord } from '../../../common/auth-records';
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';
import { versionedBytes } from './model-bytes';
import { AUDIT_RETENTION, type Store, type StoreOptions } from './store';

/** Keeps everything in process memory; copies on the way in and out so callers can't alias state. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly runs = new Map<RunId, RunRecord>();
  private readonly rounds = new Map<RunId, Map<string, RoundRecord>>();
  private readonly clients = new Map<string, ClientRecord>();
  private readonly models = new Map<string, Float32Array>();
  private readonly enrollments = new Map<string, EnrollmentRecord>();
  private readonly revocations = new Map<string, RevocationRecord>();
  /** Oldest first; may briefly hold more than the retention (trimmed in batches, not on every append). */
  private audit: AuditRecord[] = [];
  private readonly auditRetention: number;

  constructor(options: StoreOptions = {}) {
    this.auditRetention = options.auditRetention ?? AUDIT_RETENTION;
  }

  async putRun(run: RunRecord): Promise<void> {
    this.runs.set(run.runId, structuredClone(run));
  }

  async getRun(runId: RunId): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run && structuredClone(run);
  }

  async listRuns(): Promise<RunRecord[]> {
    return [...this.runs.values()].sort((a, b) => a.createdAtMs - b.createdAtMs).map((r) => structuredClone(r));
  }

  async listRunIds(): Promise<RunId[]> {
    return [...this.runs.keys()].sort();
  }

  async putRound(round: RoundRecord): Promise<void> {
    let byKey = this.rounds.get(round.runId);
    if (!byKey) this.rounds.set(round.runId, (byKey = new Map()));
    byKey.set(`${round.round}/${round.attempt}`, structuredClone(round));
  }

  async listRounds(runId: RunId): Promise<RoundRecord[]> {
    const all = [...(this.rounds.get(runId)?.values() ?? [])];
    return all.sort((a, b) => a.round - b.round || a.attempt - b.attempt).map((r) => structuredClone(r));
  }

  async putClient(client: ClientRecord): Promise<void> {
    this.clients.set(client.clientId, structuredClone(client));
  }

  async listClients(): Promise<ClientRecord[]> {
    return [...this.clients.values()].sort((a, b) => a.clientId.localeCompare(b.clientId)).map((c) => structuredClone(c));
  }

  async deleteClient(clientId: string): Promise<void> {
    this.clients.delete(clientId);
  }

  async putEnrollment(e: EnrollmentRecord): Promise<void> {
    const used = this.enrollments.get(e.tokenHash)?.usedAtMs;
    this.enrollments.set(e.tokenHash, structuredClone(used === undefined ? e : { ...e, usedAtMs: used }));
  }

  async takeEnrollment(tokenHash: string, atMs: number): Promise<EnrollmentRecord | undefined> {
    // No await between the check and the mark: atomic on the event loop.
    const e = this.enrollments.get(tokenHash);
    if (!e || e.usedAtMs !== undefined) return undefined;
    this.enrollments.set(tokenHash, { ...e, usedAtMs: atMs });
    return structuredClone(e);
  }

  async putRevocation(r: RevocationRecord): Promise<void> {
    this.revocations.set(r.clientId, structuredClone(r));
  }

  async listRevocations(): Promise<RevocationRecord[]> {
    return [...this.revocations.values()].sort((a, b) => a.atMs - b.atMs || a.clientId.localeCompare(b.clientId)).map((r) => structuredClone(r));
  }

  async appendAudit(e: AuditRecord): Promise<void> {
    this.audit.push(structuredClone(e));
    // Trimming every append past the limit would copy 100k entries each time.
    if (this.audit.length >= this.auditRetention + Math.max(1, this.auditRetention >> 4)) this.audit = this.audit.slice(-this.auditRetention);
  }

  async listAudit(limit: number): Promise<AuditRecord[]> {
    const n = Math.max(0, Math.min(limit, this.auditRetention, this.audit.length));
    return this.audit.slice(this.audit.length - n).reverse().map((e) => structuredClone(e));
  }

  async putModel(runId: RunId, version: string, weights: Float32Array): Promise<void> {
    versionedBytes(version, weights);
    this.models.set(`${runId}/${version}`, weights.slice());
  }

  async getModel(runId: RunId, version: string): Promise<Float32Array | undefined> {
    // Not copied: models are large, and nothing mutates weights once stored.
    return this.models.get(`${runId}/${version}`);
  }

  async deleteModel(runId: RunId, version: string): Promise<void> {
    this.models.delete(`${runId}/${version}`);
  }

  async listModels(runId: RunId): Promise<string[]> {
    return [...this.models.keys()].filter((k) => k.startsWith(`${runId}/`)).map((k) => k.slice(runId.length + 1)).sort();
  }

  async close(): Promise<void> {}
}
