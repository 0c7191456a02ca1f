/**
 * The live view of `runs watch` on a terminal: the view state drawn as lines
 * at a given time (the terminal side redraws them in place). Pure, so it is
 * tested on fixed states.
 */
import { formatAgo, formatDuration, formatMetric } from '../format';
import { SETTLED_CLIENT_STATES } from './watch-events';
import { sparkline } from './sparkline';
import type { ViewClient, WatchView } from './watch-view';

/** Clients listed one per line; beyond this the rest are summed up in one line. */
export const MAX_CLIENT_LINES = 12;

const BAR = 10;

/** The lines of the live view at `nowMs`, each cut to `columns`. */
export function liveViewLines(view: WatchView, nowMs: number, columns = 80): string[] {
  const lines = [headLine(view, nowMs), trendLine(view)];
  const r = view.round;
  if (view.lost) {
    const retry = Math.max(0, view.lost.retryAtMs - nowMs);
    lines.push(`coordinator lost ${formatDuration(nowMs - view.lost.sinceMs)} ago, reconnecting… (attempt ${view.lost.attempt}, next in ${formatDuration(retry)}; ${view.lost.error})`);
  }
  if (r) {
    const clients = [...r.clients].sort((a, b) => Number(SETTLED_CLIENT_STATES.has(a.state)) - Number(SETTLED_CLIENT_STATES.has(b.state)));
    for (const c of clients.slice(0, MAX_CLIENT_LINES)) lines.push(clientLine(c, nowMs));
    if (clients.length > MAX_CLIENT_LINES) lines.push(`  … ${clients.length - MAX_CLIENT_LINES} more: ${countByState(clients.slice(MAX_CLIENT_LINES))}`);
    lines.push(waitingLine(view, nowMs));
  } else if (!view.ended && view.runState === 'running') {
    lines.push(`waiting for round ${view.committed + 1} to start (selecting clients)`);
  }
  if (view.lastRound) lines.push(lastRoundLine(view.lastRound));
  if (view.ended) lines.push(`run ${view.ended.outcome}${view.ended.reason ? `: ${view.ended.reason}` : ''}`);
  return lines.map((l) => cut(l, columns));
}

function headLine(view: WatchView, nowMs: number): string {
  const parts = [`run ${view.runId} ${view.runState}`];
  if (view.rounds) {
    const r = view.round;
    parts.push(r ? `round ${r.round}/${view.rounds}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''} ${r.state}` : `${view.committed}/${view.rounds} rounds committed`);
  }
  if (view.startedAtMs) {
    const took = nowMs - view.startedAtMs;
    parts.push(`elapsed ${formatDuration(took)}`);
    if (view.committed > 0 && view.rounds > view.committed && !view.ended) parts.push(`ETA ${formatDuration((took / view.committed) * (view.rounds - view.committed))}`);
  }
  return parts.join(' · ');
}

function trendLine(view: WatchView): string {
  // Without server-side evaluation (no --eval-data) the clients' mean training loss is the trend there is.
  const [name, values] = view.accuracy.some((a) => a !== null) ? ['test acc', view.accuracy] : ['train loss', view.loss];
  const latest = [...values].reverse().find((a) => a !== null);
  if (latest === undefined || latest === null) return 'test acc -';
  return `${name} ${sparkline(values)} ${formatMetric(latest)} (${view.committed} round${view.committed === 1 ? '' : 's'})`;
}

function clientLine(c: ViewClient, nowMs: number): string {
  let what: string = c.state;
  if (c.state === 'training' && c.progress !== undefined) {
    const filled = Math.round(c.progress * BAR);
    what = `training    ${'█'.repeat(filled)}${'░'.repeat(BAR - filled)} ${Math.round(c.progress * 100)}%`;
  }
  if (c.reason) what += `  ${c.reason}`;
  if (!c.connected && c.lostAtMs !== undefined) {
    what += `  disconnected ${formatAgo(c.lostAtMs, nowMs)}`;
    if (c.dropAtMs !== undefined) what += c.dropAtMs > nowMs ? `, dropped in ${formatDuration(c.dropAtMs - nowMs)} unless back` : ', about to be dropped';
  }
  return `  ${c.id.padEnd(14)} ${what}`;
}

function countByState(clients: ViewClient[]): string {
  const counts = new Map<string, number>();
  for (const c of clients) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** What the round is waiting for right now, so a pause never looks like a hang. */
function waitingLine(view: WatchView, nowMs: number): string {
  const r = view.round!;
  if (r.state === 'aggregating') return 'waiting for: the coordinator to aggregate the updates';
  if (r.state === 'evaluating') return 'waiting for: the coordinator to evaluate the new model';
  const open = r.clients.filter((c) => !SETTLED_CLIENT_STATES.has(c.state));
  const deadline = r.deadlineMs ? ` · deadline in ${formatDuration(Math.max(0, r.deadlineMs - nowMs))}` : '';
  if (!open.length) return `waiting for: the round to close${deadline}`;
  const gone = open.filter((c) => !c.connected);
  const names = (cs: ViewClient[]) => (cs.length > 3 ? `${cs.slice(0, 3).map((c) => c.id).join(', ')} and ${cs.length - 3} more` : cs.map((c) => c.id).join(', '));
  // Most useful first: the line is cut to the terminal width.
  const away = gone.length ? ` · ${names(gone)} disconnected: the round waits for ${gone.length === 1 ? 'it' : 'them'} to reconnect or drop` : '';
  return `waiting for: ${names(open)}${deadline}${away}`;
}

function lastRoundLine(last: NonNullable<WatchView['lastRound']>): string {
  if (last.outcome === 'failed') return `last: round ${last.round} failed${last.reason ? ` (${last.reason})` : ''}`;
  return `last: round ${last.round} committed in ${formatDuration(last.durationMs)}, loss ${formatMetric(last.loss)}, test acc ${formatMetric(last.accuracy)}`;
}

/** At most `columns` characters (counted as code points), so a line never wraps and breaks the redraw. */
function cut(line: string, columns: number): string {
  const chars = [...line];
  return chars.length <= columns ? line : `${chars.slice(0, Math.max(0, columns - 1)).join('')}…`;
}
