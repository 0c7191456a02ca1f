/** The live view's state and the pure reducer that folds watch events into it. */
import { SETTLED_CLIENT_STATES, type WatchClientState, type WatchEvent } from './watch-events';

/** One client of the current round, as the live view shows it. */
export interface ViewClient {
  id: string;
  state: WatchClientState;
  reason?: string;
  /** Training progress 0..1, from heartbeats. */
  progress?: number;
  connected: boolean;
  /** When its connection was lost (while not connected), epoch ms. */
  lostAtMs?: number;
  /** While not connected: when the round drops it unless it is back, epoch ms. */
  dropAtMs?: number;
}

/** Everything the live view draws. */
export interface WatchView {
  runId: string;
  runState: string;
  rounds: number;
  committed: number;
  startedAtMs?: number;
  round?: { round: number; attempt: number; state: string; startedAtMs: number; deadlineMs: number; clients: ViewClient[] };
  /** Test accuracy of each committed round, oldest first (null: not evaluated). */
  accuracy: Array<number | null>;
  /** Mean training loss of each committed round, oldest first (null: nobody reported). */
  loss: Array<number | null>;
  /** The last round that ended, one line's worth. */
  lastRound?: { round: number; outcome: 'committed' | 'failed'; reason?: string; loss?: number; accuracy?: number; durationMs?: number };
  /** Set while the coordinator is unreachable. */
  lost?: { sinceMs: number; error: string; attempt: number; retryAtMs: number };
  /** Set once the watch is over. */
  ended?: { outcome: 'completed' | 'failed' | 'cancelled' | 'lost'; reason?: string };
}

/** The view before the first event. */
export function initialView(runId: string): WatchView {
  return { runId, runState: 'connecting', rounds: 0, committed: 0, accuracy: [], loss: [] };
}

/** The view after `event`; `view` is not modified. */
export function reduceView(view: WatchView, event: WatchEvent): WatchView {
  switch (event.type) {
    case 'watching':
      return { ...view, runState: event.state, rounds: event.rounds, committed: event.committed, startedAtMs: event.startedAtMs, accuracy: event.accuracy, loss: event.loss };
    case 'run_state':
      return { ...view, runState: event.state };
    case 'round_started':
      return {
        ...view,
        round: {
          round: event.round,
          attempt: event.attempt,
          state: 'training',
          startedAtMs: event.startedAtMs,
          deadlineMs: event.deadlineMs,
          clients: event.clients.map((id) => ({ id, state: 'selected', connected: true })),
        },
      };
    case 'round_state':
      return view.round?.round === event.round ? { ...view, round: { ...view.round, state: event.state } } : view;
    case 'client_state':
      return updateClient(view, event.round, event.client, (c) => ({ ...c, state: event.state, reason: event.reason, ...(SETTLED_CLIENT_STATES.has(event.state) && { lostAtMs: undefined, dropAtMs: undefined, connected: true }) }));
    case 'client_progress':
      return updateClient(view, event.round, event.client, (c) => ({ ...c, progress: event.progress }));
    case 'client_connection':
      return updateClient(view, event.round, event.client, (c) => ({ ...c, connected: event.connected, lostAtMs: event.connected ? undefined : event.atMs, dropAtMs: event.dropAtMs }));
    case 'round_committed':
      return {
        ...view,
        committed: Math.max(view.committed, event.round),
        accuracy: [...view.accuracy, event.accuracy ?? null],
        loss: [...view.loss, event.loss ?? null],
        round: view.round?.round === event.round ? undefined : view.round,
        lastRound: { round: event.round, outcome: 'committed', loss: event.loss, accuracy: event.accuracy, durationMs: event.durationMs },
      };
    case 'round_failed':
      return { ...view, round: view.round?.round === event.round ? undefined : view.round, lastRound: { round: event.round, outcome: 'failed', reason: event.reason } };
    case 'run_completed':
      return { ...view, runState: 'completed', committed: event.committed, round: undefined, ended: { outcome: 'completed' } };
    case 'run_failed':
      return { ...view, runState: 'failed', round: undefined, ended: { outcome: 'failed', reason: event.reason } };
    case 'run_cancelled':
      return { ...view, runState: 'cancelled', round: undefined, ended: { outcome: 'cancelled', reason: event.reason } };
    case 'reconnecting':
      return { ...view, lost: { sinceMs: event.atMs - event.lostForMs, error: event.error, attempt: event.attempt, retryAtMs: event.atMs + event.retryInMs } };
    case 'reconnected':
      return { ...view, lost: undefined };
    case 'gave_up':
      return { ...view, ended: { outcome: 'lost', reason: `coordinator unreachable for ${Math.round(event.lostForMs / 1000)}s` } };
  }
}

function updateClient(view: WatchView, round: number, id: string, fn: (c: ViewClient) => ViewClient): WatchView {
  if (!view.round || view.round.round !== round) return view;
  return { ...view, round: { ...view.round, clients: view.round.clients.map((c) => (c.id === id ? fn(c) : c)) } };
}
