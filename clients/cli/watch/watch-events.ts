/**
 * What `fedlink runs watch` reports: one union of small events tagged by
 * `type`, each stamped with the run and the watcher's time. The live view is
 * reduced from them, the piped lines and `--json` print them one by one.
 */

/** A client's state in a round, as the watcher names it. */
export type WatchClientState = 'selected' | 'downloading' | 'training' | 'uploading' | 'done' | 'dropped' | 'rejected';

/** Client states after which the round no longer waits for the client. */
export const SETTLED_CLIENT_STATES: ReadonlySet<WatchClientState> = new Set(['done', 'dropped', 'rejected']);

/** What every event carries. */
interface Stamp {
  runId: string;
  /** When the watcher saw it, epoch ms. */
  atMs: number;
}

/** Every event `runs watch` emits, by `type`. */
export type WatchEvent = Stamp &
  (
    | { type: 'watching'; state: string; rounds: number; committed: number; startedAtMs: number; accuracy: Array<number | null>; loss: Array<number | null> }
    | { type: 'run_state'; state: string }
    | { type: 'round_started'; round: number; attempt: number; deadlineMs: number; startedAtMs: number; clients: string[] }
    | { type: 'round_state'; round: number; attempt: number; state: string }
    | { type: 'client_state'; round: number; client: string; state: WatchClientState; reason?: string }
    | { type: 'client_progress'; round: number; client: string; progress: number }
    | { type: 'client_connection'; round: number; client: string; connected: boolean; deadlineMs: number; dropAtMs?: number }
    | { type: 'round_committed'; round: number; attempt: number; reported: number; selected: number; loss?: number; accuracy?: number; durationMs?: number }
    | { type: 'round_failed'; round: number; attempt: number; reason: string }
    | { type: 'run_completed'; committed: number; accuracy?: number }
    | { type: 'run_failed'; reason: string }
    | { type: 'run_cancelled'; reason: string }
    | { type: 'reconnecting'; error: string; attempt: number; retryInMs: number; lostForMs: number }
    | { type: 'reconnected'; lostForMs: number }
    | { type: 'gave_up'; lostForMs: number }
  );

/** One event type's fields (without the stamp). */
export type WatchEventOf<T extends WatchEvent['type']> = Extract<WatchEvent, { type: T }>;

/** Events after which the watch ends, with its exit code name. */
export const FINAL_EVENTS = { run_completed: 'completed', run_failed: 'failed', run_cancelled: 'cancelled', gave_up: 'lost' } as const;

/** Whether the watch ends with this event. */
export function isFinal(event: WatchEvent): event is WatchEventOf<keyof typeof FINAL_EVENTS> {
  return event.type in FINAL_EVENTS;
}
