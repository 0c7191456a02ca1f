/**
 * Leadership among coordinators sharing a NATS JetStream store, without a
 * home-made consensus: one key in a KV bucket whose entries expire after
 * `ttlMs` (the bucket's max age, enforced by the NATS servers' clocks).
 *
 *  - acquire: `create(key)`, which succeeds only if the key is absent (never
 *    written, deleted, or expired because its holder stopped renewing);
 *  - renew: `update(key, revision)`, a compare-and-set on the revision we
 *    hold: it fails if anyone else has written the key since;
 *  - self-fencing: the holder counts its lease valid only until
 *    `sentAt + ttl − margin` of its last successful renewal, measured on its
 *    own monotonic clock from *before* the write was sent. The servers keep
 *    the entry at least `ttl` after they received that write, so the holder
 *    stops (and says so) strictly before anyone else can acquire the key:
 *    two leaders never overlap, whatever the network does.
 *
 * `held` is what every state write of the leader checks (see fenced-store.ts),
 * and `revision` is the fencing token recorded with them.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { bucketName, DEFAULT_BUCKET_PREFIX, LEASE_BUCKET } from '../../../common/jetstream-buckets';
import type { Logger } from '../../../common/logger';
import { natsConnectionOptions, type NatsCredentials } from '../../../common/nats-options';

/** Options of {@link LeaderLease}. */
export interface LeaderLeaseOptions extends NatsCredentials {
  /** NATS server URL(s), comma-separated. */
  servers: string;
  /** This coordinator's id (unique per process). */
  holderId: string;
  /** The gRPC address clients and operators should use while this one leads. */
  address: string;
  /** Lease lifetime without renewal, ms. @default 6000 */
  ttlMs?: number;
  /** How often the holder renews, and a standby tries to acquire, ms. @default ttl / 4 */
  intervalMs?: number;
  /** Bucket name prefix. @default 'fedlink' */
  prefix?: string;
  /** Replicas of the lease bucket. @default 1 */
  replicas?: number;
  logger: Logger;
  /** Called when this process gains (true) or loses (false) the lease. */
  onChange: (held: boolean) => void;
}

/** Who holds the lease, as stored in the key. */
export interface LeaseHolder {
  holderId: string;
  address: string;
}

const KEY = 'leader';

/** A lease on leadership; `start()` competes for it until `stop()`. */
export class LeaderLease {
  private nc?: NatsConnection;
  private kv?: KV;
  private timer?: NodeJS.Timeout;
  private fence?: NodeJS.Timeout;
  private heldRevision = 0;
  private validUntil = 0;
  private stopped = false;
  private inflight?: Promise<void>;
  /** The step-down's log line, written once the new holder is read (stop() waits for it). */
  private lossLogged?: Promise<void>;
  private lastHolder?: LeaseHolder;
  private readonly ttlMs: number;
  private readonly intervalMs: number;
  /** Safety margin for timer lateness between a renewal's deadline and the servers' expiry. */
  private readonly marginMs: number;

  constructor(private readonly o: LeaderLeaseOptions) {
    this.ttlMs = o.ttlMs ?? 6000;
    this.intervalMs = o.intervalMs ?? Math.max(100, Math.floor(this.ttlMs / 4));
    this.marginMs = Math.max(200, Math.floor(this.ttlMs / 6));
  }

  /** Whether this process holds the lease right now (renewed recently enough to be sure). */
  get held(): boolean {
    return this.heldRevision > 0 && now() < this.validUntil;
  }

  /** The KV revision of our lease: the fencing token (0 when not held). */
  get revision(): number {
    return this.held ? this.heldRevision : 0;
  }

  /** The holder last seen in the key (ourselves when we hold it). */
  get holder(): LeaseHolder | undefined {
    return this.held ? { holderId: this.o.holderId, address: this.o.address } : this.lastHolder;
  }

  /** Connects, binds the lease bucket and starts competing. */
  async start(): Promise<void> {
    const o = this.o;
    this.nc = await connect({
      ...(await natsConnectionOptions({ url: o.servers, user: o.user, pass: o.pass, token: o.token, creds: o.creds, tls: o.tls })),
      name: `fedlink-lease-${o.holderId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    this.kv = await new Kvm(this.nc).create(bucketName(this.o.prefix ?? DEFAULT_BUCKET_PREFIX, LEASE_BUCKET), { history: 1, ttl: this.ttlMs, replicas: this.o.replicas ?? 1 });
    await this.tick();
    this.schedule();
  }

  /** Stops competing; a holder deletes the key so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A renewal in flight would move the revision under the delete below: let it land first.
    await this.inflight;
    await this.lossLogged;
    clearTimeout(this.fence);
    const wasHeld = this.held;
    const revision = this.heldRevision;
    this.heldRevision = 0;
    if (wasHeld) {
      this.o.onChange(false);
      // Only our own entry: if someone else holds it now, the CAS fails and nothing is deleted.
      await this.kv?.delete(KEY, { previousSeq: revision }).catch(() => {});
    }
    await this.nc?.drain().catch(() => this.nc?.close());
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch((err: Error) => this.o.logger.error({ err: err.message }, 'lease renewal attempt failed'))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  private tick(): Promise<void> {
    if (this.inflight || this.stopped || !this.kv) return this.inflight ?? Promise.resolve();
    this.inflight = this.attempt().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async attempt(): Promise<void> {
    const kv = this.kv!;
    const sentAt = now();
    const value = JSON.stringify({ holderId: this.o.holderId, address: this.o.address } satisfies LeaseHolder);
    try {
      if (this.heldRevision > 0) {
        this.heldRevision = await kv.update(KEY, value, this.heldRevision);
        this.extend(sentAt);
      } else {
        this.heldRevision = await kv.create(KEY, value);
        this.extend(sentAt);
        this.lastHolder = undefined;
        if (this.stopped) return; // stop() deletes it again at once
        this.o.logger.info({ revision: this.heldRevision, ttlMs: this.ttlMs }, 'acquired the leader lease');
        this.o.onChange(true);
      }
    } catch (err) {
      if (this.heldRevision > 0) {
        // Renewal failed. A CAS conflict means someone else wrote the key: we lost it for sure.
        const conflict = /wrong last sequence|key exists/i.test((err as Error).message);
        if (conflict || now() >= this.validUntil) this.lose(conflict ? 'another coordinator holds the lease' : 'could not renew the lease in time');
        else this.o.logger.warn({ err: (err as Error).message }, 'lease renewal failed; retrying before it expires');
      } else {
        await this.readHolder();
      }
    }
  }

  private extend(sentAt: number): void {
    this.validUntil = sentAt + this.ttlMs - this.marginMs;
    clearTimeout(this.fence);
    // Step down by ourselves the moment validity runs out, even if NATS never answers again.
    this.fence = setTimeout(() => {
      if (this.heldRevision > 0 && now() >= this.validUntil) this.lose('lease expired before it could be renewed');
    }, Math.max(0, this.validUntil - now()) + 1);
  }

  private lose(reason: string): void {
    if (this.heldRevision === 0) return;
    this.heldRevision = 0;
    clearTimeout(this.fence);
    // Step down at once; the one line saying why also names who leads now, which takes a read of the key.
    this.o.onChange(false);
    this.lossLogged = this.readHolder().then(() =>
      this.o.logger.warn({ reason, leader: this.lastHolder?.address ?? null }, `lost the leader lease: stepping down to standby (${this.lastHolder ? `${this.lastHolder.address} leads now` : 'no leader yet'})`),
    );
  }

  private async readHolder(): Promise<void> {
    try {
      const e = await this.kv!.get(KEY);
      const holder = e && e.operation === 'PUT' ? e.json<LeaseHolder>() : undefined;
      // Our own entry, not yet expired on the servers after we fenced ourselves: nobody else leads yet.
      this.lastHolder = holder?.holderId === this.o.holderId ? undefined : holder;
    } catch {
      // NATS unreachable: keep the last answer.
    }
  }
}

function now(): number {
  return performance.now();
}
