/**
 * `fedlink runs watch`: follows a run (reconnecting across coordinator
 * restarts), folds its events into a view, and shows it — redrawn in place on
 * a terminal, one plain line per event when piped, one JSON object per event
 * with --json — until the run ends or the coordinator stays away too long.
 */
import type { Clock } from '../../../common/clock';
import type { Output } from '../context';
import { eventJson } from './event-json';
import { eventLine } from './event-line';
import { followRun, type FollowOptions } from './follow-run';
import { LiveTerminal } from './live-terminal';
import { liveViewLines } from './live-view';
import { FINAL_EVENTS, isFinal } from './watch-events';
import type { WatchOutcome } from './watch-exit';
import { initialView, reduceView } from './watch-view';
import { WireDiffer } from './wire-differ';

/** How the watch shows what it sees. */
export type WatchMode = 'live' | 'lines' | 'json';

/** What runWatch needs besides the connection. */
export interface RunWatchOptions extends Omit<FollowOptions, 'clock'> {
  clock: Clock;
  out: Output;
  mode: WatchMode;
  /** Terminal width for the live view. @default 80 */
  columns?: () => number;
}

/** Watches until the run ends or the watch gives up; how it ended (undefined: the connection ended first). */
export async function runWatch(options: RunWatchOptions): Promise<WatchOutcome | undefined> {
  const { clock, out, mode } = options;
  const differ = new WireDiffer(options.runId);
  let view = initialView(options.runId);
  const terminal = mode === 'live' ? new LiveTerminal(out, clock, () => liveViewLines(view, clock.now(), options.columns?.() ?? 80)) : undefined;
  terminal?.start();
  try {
    for await (const input of followRun(options)) {
      for (const event of differ.apply(input, clock.now())) {
        view = reduceView(view, event);
        if (mode === 'json') out.write(`${eventJson(event)}\n`);
        else if (terminal) terminal.changed();
        else {
          const line = eventLine(event, view);
          if (line !== undefined) out.write(`${line}\n`);
        }
        if (isFinal(event)) return FINAL_EVENTS[event.type];
      }
    }
    return undefined;
  } finally {
    terminal?.stop();
  }
}
