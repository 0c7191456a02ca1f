/** The `runs watch` action: picks the output mode, connects with the command's flags, and turns the outcome into the exit code. */
import { systemClock } from '../../../common/clock';
import type { CliContext, ControlFlags } from '../context';
import { CoordinatorCallError } from '../errors';
import { status } from '../grpc-status';
import { tlsFromFlags } from '../tls-flags';
import { runWatch, type WatchMode } from './run-watch';
import { WATCH_EXITS } from './watch-exit';

/** --give-up-after when not given, ms. */
export const DEFAULT_GIVE_UP_AFTER_MS = 60_000;

/** Watches `runId`; the exit code of how the watch ended. */
export async function watchCommand(ctx: CliContext, runId: string, flags: ControlFlags & { giveUpAfter: number }): Promise<number> {
  // Loaded on use, like withControl: gRPC and the protos are most of what a command would read at start.
  const { connectControl } = await import('../control-client');
  const tls = tlsFromFlags(flags);
  const stdout = ctx.io.stdout as { isTTY?: boolean; columns?: number };
  const mode: WatchMode = flags.json ? 'json' : stdout.isTTY === true && process.env.TERM !== 'dumb' ? 'live' : 'lines';
  const outcome = await runWatch({
    runId,
    mode,
    out: ctx.io.stdout,
    clock: systemClock,
    giveUpAfterMs: flags.giveUpAfter,
    columns: () => stdout.columns ?? 80,
    connect: () => connectControl({ address: flags.coordinator, tls }),
  });
  if (!outcome) throw new CoordinatorCallError(`the watch stream of run ${runId} ended before the run finished`, status.UNAVAILABLE);
  return WATCH_EXITS[outcome].code;
}
