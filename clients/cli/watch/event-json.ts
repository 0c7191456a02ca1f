/** `runs watch --json`: one small JSON object per event, its type first, times as ISO-8601 beside epoch ms. */
import { isoTime } from '../json-view';
import type { WatchEvent } from './watch-events';

/** Field names whose value is an epoch-ms time and gets an ISO-8601 twin ("deadlineMs" → "deadline"). */
const TIMES = new Set(['atMs', 'deadlineMs', 'startedAtMs', 'dropAtMs']);

/** The JSON line (without its newline) for one event. */
export function eventJson(event: WatchEvent): string {
  const { type, runId, ...rest } = event;
  const doc: Record<string, unknown> = { type, runId };
  for (const [k, v] of Object.entries(rest)) {
    if (v === undefined) continue;
    // The same twins as every other --json output (json-view.ts).
    if (TIMES.has(k) && typeof v === 'number' && v > 0) doc[k.replace(/Ms$/, '')] = isoTime(v);
    doc[k] = v;
  }
  return JSON.stringify(doc);
}
