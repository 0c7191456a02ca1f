/**
 * The connection side of `runs watch`: the run's rounds so far, then its
 * event stream, and when the coordinator goes away (restart, failover, a
 * broken network) a fresh connection after a jittered backoff, until the run
 * ends or the coordinator has been gone for longer than the give-up limit.
 * The first connection is not retried (beyond trying each address once): a
 * wrong address or run id is reported at once.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock } from '../../../common/clock';
import { nextDelay, type BackoffOptions } from '../../daemon/backoff';
import type { ListRoundsResponse__Output } from '../../../proto/gen/fedlink/v1/ListRoundsResponse';
import type { RunEvent__Output } from '../../../proto/gen/fedlink/v1/RunEvent';
import { CoordinatorCallError, errorLine } from '../errors';
import { status } from '../grpc-status';
import type { WatchInput } from './wire-differ';

/** The two calls a watch makes on one connection. */
export interface WatchConnection {
  listRounds(runId: string): Promise<ListRoundsResponse__Output>;
  watchRun(runId: string): AsyncIterable<RunEvent__Output>;
  close(): void;
}

/** What followRun needs. */
export interface FollowOptions {
  runId: string;
  /** Opens a new connection (one per attempt, so no channel's own backoff delays the next try; with several addresses, the next one). */
  connect: () => WatchConnection;
  /** How many addresses `connect` goes round: the first connection tries each once before failing. @default 1 */
  addresses?: number;
  clock: Clock;
  /** How long the coordinator may stay unreachable before the watch gives up, ms. */
  giveUpAfterMs: number;
  /** Delays between attempts. @default { initialMs: 500, maxMs: 5000 } */
  backoff?: BackoffOptions;
  /**
   * Waits between attempts. @default a referenced timer: the clock's timers are
   * unref'd, and while reconnecting nothing else keeps the CLI process alive.
   */
  sleep?: (ms: number) => Promise<void>;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Statuses that say the coordinator is (for now) not there, rather than that the watch is wrong. */
const TRANSIENT = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.UNKNOWN, status.INTERNAL, status.CANCELLED, status.ABORTED]);

/** Shortest wait between attempts, ms (full jitter can draw ~0). */
const MIN_DELAY_MS = 100;

/** The watch's inputs, in order, until the run ends or the watch gives up; rethrows what retrying cannot fix. */
export async function* followRun(options: FollowOptions): AsyncGenerator<WatchInput> {
  const { runId, clock, giveUpAfterMs } = options;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 5000 };
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  let connected = false;
  let lostAtMs: number | undefined;
  let attempt = 0;
  let firstTries = 0;
  let conn = options.connect();
  try {
    for (;;) {
      try {
        const { rounds } = await conn.listRounds(runId);
        if (lostAtMs !== undefined) yield { kind: 'back', lostForMs: clock.now() - lostAtMs };
        lostAtMs = undefined;
        attempt = 0;
        connected = true;
        yield { kind: 'history', rounds };
        for await (const event of conn.watchRun(runId)) {
          yield { kind: 'event', event };
          if (event.run && TERMINAL.has(event.run.state)) return;
        }
        throw new CoordinatorCallError(`the watch stream of run ${runId} ended before the run finished`, status.UNAVAILABLE);
      } catch (err) {
        if (!(err instanceof CoordinatorCallError) || !TRANSIENT.has(err.code)) throw err;
        if (!connected) {
          if (++firstTries >= (options.addresses ?? 1)) throw err;
          conn.close();
          conn = options.connect();
          continue;
        }
        lostAtMs ??= clock.now();
        const lostForMs = clock.now() - lostAtMs;
        if (lostForMs >= giveUpAfterMs) {
          yield { kind: 'gave_up', lostForMs };
          return;
        }
        const retryInMs = Math.min(Math.max(MIN_DELAY_MS, nextDelay(attempt, backoff)), giveUpAfterMs - lostForMs);
        attempt++;
        yield { kind: 'lost', error: errorLine(err), attempt, retryInMs, lostForMs };
        conn.close();
        await sleep(retryInMs);
        conn = options.connect();
      }
    }
  } finally {
    conn.close();
  }
}
