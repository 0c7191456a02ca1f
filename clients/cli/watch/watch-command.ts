/** The `runs watch` action: picks the output mode, connects with the command's flags, and turns the outcome into the exit code. */
import { systemClock } from '../../../common/clock';
import type { CliContext, ControlFlags, Output } from '../context';
import { CoordinatorCallError } from '../errors';
import { InvalidArgumentError } from '../../../common/errors';
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
  const addresses = coordinatorAddresses(flags.coordinator);
  let next = 0;
  const stdout = ctx.io.stdout;
  const mode = watchMode(stdout, flags.json === true, process.env.TERM);
  const outcome = await runWatch({
    runId,
    mode,
    out: ctx.io.stdout,
    clock: systemClock,
    giveUpAfterMs: flags.giveUpAfter,
    columns: () => stdout.columns ?? 80,
    addresses: addresses.length,
    // Round the addresses: after a failover the leader is another process, and any of them (a standby follows the shared store) can be watched.
    connect: () => connectControl({ address: addresses[next++ % addresses.length], tls }),
  });
  if (!outcome) throw new CoordinatorCallError(`the watch stream of run ${runId} ended before the run finished`, status.UNAVAILABLE);
  return WATCH_EXITS[outcome].code;
}

/** The addresses of a comma-separated --coordinator (the coordinators of an HA pair). */
export function coordinatorAddresses(flag: string): string[] {
  const list = flag.split(',').map((a) => a.trim()).filter(Boolean);
  if (!list.length) throw new InvalidArgumentError('--coordinator needs at least one host:port');
  return list;
}

/** JSON when asked; the live view on a terminal that can move its cursor; plain lines otherwise (a pipe, a file, TERM=dumb). */
export function watchMode(out: Output, json: boolean, term: string | undefined): WatchMode {
  if (json) return 'json';
  return out.isTTY === true && term !== 'dumb' ? 'live' : 'lines';
}
