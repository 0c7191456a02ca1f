/**
 * The live part of WatchRun: the current round's unsettled clients as their
 * sessions see them (training progress from heartbeats, connected or not).
 * None of it is stored, so round events alone never show it; a watcher gets it
 * on its first event and then whenever it changed, checked about once a second.
 */
import type { Clock } from '../../../common/clock';
import { Periodic } from '../../../common/periodic';
import type { ClientRecord, RoundRecord } from '../../../common/types';
import type { WatchedClient } from '../../../proto/gen/fedlink/v1/WatchedClient';

/** How often the live state is compared with what the watcher last got, ms. */
export const WATCHED_CLIENTS_EVERY_MS = 1000;

/** Round client states after which the client's session no longer matters to the round. */
const SETTLED = new Set(['finished', 'dropped', 'rejected']);

/**
 * The unsettled clients of `round`, joined with their sessions (a client with no session counts as disconnected).
 * A disconnected client's lastSeenMs is when its session ended, where its reconnect grace (`graceMs`) started.
 */
export function watchedClients(round: RoundRecord | undefined, sessions: ClientRecord[], graceMs?: number): WatchedClient[] {
  if (!round || round.endedAtMs !== undefined) return [];
  const byId = new Map(sessions.map((s) => [s.clientId, s]));
  return round.clients
    .filter((c) => !SETTLED.has(c.state))
    .map((c) => {
      const s = byId.get(c.clientId);
      const connected = s?.status === 'connected';
      const dropAtMs = !connected && s && graceMs !== undefined ? Math.min(s.lastSeenMs + graceMs, round.deadlineMs) : 0;
      return { clientId: c.clientId, connected, lastSeenMs: s?.lastSeenMs ?? 0, dropAtMs, ...(s?.progress !== undefined && { progress: s.progress }) };
    });
}

/** Sends `watchedClients` of the latest round whenever it changed, until stopped. */
export class WatchedClientsTicker {
  private readonly periodic: Periodic;
  private last = '[]';

  constructor(
    clock: Clock,
    /** The live clients now (of the round the watcher last heard about). */
    read: () => WatchedClient[],
    send: (clients: WatchedClient[]) => void,
  ) {
    this.periodic = new Periodic(clock, WATCHED_CLIENTS_EVERY_MS, () => {
      const clients = read();
      if (key(clients) !== this.last) send(clients);
      this.last = key(clients);
    });
  }

  /** Notes what a regular event already carried, so the next tick does not repeat it. */
  sent(clients: WatchedClient[]): void {
    this.last = key(clients);
  }

  /** Starts comparing every WATCHED_CLIENTS_EVERY_MS. Idempotent. */
  start(): void {
    this.periodic.start();
  }

  /** Stops comparing. Idempotent. */
  stop(): void {
    this.periodic.stop();
  }
}

/** lastSeenMs moves with every heartbeat: only progress (in whole percent) and connection changes are news. */
function key(clients: WatchedClient[]): string {
  return JSON.stringify(clients.map((c) => [c.clientId, c.connected, c.progress === undefined ? null : Math.round(Number(c.progress) * 100)]));
}
