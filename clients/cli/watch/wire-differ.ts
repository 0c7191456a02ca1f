/**
 * Turns what the watch connection delivers (full Run/Round snapshots from the
 * coordinator, live client ticks, connection changes) into the small typed
 * events of watch-events.ts: each snapshot is compared with the last one, so a
 * watch that reconnects after a coordinator restart resumes where it was
 * instead of repeating the run's history.
 */
import type { Round__Output } from '../../../proto/gen/fedlink/v1/Round';
import type { RunEvent__Output } from '../../../proto/gen/fedlink/v1/RunEvent';
import type { WatchedClient__Output } from '../../../proto/gen/fedlink/v1/WatchedClient';
import { stripControl } from '../../../common/sanitize';
import type { WatchClientState, WatchEvent } from './watch-events';

/** What the connection side delivers, in order. */
export type WatchInput =
  /** (Re)connected: the run's rounds so far, read before its stream opened. */
  | { kind: 'history'; rounds: Round__Output[] }
  | { kind: 'event'; event: RunEvent__Output }
  | { kind: 'lost'; error: string; attempt: number; retryInMs: number; lostForMs: number }
  | { kind: 'back'; lostForMs: number }
  | { kind: 'gave_up'; lostForMs: number };

/** How many committed rounds' accuracies and losses the first event carries. */
export const ACCURACY_HISTORY = 30;

const TERMINAL_RUN: Record<string, 'run_completed' | 'run_failed' | 'run_cancelled'> = { completed: 'run_completed', failed: 'run_failed', cancelled: 'run_cancelled' };
const TERMINAL_ROUND = new Set(['committed', 'failed']);

interface KnownClient {
  state: WatchClientState;
  wireState: string;
  progress?: number;
  connected: boolean;
}

interface KnownRound {
  round: number;
  attempt: number;
  state: string;
  deadlineMs: number;
  clients: Map<string, KnownClient>;
}

/** The watcher's name for a round client's state: a dispatched client is downloading until a heartbeat reports training progress. */
export function clientState(wireState: string, progress: number | undefined): WatchClientState {
  switch (wireState) {
    case 'dispatched':
    case 'training':
      return progress === undefined ? 'downloading' : 'training';
    case 'uploading':
      return 'uploading';
    case 'finished':
      return 'done';
    case 'dropped':
    case 'rejected':
      return wireState;
    default:
      return 'selected';
  }
}

/** Snapshot → events, remembering what was already reported. */
export class WireDiffer {
  private started = false;
  private runState = '';
  private committed = 0;
  private current?: KnownRound;
  /** Rounds whose end (committed or failed) was already reported, as "round/attempt". */
  private readonly ended = new Set<string>();
  private pendingHistory: Round__Output[] = [];

  constructor(private readonly runId: string) {}

  /** The events one input adds, stamped `atMs`. */
  apply(input: WatchInput, atMs: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    const emit = (e: DistributiveOmit<WatchEvent, 'runId' | 'atMs'>) => out.push({ ...e, runId: this.runId, atMs } as WatchEvent);
    switch (input.kind) {
      case 'history':
        this.pendingHistory = input.rounds;
        break;
      case 'lost':
        emit({ type: 'reconnecting', error: input.error, attempt: input.attempt, retryInMs: input.retryInMs, lostForMs: input.lostForMs });
        break;
      case 'back':
        emit({ type: 'reconnected', lostForMs: input.lostForMs });
        break;
      case 'gave_up':
        emit({ type: 'gave_up', lostForMs: input.lostForMs });
        break;
      case 'event':
        this.onEvent(input.event, emit);
        break;
    }
    return out;
  }

  private onEvent(e: RunEvent__Output, emit: (e: DistributiveOmit<WatchEvent, 'runId' | 'atMs'>) => void): void {
    const run = e.run;
    if (run && !this.started) {
      this.started = true;
      const history = this.takeHistory();
      const committed = history.filter((r) => r.state === 'committed').sort((a, b) => a.round - b.round);
      for (const r of history) if (TERMINAL_ROUND.has(r.state)) this.ended.add(key(r));
      const first = history.find((r) => r.round === 1);
      emit({
        type: 'watching',
        state: run.state,
        rounds: run.config?.rounds ?? 0,
        committed: run.committedRounds,
        startedAtMs: first?.startedAtMs || run.createdAtMs,
        accuracy: committed.slice(-ACCURACY_HISTORY).map((r) => r.eval?.accuracy ?? null),
        loss: committed.slice(-ACCURACY_HISTORY).map((r) => (r.reported > 0 ? r.meanTrainLoss : null)),
      });
      // A run already over still reports its end; a running one does not announce "running" twice.
      if (!TERMINAL_RUN[run.state]) this.runState = run.state;
      this.committed = run.committedRounds;
    } else if (run) {
      // Back after a reconnect: rounds that ended while the watch was away.
      for (const r of this.takeHistory().sort((a, b) => a.round - b.round || a.attempt - b.attempt)) {
        if (TERMINAL_ROUND.has(r.state)) this.roundEnded(r, emit);
      }
    }
    if (e.round) this.onRound(e.round, emit);
    if (e.clients.length) this.onLive(e.clients, emit);
    if (run) {
      this.committed = run.committedRounds;
      if (run.state !== this.runState) {
        this.runState = run.state;
        const final = TERMINAL_RUN[run.state];
        if (final === 'run_completed') emit({ type: final, committed: run.committedRounds, ...(run.latestEval && { accuracy: run.latestEval.accuracy }) });
        else if (final) emit({ type: final, reason: stripControl(run.reason) });
        else emit({ type: 'run_state', state: run.state });
      }
    }
  }

  private takeHistory(): Round__Output[] {
    const h = this.pendingHistory;
    this.pendingHistory = [];
    return h;
  }

  private onRound(r: Round__Output, emit: (e: DistributiveOmit<WatchEvent, 'runId' | 'atMs'>) => void): void {
    let cur = this.current;
    if (!cur || cur.round !== r.round || cur.attempt !== r.attempt) {
      if (this.ended.has(key(r))) return;
      cur = { round: r.round, attempt: r.attempt, state: r.state, deadlineMs: r.deadlineUnixMs, clients: new Map() };
      this.current = cur;
      // Seen only once over (the watch started or came back late): its end is the news, not its clients.
      if (TERMINAL_ROUND.has(r.state)) return this.roundEnded(r, emit);
      emit({ type: 'round_started', round: r.round, attempt: r.attempt, deadlineMs: r.deadlineUnixMs, startedAtMs: r.startedAtMs, clients: r.clients.map((c) => stripControl(c.clientId)) });
      if (r.state !== 'selecting' && r.state !== 'training') emit({ type: 'round_state', round: r.round, attempt: r.attempt, state: r.state });
    }
    cur.deadlineMs = r.deadlineUnixMs;
    for (const c of r.clients) {
      const known = cur.clients.get(c.clientId);
      const state = clientState(c.state, known?.progress);
      if (!known) {
        cur.clients.set(c.clientId, { state, wireState: c.state, connected: true });
        // round_started listed it as selected.
        if (state !== 'selected') this.clientChanged(cur, c.clientId, state, c.reason, emit);
      } else if (known.state !== state || known.wireState !== c.state) {
        known.wireState = c.state;
        if (known.state !== state) {
          known.state = state;
          this.clientChanged(cur, c.clientId, state, c.reason, emit);
        }
      }
    }
    if (r.state !== cur.state) {
      cur.state = r.state;
      if (!TERMINAL_ROUND.has(r.state)) emit({ type: 'round_state', round: r.round, attempt: r.attempt, state: r.state });
    }
    if (TERMINAL_ROUND.has(r.state)) this.roundEnded(r, emit);
  }

  private clientChanged(cur: KnownRound, client: string, state: WatchClientState, reason: string, emit: (e: DistributiveOmit<WatchEvent, 'runId' | 'atMs'>) => void): void {
    const why = state === 'dropped' || state === 'rejected' ? stripControl(reason) : '';
    emit({ type: 'client_state', round: cur.round, client: stripControl(client), state, ...(why && { reason: why }) });
  }

  private roundEnded(r: Round__Output, emit: (e: DistributiveOmit<WatchEvent, 'runId' | 'atMs'>) => void): void {
    if (this.ended.has(key(r))) return;
    this.ended.add(key(r));
    if (r.state === 'failed') {
      emit({ type: 'round_failed', round: r.round, attempt: r.attempt, reason: stripControl(r.reason) });
      return;
    }
    const durationMs = r.endedAtMs && r.startedAtMs ? r.endedAtMs - r.startedAtMs : undefined;
    emit({
      type: 'round_committed',
      round: r.round,
      attempt: r.attempt,
      reported: r.reported,
      selected: r.clients.length,
      ...(r.reported > 0 && { loss: r.meanTrainLoss }),
      ...(r.eval && { accuracy: r.eval.accuracy }),
      ...(durationMs !== undefined && { durationMs }),
    });
  }

  private onLive(clients: WatchedClient__Output[], emit: (e: DistributiveOmit<WatchEvent, 'runId' | 'atMs'>) => void): void {
    const cur = this.current;
    if (!cur || TERMINAL_ROUND.has(cur.state)) return;
    for (const live of clients) {
      const known = cur.clients.get(live.clientId);
      if (!known) continue;
      // The coordinator forgets a client's progress once its training is done; the watch keeps the last one for the round.
      const progress = live.progress === undefined ? known.progress : Math.round(live.progress * 100) / 100;
      const state = clientState(known.wireState, progress);
      if (state !== known.state) {
        known.state = state;
        this.clientChanged(cur, live.clientId, state, '', emit);
      }
      if (state === 'training' && progress !== undefined && progress !== known.progress) {
        emit({ type: 'client_progress', round: cur.round, client: stripControl(live.clientId), progress });
      }
      known.progress = progress;
      if (live.connected !== known.connected) {
        known.connected = live.connected;
        emit({ type: 'client_connection', round: cur.round, client: stripControl(live.clientId), connected: live.connected, deadlineMs: cur.deadlineMs, ...(!live.connected && live.dropAtMs > 0 && { dropAtMs: live.dropAtMs }) });
      }
    }
  }
}

/** Omit over each member of a union (the built-in Omit collapses it). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function key(r: { round: number; attempt: number }): string {
  return `${r.round}/${r.attempt}`;
}
