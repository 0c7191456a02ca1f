import { describe, expect, it } from 'vitest';
import { liveViewLines } from '../../clients/cli/watch/live-view';
import { sparkline } from '../../clients/cli/watch/sparkline';
import type { WatchEvent } from '../../clients/cli/watch/watch-events';
import { initialView, reduceView, type WatchView } from '../../clients/cli/watch/watch-view';
import { eventLine } from '../../clients/cli/watch/event-line';
import { eventJson } from '../../clients/cli/watch/event-json';

const T0 = 1_800_000_000_000;
type Body = WatchEvent extends infer E ? (E extends unknown ? Omit<E, 'runId' | 'atMs'> : never) : never;
const at = (s: number, e: Body): WatchEvent => ({ ...e, runId: 'run-1', atMs: T0 + s * 1000 }) as WatchEvent;

const EVENTS: WatchEvent[] = [
  at(0, { type: 'watching', state: 'running', rounds: 5, committed: 2, startedAtMs: T0 - 40_000, accuracy: [0.5, 0.62], loss: [0.9, 0.7] }),
  at(1, { type: 'round_started', round: 3, attempt: 1, deadlineMs: T0 + 31_000, startedAtMs: T0 + 1000, clients: ['edge-0', 'edge-1', 'edge-2'] }),
  at(2, { type: 'client_state', round: 3, client: 'edge-0', state: 'downloading' }),
  at(3, { type: 'client_state', round: 3, client: 'edge-0', state: 'training' }),
  at(3, { type: 'client_progress', round: 3, client: 'edge-0', progress: 0.4 }),
  at(4, { type: 'client_state', round: 3, client: 'edge-1', state: 'done' }),
  at(5, { type: 'client_state', round: 3, client: 'edge-2', state: 'downloading' }),
  at(6, { type: 'client_connection', round: 3, client: 'edge-2', connected: false, deadlineMs: T0 + 31_000, dropAtMs: T0 + 14_000 }),
];

function fold(events: WatchEvent[]): WatchView {
  return events.reduce(reduceView, initialView('run-1'));
}

describe('runs watch view', () => {
  it('reducer - follows a round: who trains with what progress, who is done, who disconnected', () => {
    const view = fold(EVENTS);
    expect(view).toMatchObject({ runState: 'running', rounds: 5, committed: 2, accuracy: [0.5, 0.62] });
    expect(view.round).toMatchObject({ round: 3, attempt: 1, state: 'training' });
    expect(view.round!.clients).toEqual([
      { id: 'edge-0', state: 'training', connected: true, progress: 0.4 },
      { id: 'edge-1', state: 'done', connected: true, lostAtMs: undefined, dropAtMs: undefined },
      { id: 'edge-2', state: 'downloading', connected: false, lostAtMs: T0 + 6000, dropAtMs: T0 + 14_000 },
    ]);
  });

  it('reducer - a committed round adds to the accuracy trend and clears the round; the run ending sets the outcome', () => {
    const view = fold([
      ...EVENTS,
      at(9, { type: 'round_committed', round: 3, attempt: 1, reported: 2, selected: 3, loss: 0.4, accuracy: 0.7, durationMs: 8000 }),
      at(10, { type: 'run_cancelled', reason: 'cancelled by operator' }),
    ]);
    expect(view.accuracy).toEqual([0.5, 0.62, 0.7]);
    expect(view.loss).toEqual([0.9, 0.7, 0.4]);
    expect(view.committed).toBe(3);
    expect(view.round).toBeUndefined();
    expect(view.lastRound).toEqual({ round: 3, outcome: 'committed', loss: 0.4, accuracy: 0.7, durationMs: 8000 });
    expect(view.ended).toEqual({ outcome: 'cancelled', reason: 'cancelled by operator' });
  });

  it('reducer - a lost coordinator is shown until reconnected; the original state is not touched', () => {
    const before = fold(EVENTS);
    const lost = reduceView(before, at(20, { type: 'reconnecting', error: 'cannot reach coordinator', attempt: 2, retryInMs: 1500, lostForMs: 3000 }));
    expect(lost.lost).toEqual({ sinceMs: T0 + 17_000, error: 'cannot reach coordinator', attempt: 2, retryAtMs: T0 + 21_500 });
    expect(before.lost).toBeUndefined();
    expect(reduceView(lost, at(22, { type: 'reconnected', lostForMs: 5000 })).lost).toBeUndefined();
  });

  it('live view - draws round N/M, elapsed and ETA, progress bars, the trend and what the round waits for', () => {
    const lines = liveViewLines(fold(EVENTS), T0 + 7000, 120);
    expect(lines).toEqual([
      'run run-1 running · round 3/5 training · elapsed 47.0s · ETA 1m11s',
      'test acc ▁█ 0.6200 (2 rounds)',
      '  edge-0         training    ████░░░░░░ 40%',
      '  edge-2         downloading  disconnected 1s ago, dropped in 7.0s unless back',
      '  edge-1         done',
      'waiting for: edge-0, edge-2 · deadline in 24.0s · edge-2 disconnected: the round waits for it to reconnect or drop',
    ]);
  });

  it('live view - says the coordinator is lost and when it tries again, and cuts every line to the terminal width', () => {
    const view = reduceView(fold(EVENTS), at(20, { type: 'reconnecting', error: 'cannot reach coordinator', attempt: 2, retryInMs: 1500, lostForMs: 3000 }));
    const lines = liveViewLines(view, T0 + 20_500, 60);
    expect(lines[2]).toBe('coordinator lost 3.5s ago, reconnecting… (attempt 2, next i…');
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);
  });

  it('live view - without test accuracy the trend is the mean training loss', () => {
    const view = fold([{ ...EVENTS[0], accuracy: [null, null] } as WatchEvent, at(9, { type: 'round_committed', round: 3, attempt: 1, reported: 2, selected: 3, loss: 0.5 })]);
    expect(liveViewLines(view, T0 + 10_000)[1]).toBe('train loss █▄▁ 0.5000 (3 rounds)');
  });

  it('live view - between rounds says which round it waits for; at the end says how the run ended', () => {
    const between = fold([...EVENTS, at(9, { type: 'round_committed', round: 3, attempt: 1, reported: 2, selected: 3, durationMs: 8000 })]);
    expect(liveViewLines(between, T0 + 10_000)).toContain('waiting for round 4 to start (selecting clients)');
    const failed = reduceView(between, at(11, { type: 'run_failed', reason: 'round 4 failed' }));
    expect(liveViewLines(failed, T0 + 12_000).at(-1)).toBe('run failed: round 4 failed');
  });

  it('sparkline - scales between the minimum and maximum, leaves gaps for rounds without evaluation, keeps the last values', () => {
    expect(sparkline([0.1, 0.5, null, 0.9])).toBe('▁▅ █');
    expect(sparkline([0.7, 0.7])).toBe('▄▄');
    expect(sparkline([])).toBe('');
    expect([...sparkline(Array.from({ length: 50 }, (_, i) => i), 20)]).toHaveLength(20);
  });

  it('plain lines - one line per event without escapes, none for training progress', () => {
    let view = initialView('run-1');
    const lines: string[] = [];
    for (const e of EVENTS) {
      view = reduceView(view, e);
      const line = eventLine(e, view);
      if (line !== undefined) lines.push(line);
    }
    expect(lines).toEqual([
      'watching run run-1: running, 2/5 rounds committed, test acc 0.6200',
      'round 3/5 started: 3 client(s) selected (edge-0, edge-1, edge-2), deadline in 30.0s',
      'round 3: edge-0 downloading',
      'round 3: edge-0 training',
      'round 3: edge-1 done',
      'round 3: edge-2 downloading',
      'round 3: edge-2 disconnected; the round drops it in 8.0s unless it reconnects (deadline in 25.0s)',
    ]);
  });

  it('json - the type first, ISO times beside epoch ms, absent values left out', () => {
    const doc = JSON.parse(eventJson(EVENTS[1]));
    expect(Object.keys(doc)[0]).toBe('type');
    expect(doc).toEqual({
      type: 'round_started', runId: 'run-1', round: 3, attempt: 1,
      deadline: new Date(T0 + 31_000).toISOString(), deadlineMs: T0 + 31_000,
      startedAt: new Date(T0 + 1000).toISOString(), startedAtMs: T0 + 1000,
      clients: ['edge-0', 'edge-1', 'edge-2'],
      at: new Date(T0 + 1000).toISOString(), atMs: T0 + 1000,
    });
    const committed = JSON.parse(eventJson(at(9, { type: 'round_committed', round: 3, attempt: 1, reported: 0, selected: 3 })));
    expect('loss' in committed || 'accuracy' in committed).toBe(false);
  });
});
