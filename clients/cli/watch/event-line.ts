/** `runs watch` when stdout is not a terminal: one plain line per event (no escapes), or none for live-only detail. */
import { formatDuration, formatMetric } from '../format';
import type { WatchEvent } from './watch-events';
import type { WatchView } from './watch-view';

/** The line for `event`, given the view after it; undefined: nothing worth a line (training progress). */
export function eventLine(event: WatchEvent, view: WatchView): string | undefined {
  const of = view.rounds ? `/${view.rounds}` : '';
  switch (event.type) {
    case 'watching':
      return `watching run ${event.runId}: ${event.state}, ${event.committed}${of} rounds committed${accuracy(view)}`;
    case 'run_state':
      return `run ${event.runId} ${event.state}`;
    case 'round_started':
      return `round ${event.round}${of}${attempt(event.attempt)} started: ${event.clients.length} client(s) selected (${event.clients.join(', ')}), deadline in ${formatDuration(event.deadlineMs - event.atMs)}`;
    case 'round_state':
      return `round ${event.round}${of} ${event.state}`;
    case 'client_state':
      return `round ${event.round}: ${event.client} ${event.state}${event.reason ? ` (${event.reason})` : ''}`;
    case 'client_progress':
      return undefined;
    case 'client_connection':
      return event.connected
        ? `round ${event.round}: ${event.client} reconnected`
        : `round ${event.round}: ${event.client} disconnected; ${event.dropAtMs ? `the round drops it in ${formatDuration(Math.max(0, event.dropAtMs - event.atMs))} unless it reconnects` : 'the round waits for it to reconnect or drop'} (deadline in ${formatDuration(Math.max(0, event.deadlineMs - event.atMs))})`;
    case 'round_committed':
      return `round ${event.round}${of} committed: ${event.reported}/${event.selected} reported, loss ${formatMetric(event.loss)}, test acc ${formatMetric(event.accuracy)}, ${formatDuration(event.durationMs)}`;
    case 'round_failed':
      return `round ${event.round}${of}${attempt(event.attempt)} failed: ${event.reason}`;
    case 'run_completed':
      return `run ${event.runId} completed: ${event.committed}${of} rounds committed${accuracy(view)}`;
    case 'run_failed':
      return `run ${event.runId} failed: ${event.reason}`;
    case 'run_cancelled':
      return `run ${event.runId} cancelled${event.reason ? `: ${event.reason}` : ''}`;
    case 'reconnecting':
      // The error once; later attempts only say the watch is still at it.
      return event.attempt === 1
        ? `coordinator lost (${event.error}), reconnecting…`
        : `still reconnecting: lost for ${formatDuration(event.lostForMs)}, attempt ${event.attempt}, next in ${formatDuration(event.retryInMs)}`;
    case 'reconnected':
      return `reconnected after ${formatDuration(event.lostForMs)}`;
    case 'gave_up':
      return `gave up: the coordinator was unreachable for ${formatDuration(event.lostForMs)} (--give-up-after)`;
  }
}

function attempt(n: number): string {
  return n > 1 ? ` (attempt ${n})` : '';
}

function accuracy(view: WatchView): string {
  const latest = [...view.accuracy].reverse().find((a) => a !== null);
  return latest === undefined || latest === null ? '' : `, test acc ${formatMetric(latest)}`;
}
