/**
 * Who is connected: one entry per client id with its control-stream sender.
 * Implements the round engine's FleetPort. A new session for a known client id
 * replaces the old one (a reconnect after a network change must not be refused
 * because the coordinator has not noticed the old stream died yet). The auth hook
 * has already established that the new session is that client (its certificate),
 * so the old one is told, finally, that it was replaced: a second process with
 * the same identity stops instead of evicting the first in turn, forever.
 */
import type { Clock } from '../../../common/clock';
import { ResourceExhaustedError } from '../../../common/errors';
import { LIMITS } from '../limits';
import type { Logger } from '../../../common/logger';
import type { ClientId, ClientRecord, TrainTask } from '../../../common/types';
import { FencedError } from '../ha/fenced-store';
import { OrderedWrites } from '../store/ordered-writes';
import type { Store } from '../store/store';
import type { ClientTraits, FleetChange, FleetPort } from '../rounds/fleet-port';

/** The transport side of one session: how to reach the client. */
export interface SessionHandle {
  sessionId: string;
  sendTask(task: TrainTask): void;
  sendCancel(taskId: string, reason: string): void;
  /** Ends the session's stream (replaced, revoked, or coordinator stopping); `final`: tell the client not to reconnect. */
  close(reason: string, final?: boolean): void;
}

interface Entry {
  record: ClientRecord;
  handle?: SessionHandle;
  /** When it last became free for work (first come, first served orders by this). */
  idleSinceMs: number;
}

/** Registry of client sessions. */
export class SessionRegistry implements FleetPort {
  private readonly entries = new Map<ClientId, Entry>();
  private readonly listeners = new Set<(c: FleetChange) => void>();
  /** Client record saves and deletes, in order per client (a delete never lands before an earlier save). */
  private readonly writes = new OrderedWrites((clientId, err) => {
    // Refused by the fence: this coordinator lost the lease (logged once by the lease); the next leader keeps its own records.
    this.logger[err instanceof FencedError ? 'debug' : 'warn']({ err: (err as Error).message, clientId }, 'could not save client record');
  });

  constructor(
    private readonly clock: Clock,
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly bounds: { maxKnownClients: number } = { maxKnownClients: Number.POSITIVE_INFINITY },
  ) {}

  /**
   * Makes room for a hello from `clientId`: a known id always fits; a new one at
   * the cap pushes out the longest-disconnected client, and is refused
   * (RESOURCE_EXHAUSTED naming the flag) when every known client is connected.
   */
  admit(clientId: ClientId): void {
    if (this.entries.has(clientId) || this.entries.size < this.bounds.maxKnownClients) return;
    let oldest: Entry | undefined;
    for (const e of this.entries.values()) if (!e.handle && (!oldest || e.record.lastSeenMs < oldest.record.lastSeenMs)) oldest = e;
    if (!oldest) throw new ResourceExhaustedError(`${this.entries.size} clients are connected, the limit of known clients (${LIMITS.maxKnownClients.flag})`);
    this.forget(oldest.record.clientId, 'the limit of known clients was reached');
  }

  /** Forgets clients disconnected since before `cutoffMs` (memory and store); returns how many. */
  forgetDisconnectedBefore(cutoffMs: number): number {
    const gone = [...this.entries.values()].filter((e) => !e.handle && e.record.lastSeenMs < cutoffMs);
    for (const e of gone) this.forget(e.record.clientId, 'disconnected too long');
    return gone.length;
  }

  /** The dataset size a client declared in its latest hello (also while it is disconnected), if it is known. */
  declaredDatasetSize(clientId: ClientId): number | undefined {
    return this.entries.get(clientId)?.record.datasetSize;
  }

  private forget(clientId: ClientId, reason: string): void {
    this.entries.delete(clientId);
    this.logger.debug({ clientId, reason }, 'client forgotten');
    this.writes.queue(clientId, () => this.store.deleteClient(clientId));
    this.emit({ type: 'forgotten', clientId });
  }

  /** Registers a session; an older session of the same client is closed. */
  attach(record: Omit<ClientRecord, 'status' | 'connectedAtMs' | 'lastSeenMs'>, handle: SessionHandle): void {
    const old = this.entries.get(record.clientId);
    if (old?.handle && old.handle.sessionId !== handle.sessionId) {
      old.handle.close(`replaced by a newer session of ${record.clientId} (from ${old.record.peer === record.peer ? 'the same address' : record.peer}); two daemons share this identity`, true);
    }
    const now = this.clock.now();
    this.entries.set(record.clientId, {
      record: { ...record, status: 'connected', connectedAtMs: now, lastSeenMs: now, activity: undefined },
      handle,
      idleSinceMs: now,
    });
    this.persist(record.clientId);
    this.emit({ type: 'connected', clientId: record.clientId });
  }

  /** Removes a session if it is still the current one for its client. */
  detach(clientId: ClientId, sessionId: string, reason: string): boolean {
    const e = this.entries.get(clientId);
    if (!e?.handle || e.handle.sessionId !== sessionId) return false;
    e.handle = undefined;
    e.record.status = 'disconnected';
    e.record.activity = undefined;
    e.record.lastSeenMs = this.clock.now();
    this.persist(clientId);
    this.emit({ type: 'disconnected', clientId, reason });
    return true;
  }

  /** Notes a sign of life (heartbeat, message), with task progress when the heartbeat carried it. */
  touch(clientId: ClientId, progress?: { taskId: string; fraction: number }): void {
    const e = this.entries.get(clientId);
    if (!e) return;
    e.record.lastSeenMs = this.clock.now();
    if (progress && progress.taskId === e.record.activity && Number.isFinite(progress.fraction)) {
      e.record.progress = Math.min(1, Math.max(0, progress.fraction));
    }
  }

  /** Snapshot of every known client. */
  list(): ClientRecord[] {
    return [...this.entries.values()].map((e) => ({ ...e.record })).sort((a, b) => a.clientId.localeCompare(b.clientId));
  }

  /** How many clients have an open session now (without copying the records, for metrics scrapes). */
  connectedCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.handle) n++;
    return n;
  }

  /** Connected client ids whose last sign of life is older than `ms`. */
  silentFor(ms: number): Array<{ clientId: ClientId; sessionId: string }> {
    const cutoff = this.clock.now() - ms;
    return [...this.entries.values()]
      .filter((e) => e.handle && e.record.lastSeenMs < cutoff)
      .map((e) => ({ clientId: e.record.clientId, sessionId: e.handle!.sessionId }));
  }

  /** Closes one session if it is still current (e.g. its client went silent). */
  closeSession(clientId: ClientId, sessionId: string, reason: string): void {
    const e = this.entries.get(clientId);
    if (e?.handle?.sessionId === sessionId) e.handle.close(reason);
  }

  /** Ends a client's session for good (revoked); whether one was open. */
  closeClient(clientId: ClientId, reason: string): boolean {
    const handle = this.entries.get(clientId)?.handle;
    handle?.close(reason, true);
    return handle !== undefined;
  }

  /** Waits for the client record saves queued so far (their failures are logged, never thrown). */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  /** Closes every session (shutdown). */
  closeAll(reason: string): void {
    for (const e of this.entries.values()) e.handle?.close(reason);
  }

  idleClients(): ClientId[] {
    return [...this.entries.values()].filter((e) => e.handle && !e.record.activity).map((e) => e.record.clientId);
  }

  dispatch(clientId: ClientId, task: TrainTask): boolean {
    const e = this.entries.get(clientId);
    if (!e?.handle) return false;
    e.record.activity = task.taskId;
    e.record.progress = undefined;
    e.handle.sendTask(task);
    return true;
  }

  cancel(clientId: ClientId, taskId: string, reason: string): void {
    this.entries.get(clientId)?.handle?.sendCancel(taskId, reason);
  }

  release(clientId: ClientId, taskId: string): void {
    const e = this.entries.get(clientId);
    if (e && e.record.activity === taskId) {
      e.record.activity = undefined;
      e.record.progress = undefined;
      e.idleSinceMs = this.clock.now();
      if (e.handle) this.emit({ type: 'idle', clientId });
    }
  }

  describe(clientId: ClientId): ClientTraits | undefined {
    const e = this.entries.get(clientId);
    return e?.handle ? { datasetSize: e.record.datasetSize, idleSinceMs: e.idleSinceMs, encodings: e.record.encodings, features: e.record.features ?? [], models: e.record.models } : undefined;
  }

  onChange(listener: (change: FleetChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: FleetChange): void {
    for (const l of [...this.listeners]) l(change);
  }

  private persist(clientId: ClientId): void {
    const e = this.entries.get(clientId);
    if (!e) return;
    const record = structuredClone(e.record);
    this.writes.queue(clientId, () => this.store.putClient(record));
  }
}
