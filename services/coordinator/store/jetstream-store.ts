/**
 * The NATS JetStream store: KV buckets for runs, rounds and the client
 * registry, an Object Store for model checkpoints (content-addressed by
 * sha256). With replicas 3 on a 3-node cluster every write survives the loss
 * of a node; a coordinator on another machine (a standby) sees the same state.
 *
 *   KV  fedlink_runs     <run>                       RunRecord JSON
 *   KV  fedlink_rounds   <run>.<round>.<attempt>     RoundRecord JSON
 *   KV  fedlink_clients  <client>                    ClientRecord JSON
 *   OBJ fedlink_models   <run>/<sha256>              float32 weights
 *   KV  fedlink_enrollments  <token hash>            EnrollmentRecord JSON
 *   KV  fedlink_revocations  <client>                RevocationRecord JSON
 *   STREAM fedlink_audit (subject fedlink.audit)     AuditRecord JSON, max msgs = retention, oldest discarded
 *
 * Taking an enrollment is a compare-and-set: the KV update carries the
 * revision that was read, and the server refuses it if any other write (a
 * concurrent take) came in between, so only one take of a token wins. A take
 * whose reply is lost (a timeout after the server applied it) leaves the token
 * used and reports it unknown: it fails closed.
 *
 * A KV put is atomic, so a writer killed mid-write leaves the previous value.
 * Checkpoints are verified against the Object Store's own SHA-256 digest
 * when written and against their version when read. Writes from one
 * connection are applied in order; a write retried through an outage is not
 * ordered against a later one, so callers queue the saves of one record
 * (store/ordered-writes.ts).
 */
import { connect, nuid, type NatsConnection } from '@nats-io/transport-node';
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { AuditRecord, EnrollmentRecord, RevocationRecord } from '../../../common/auth-records';
import { natsConnectionOptions, type NatsCredentials } from '../../../common/nats-options';
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';
import { checkVersion, versionedBytes, weightsFromStored } from './model-bytes';
import { AUDIT_RETENTION, type Store, type StoreOptions } from './store';

/** Options of {@link openJetStreamStore}. */
export interface JetStreamStoreOptions extends StoreOptions, NatsCredentials {
  /** NATS server URL(s), comma-separated for a cluster. */
  servers: string;
  /** Stream replicas of every bucket (1, or 3 on a 3-node cluster). @default 1 */
  replicas?: number;
  /** Bucket name prefix, so several deployments can share a NATS account. @default 'fedlink' */
  prefix?: string;
  /** Connection name shown by the NATS server. */
  name?: string;
}

/** Store on NATS JetStream; see the file comment. */
export class JetStreamStore implements Store {
  readonly kind = 'jetstream';

  private constructor(
    private readonly nc: NatsConnection,
    private readonly runs: KV,
    private readonly rounds: KV,
    private readonly clients: KV,
    private readonly models: ObjectStore,
    private readonly enrollments: KV,
    private readonly revocations: KV,
    private readonly audit: AuditStream,
  ) {}

  /** Connects and binds (creating them if needed) the buckets. */
  static async open(o: JetStreamStoreOptions): Promise<JetStreamStore> {
    const nc = await connect({
      ...(await natsConnectionOptions({ url: o.servers, user: o.user, pass: o.pass, token: o.token, creds: o.creds, tls: o.tls })),
      name: o.name ?? 'fedlink-store',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    try {
      const prefix = o.prefix ?? 'fedlink';
      const replicas = o.replicas ?? 1;
      const kvm = new Kvm(nc);
      // Binding retries like every operation: right after a node loss the streams may be electing leaders.
      const bucket = (name: string) => withRetry(() => kvm.create(`${prefix}_${name}`, { history: 1, replicas }), nc, OPEN_RETRY_MS);
      const [runs, rounds, clients, enrollments, revocations] = await Promise.all(
        ['runs', 'rounds', 'clients', 'enrollments', 'revocations'].map(bucket),
      );
      const models = await withRetry(() => new Objm(nc).create(`${prefix}_models`, { replicas }), nc, OPEN_RETRY_MS);
      const audit = await withRetry(() => AuditStream.open(nc, prefix, replicas, o.auditRetention ?? AUDIT_RETENTION), nc, OPEN_RETRY_MS);
      return new JetStreamStore(nc, runs, rounds, clients, models, enrollments, revocations, audit);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /**
   * Runs `op`, retrying transient failures (a reconnect to another node, a
   * stream leader election: "no responders", timeouts) with backoff. KV puts
   * of the same value and object puts by content hash are idempotent.
   */
  private retry<T>(op: () => Promise<T>): Promise<T> {
    return withRetry(op, this.nc, RETRY_MS);
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  async putRun(run: RunRecord): Promise<void> {
    await this.retry(() => this.runs.put(key(run.runId), JSON.stringify(run)));
  }

  async getRun(runId: RunId): Promise<RunRecord | undefined> {
    return json<RunRecord>(await this.retry(() => this.runs.get(key(runId))));
  }

  async listRuns(): Promise<RunRecord[]> {
    const runs = await this.retry(() => all<RunRecord>(this.runs, '>'));
    return runs.sort((a, b) => a.createdAtMs - b.createdAtMs || a.runId.localeCompare(b.runId));
  }

  async listRunIds(): Promise<RunId[]> {
    const keys = await this.retry(async () => {
      const out: string[] = [];
      for await (const k of await this.runs.keys('>')) out.push(k);
      return out;
    });
    return keys.map(unkey).sort();
  }

  async putRound(round: RoundRecord): Promise<void> {
    await this.retry(() => this.rounds.put(`${key(round.runId)}.${round.round}.${round.attempt}`, JSON.stringify(round)));
  }

  async listRounds(runId: RunId): Promise<RoundRecord[]> {
    const rounds = await this.retry(() => all<RoundRecord>(this.rounds, `${key(runId)}.>`));
    return rounds.sort((a, b) => a.round - b.round || a.attempt - b.attempt);
  }

  async putClient(client: ClientRecord): Promise<void> {
    await this.retry(() => this.clients.put(key(client.clientId), JSON.stringify(client)));
  }

  async listClients(): Promise<ClientRecord[]> {
    const clients = await this.retry(() => all<ClientRecord>(this.clients, '>'));
    return clients.sort((a, b) => a.clientId.localeCompare(b.clientId));
  }

  async deleteClient(clientId: string): Promise<void> {
    await this.retry(() => this.clients.delete(key(clientId)));
  }

  async putEnrollment(e: EnrollmentRecord): Promise<void> {
    await this.retry(async () => {
      // A token hash once used stays used, as in the other backends.
      const usedAtMs = json<EnrollmentRecord>(await this.enrollments.get(key(e.tokenHash)))?.usedAtMs;
      await this.enrollments.put(key(e.tokenHash), JSON.stringify(usedAtMs === undefined ? e : { ...e, usedAtMs }));
    });
  }

  async takeEnrollment(tokenHash: string, atMs: number): Promise<EnrollmentRecord | undefined> {
    return this.retry(async () => {
      const entry = await this.enrollments.get(key(tokenHash));
      const e = json<EnrollmentRecord>(entry);
      if (!entry || !e || e.usedAtMs !== undefined) return undefined;
      try {
        await this.enrollments.update(key(tokenHash), JSON.stringify({ ...e, usedAtMs: atMs }), entry.revision);
      } catch (err) {
        if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence) return undefined; // another take won
        throw err;
      }
      return e;
    });
  }

  async putRevocation(r: RevocationRecord): Promise<void> {
    await this.retry(() => this.revocations.put(key(r.clientId), JSON.stringify(r)));
  }

  async listRevocations(): Promise<RevocationRecord[]> {
    const revocations = await this.retry(() => all<RevocationRecord>(this.revocations, '>'));
    return revocations.sort((a, b) => a.atMs - b.atMs || a.clientId.localeCompare(b.clientId));
  }

  async appendAudit(e: AuditRecord): Promise<void> {
    // One message id across retries: the stream's duplicate window drops a second copy of a publish that did land.
    const id = nuid.next();
    await this.retry(() => this.audit.append(e, id));
  }

  async listAudit(limit: number): Promise<AuditRecord[]> {
    return this.retry(() => this.audit.list(limit));
  }

  async putModel(runId: RunId, version: string, weights: Float32Array): Promise<void> {
    const bytes = versionedBytes(version, weights);
    const name = modelName(runId, version);
    const existing = await this.retry(() => this.models.info(name));
    if (existing && !existing.deleted && existing.size === bytes.length) return; // content-addressed: already there
    const info = await this.retry(() => this.models.putBlob({ name }, bytes));
    // The server computed its own SHA-256 over what it stored: it must be ours.
    const stored = /^SHA-256=(.+)$/i.exec(info.digest)?.[1];
    if (!stored || Buffer.from(stored.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('hex') !== version) {
      throw new Error(`checkpoint ${version} stored with digest ${info.digest}, expected sha256 ${version}`);
    }
  }

  async getModel(runId: RunId, version: string): Promise<Float32Array | undefined> {
    checkVersion(version);
    const bytes = await this.retry(() => this.models.getBlob(modelName(runId, version)));
    if (!bytes) return undefined;
    return weightsFromStored(version, bytes, `the object store (run ${runId})`);
  }

  async deleteModel(runId: RunId, version: string): Promise<void> {
    checkVersion(version);
    const name = modelName(runId, version);
    const info = await this.retry(() => this.models.info(name));
    if (info && !info.deleted) await this.retry(() => this.models.delete(name));
  }

  async listModels(runId: RunId): Promise<string[]> {
    const prefix = `${key(runId)}/`;
    return (await this.retry(() => this.models.list()))
      .filter((i) => !i.deleted && i.name.startsWith(prefix))
      .map((i) => i.name.slice(prefix.length))
      .sort();
  }
}

/** The audit log: a stream that keeps its newest `retention` messages. */
class AuditStream {
  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly name: string,
    private readonly subject: string,
    private readonly retention: number,
  ) {}

  /** Creates the stream, or sets the retention of an existing one to ours. */
  static async open(nc: NatsConnection, prefix: string, replicas: number, retention: number): Promise<AuditStream> {
    const jsm = await jetstreamManager(nc);
    const config: Partial<StreamConfig> & { name: string } = {
      name: `${prefix}_audit`, subjects: [`${prefix}.audit`], max_msgs: retention, discard: DiscardPolicy.Old, num_replicas: replicas,
    };
    const existing = await jsm.streams.info(config.name).catch((err: unknown) => {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) return undefined;
      throw err;
    });
    if (!existing) await jsm.streams.add(config);
    else if (existing.config.max_msgs !== retention) await jsm.streams.update(config.name, { max_msgs: retention });
    return new AuditStream(jetstream(nc), jsm, config.name, config.subjects![0], retention);
  }

  async append(e: AuditRecord, msgID: string): Promise<void> {
    await this.js.publish(this.subject, JSON.stringify(e), { msgID, expect: { streamName: this.name } });
  }

  /** The last `limit` messages as of now, newest first, read with an ordered consumer from the right sequence on. */
  async list(limit: number): Promise<AuditRecord[]> {
    const { first_seq: first, last_seq: last, messages } = (await this.jsm.streams.info(this.name)).state;
    const want = Math.min(limit, this.retention, messages);
    if (want <= 0) return [];
    const consumer = await this.js.consumers.get(this.name, { opt_start_seq: Math.max(first, last - want + 1) });
    const out: AuditRecord[] = [];
    try {
      for (let done = false; !done; ) {
        const batch = await consumer.fetch({ max_messages: Math.min(want - out.length, 1000), expires: 5000 });
        let got = 0;
        for await (const m of batch) {
          got++;
          if (m.seq <= last) out.push(m.json<AuditRecord>());
          // Stop at the snapshot's last message: newer ones are not part of this answer.
          if (m.seq >= last || out.length >= want) {
            done = true;
            break;
          }
        }
        if (got === 0) done = true;
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    return out.reverse();
  }
}

/** Opens a JetStream store (see JetStreamStore.open). */
export function openJetStreamStore(options: JetStreamStoreOptions): Promise<JetStreamStore> {
  return JetStreamStore.open(options);
}

/** KV keys allow [-/_=.a-zA-Z0-9]; ids are escaped into [A-Za-z0-9_-] plus =XXXX, so no id can add a '.' token. */
function key(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (c) => `=${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The id a key was made from by key(). */
function unkey(k: string): string {
  return k.replace(/=([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function modelName(runId: RunId, version: string): string {
  return `${key(runId)}/${version}`;
}

function json<T>(entry: { operation: string; json<U>(): U } | null): T | undefined {
  return entry && entry.operation === 'PUT' ? entry.json<T>() : undefined;
}

async function all<T>(kv: KV, filter: string): Promise<T[]> {
  const keys: string[] = [];
  for await (const k of await kv.keys(filter)) keys.push(k);
  const values = await Promise.all(keys.map(async (k) => json<T>(await kv.get(k))));
  return values.filter((v): v is Awaited<T> => v !== undefined) as T[];
}

/** How long an operation keeps retrying through a NATS outage or a node loss before it fails, ms. */
const RETRY_MS = 30_000;
/** The same when opening: a coordinator started with its NATS cluster may wait for it a little longer. */
const OPEN_RETRY_MS = 60_000;

async function withRetry<T>(op: () => Promise<T>, nc: NatsConnection, forMs: number): Promise<T> {
  const until = performance.now() + forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (!transient(err) || performance.now() > until || nc.isClosed()) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

/** Failures that a retry can outlast: a reconnect, a node loss, a leader election. */
function transient(err: unknown): boolean {
  const text = `${(err as Error)?.name ?? ''} ${(err as Error)?.message ?? ''}`;
  return /no responders|timeout|timed out|disconnect|connection (closed|draining)|not enabled|leader|unavailable|503|reconnect/i.test(text);
}
