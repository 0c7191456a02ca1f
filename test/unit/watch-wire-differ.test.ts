import { describe, expect, it } from 'vitest';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { RoundClient__Output } from '../../proto/gen/fedlink/v1/RoundClient';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import type { RunEvent__Output } from '../../proto/gen/fedlink/v1/RunEvent';
import { WireDiffer, type WatchInput } from '../../clients/cli/watch/wire-differ';

const T0 = 1_800_000_000_000;

function run(state: string, committed: number, reason = ''): Run__Output {
  return { runId: 'run-1', state, committedRounds: committed, currentRound: committed + 1, config: { rounds: 3 }, createdAtMs: T0 - 60_000, reason, latestEval: committed ? { accuracy: 0.6 + committed / 100 } : null } as unknown as Run__Output;
}

function client(clientId: string, state: string, reason = ''): RoundClient__Output {
  return { clientId, state, reason } as RoundClient__Output;
}

function round(n: number, state: string, clients: RoundClient__Output[], attempt = 1): Round__Output {
  return {
    runId: 'run-1', round: n, attempt, state, reason: state === 'failed' ? 'interrupted' : '', startedAtMs: T0 + n * 10_000, endedAtMs: state === 'committed' || state === 'failed' ? T0 + n * 10_000 + 8000 : 0,
    deadlineUnixMs: T0 + n * 10_000 + 30_000, clients, reported: clients.filter((c) => c.state === 'finished').length, meanTrainLoss: 0.5, eval: state === 'committed' ? { accuracy: 0.6 + n / 100 } : null,
  } as unknown as Round__Output;
}

const ev = (e: Partial<RunEvent__Output>): WatchInput => ({ kind: 'event', event: { run: null, round: null, clients: [], sentAtMs: 0, ...e } as RunEvent__Output });

function types(differ: WireDiffer, inputs: WatchInput[]): string[] {
  return inputs.flatMap((i) => differ.apply(i, T0)).map((e) => {
    const { type, ...rest } = e as unknown as Record<string, unknown>;
    return [type, rest.round, rest.client, rest.state ?? rest.progress ?? rest.connected].filter((x) => x !== undefined).join(' ');
  });
}

describe('runs watch - snapshots to events', () => {
  it('reports the history once, then only what changed: clients downloading, training with progress, uploading, done', () => {
    const differ = new WireDiffer('run-1');
    const r2 = (cs: RoundClient__Output[]) => round(2, 'training', cs);
    const first = differ.apply({ kind: 'history', rounds: [round(1, 'committed', [client('a', 'finished')])] }, T0);
    expect(first).toEqual([]);
    const out = types(differ, [
      ev({ run: run('running', 1), round: r2([client('a', 'selected'), client('b', 'dispatched')]) }),
      ev({ run: run('running', 1), round: r2([client('a', 'dispatched'), client('b', 'dispatched')]) }),
      ev({ clients: [{ clientId: 'a', connected: true, lastSeenMs: T0, dropAtMs: 0, progress: 0.25 }] }),
      ev({ clients: [{ clientId: 'a', connected: true, lastSeenMs: T0, dropAtMs: 0, progress: 0.5 }] }),
      ev({ clients: [{ clientId: 'a', connected: true, lastSeenMs: T0, dropAtMs: 0 }] }),
      ev({ run: run('running', 1), round: r2([client('a', 'uploading'), client('b', 'dispatched')]) }),
      ev({ run: run('running', 1), round: r2([client('a', 'finished'), client('b', 'dropped', 'client failed: out of memory')]) }),
      ev({ run: run('running', 2), round: round(2, 'committed', [client('a', 'finished'), client('b', 'dropped')]) }),
    ]);
    expect(out).toEqual([
      'watching running',
      'round_started 2',
      'client_state 2 b downloading',
      'client_state 2 a downloading',
      'client_state 2 a training',
      'client_progress 2 a 0.25',
      'client_progress 2 a 0.5',
      'client_state 2 a uploading',
      'client_state 2 a done',
      'client_state 2 b dropped',
      'round_committed 2',
    ]);
  });

  it('the first event carries the committed rounds\' accuracies and when round 1 started, and the dropped reason reaches its event', () => {
    const differ = new WireDiffer('run-1');
    differ.apply({ kind: 'history', rounds: [round(1, 'committed', []), round(2, 'failed', []), round(2, 'committed', [], 2)] }, T0);
    const [watching] = differ.apply(ev({ run: run('running', 2) }), T0);
    expect(watching).toMatchObject({ type: 'watching', rounds: 3, committed: 2, startedAtMs: T0 + 10_000, accuracy: [0.61, 0.62], loss: [null, null] });
    const dropped = differ.apply(ev({ run: run('running', 2), round: round(3, 'training', [client('b', 'dropped', 'gone\u001b[2J')]) }), T0);
    expect(dropped[1]).toMatchObject({ type: 'client_state', client: 'b', state: 'dropped', reason: 'gone' });
  });

  it('a disconnect and a reconnect of a selected client are events with the round deadline', () => {
    const differ = new WireDiffer('run-1');
    differ.apply(ev({ run: run('running', 0), round: round(1, 'training', [client('a', 'dispatched')]) }), T0);
    const lost = differ.apply(ev({ clients: [{ clientId: 'a', connected: false, lastSeenMs: T0, dropAtMs: T0 + 8000 }] }), T0);
    expect(lost).toEqual([{ type: 'client_connection', runId: 'run-1', atMs: T0, round: 1, client: 'a', connected: false, deadlineMs: T0 + 40_000, dropAtMs: T0 + 8000 }]);
    expect(types(differ, [ev({ clients: [{ clientId: 'a', connected: false, lastSeenMs: T0 + 1, dropAtMs: T0 + 8000 }] }), ev({ clients: [{ clientId: 'a', connected: true, lastSeenMs: T0 + 2, dropAtMs: 0 }] })])).toEqual(['client_connection 1 a true']);
  });

  it('after a reconnect, rounds that ended while away are reported once, and the repeated snapshot adds nothing', () => {
    const differ = new WireDiffer('run-1');
    differ.apply({ kind: 'history', rounds: [] }, T0);
    differ.apply(ev({ run: run('running', 0), round: round(1, 'training', [client('a', 'dispatched')]) }), T0);
    const back = types(differ, [
      { kind: 'lost', error: 'cannot reach coordinator', attempt: 1, retryInMs: 500, lostForMs: 0 },
      { kind: 'back', lostForMs: 4000 },
      { kind: 'history', rounds: [round(1, 'failed', []), round(1, 'committed', [], 2), round(2, 'training', [])] },
      ev({ run: run('running', 1), round: round(2, 'training', [client('a', 'selected')]) }),
      ev({ run: run('running', 1), round: round(2, 'training', [client('a', 'selected')]) }),
    ]);
    expect(back).toEqual(['reconnecting', 'reconnected', 'round_failed 1', 'round_committed 1', 'round_started 2']);
  });

  it('a run already over ends the watch at once; failed and cancelled carry the reason', () => {
    const done = new WireDiffer('run-1').apply(ev({ run: run('completed', 3), round: round(3, 'committed', []) }), T0);
    expect(done.map((e) => e.type)).toEqual(['watching', 'round_committed', 'run_completed']);
    const differ = new WireDiffer('run-1');
    differ.apply(ev({ run: run('running', 1) }), T0);
    expect(differ.apply(ev({ run: run('cancelled', 1, 'cancelled by operator:alice') }), T0)).toEqual([{ type: 'run_cancelled', runId: 'run-1', atMs: T0, reason: 'cancelled by operator:alice' }]);
  });
});
