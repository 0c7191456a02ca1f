import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import type { ClientRecord, RoundRecord } from '../../common/types';
import { watchedClients, WatchedClientsTicker, WATCHED_CLIENTS_EVERY_MS } from '../../services/coordinator/rpc/watched-clients';
import type { WatchedClient } from '../../proto/gen/fedlink/v1/WatchedClient';

const round = (states: Record<string, string>, endedAtMs?: number) =>
  ({ runId: 'r', round: 1, attempt: 1, state: 'training', startedAtMs: 0, endedAtMs, deadlineMs: 60_000, clients: Object.entries(states).map(([clientId, state]) => ({ clientId, state, numExamples: 0, bytesDown: 0, bytesUp: 0, selectedAtMs: 0 })) }) as unknown as RoundRecord;
const session = (clientId: string, status: 'connected' | 'disconnected', progress?: number) => ({ clientId, status, lastSeenMs: 5, progress }) as unknown as ClientRecord;

describe('WatchRun live clients', () => {
  it('lists the unsettled clients of a running round with their heartbeat progress and connection; none once the round ended', () => {
    const r = round({ a: 'dispatched', b: 'finished', c: 'uploading', d: 'dispatched' });
    expect(watchedClients(r, [session('a', 'connected', 0.4), session('c', 'disconnected')], 8000)).toEqual([
      { clientId: 'a', connected: true, lastSeenMs: 5, dropAtMs: 0, progress: 0.4 },
      // Its reconnect grace started when its session ended (lastSeenMs), capped by the round deadline.
      { clientId: 'c', connected: false, lastSeenMs: 5, dropAtMs: 8005 },
      { clientId: 'd', connected: false, lastSeenMs: 0, dropAtMs: 0 },
    ]);
    expect(watchedClients({ ...r, deadlineMs: 3000 }, [session('c', 'disconnected')], 8000)[1].dropAtMs).toBe(3000);
    expect(watchedClients(round({ a: 'dispatched' }, 10), [session('a', 'connected')])).toEqual([]);
    expect(watchedClients(undefined, [])).toEqual([]);
  });

  it('the ticker sends only when progress (in whole percent) or a connection changed, and stops for good', () => {
    const clock = new FakeClock();
    let live: WatchedClient[] = [{ clientId: 'a', connected: true, lastSeenMs: 1, progress: 0.1 }];
    const sent: WatchedClient[][] = [];
    const ticker = new WatchedClientsTicker(clock, () => live, (c) => sent.push(c));
    ticker.sent(live);
    ticker.start();
    clock.advance(WATCHED_CLIENTS_EVERY_MS);
    live = [{ clientId: 'a', connected: true, lastSeenMs: 2, progress: 0.101 }];
    clock.advance(WATCHED_CLIENTS_EVERY_MS);
    expect(sent).toEqual([]);
    live = [{ clientId: 'a', connected: false, lastSeenMs: 2, progress: 0.101 }];
    clock.advance(WATCHED_CLIENTS_EVERY_MS);
    expect(sent).toEqual([live]);
    ticker.stop();
    live = [];
    clock.advance(10 * WATCHED_CLIENTS_EVERY_MS);
    expect(sent).toHaveLength(1);
  });
});
