/**
 * `fedlink linkem`: a link-emulating TCP proxy between a daemon and the coordinator
 * (latency, jitter, bandwidth, resets, outages from a named profile), and
 * `--list-profiles` to print the profile table.
 */
import { InvalidArgumentError as FlagError, Option, type Command } from 'commander';
import { FedlinkError, InvalidArgumentError } from '../../../common/errors';
import { LOG_LEVELS } from '../../../common/log-levels';
import { parseHostPort, type HostPort } from '../../linkem/host-port';
import type { LinkemRunOptions } from '../../linkem/main';
import { PROFILES, PROFILE_NAMES, parseProfile, type LinkProfile } from '../../linkem/profiles';
import { printJson, type CliContext } from '../context';
import { columnsTable, type Column } from '../format';
import { nonNegativeInt } from '../flags';
import { addOutputOption, isWide, type OutputFlags } from '../output-option';
import { withSettings } from '../settings/with-settings';

interface LinkemFlags {
  listen: HostPort;
  target?: HostPort;
  profile: LinkProfile;
  seed: number;
  logLevel: string;
  listProfiles?: boolean;
  json?: boolean;
}

// Commander flag parsers: domain errors become commander's one-line "option ... is invalid" (exit 2).
function asFlag<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      throw new FlagError(err instanceof FedlinkError ? err.message : String(err));
    }
  };
}

function mbps(value: number): string {
  return value > 0 ? String(value) : 'unlimited';
}

/** The `--list-profiles` table: one row per profile (`wide`: every column, nothing cut). */
export function profilesTable(profiles: readonly LinkProfile[] = PROFILES, options: { wide?: boolean } = {}): string {
  const columns: Array<Column<LinkProfile>> = [
    { head: 'profile', cell: (p) => p.name },
    { head: 'radio', cell: (p) => p.radio },
    { head: 'latency ms', cell: (p) => String(p.latencyMs) },
    { head: 'jitter ms', cell: (p) => `±${p.jitterMs}`, wide: true },
    { head: 'down Mbit/s', cell: (p) => mbps(p.downMbps) },
    { head: 'up Mbit/s', cell: (p) => mbps(p.upMbps) },
    { head: 'burst KiB', cell: (p) => String(p.burstKiB), wide: true },
    { head: 'resets/min', cell: (p) => String(p.resetsPerMinute), wide: true },
    { head: 'outage', cell: (p) => (p.outage ? `${p.outage.durationMs / 1000}s every ${p.outage.everyMs / 1000}s` : '-'), wide: true },
    { head: 'description', cell: (p) => p.description, shrink: true },
  ];
  return columnsTable(columns, profiles, options);
}

/** Flags → options for runLinkem; throws InvalidArgumentError when --target is missing. */
export function toLinkemOptions(flags: LinkemFlags): LinkemRunOptions {
  if (!flags.target) throw new InvalidArgumentError('linkem needs --target <host:port> (the coordinator address), or --list-profiles');
  return { listen: flags.listen, target: flags.target, profile: flags.profile, seed: flags.seed, logLevel: flags.logLevel, json: flags.json ?? false };
}

/** Registers `fedlink linkem`. */
export function registerLinkemCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('linkem')
    .description('run a link-emulating TCP proxy (latency, jitter, bandwidth, resets, outages) in front of a coordinator until SIGINT/SIGTERM')
    .addOption(new Option('--listen <host:port>', 'address to accept clients on (port 0 picks a free one)').argParser(asFlag(parseHostPort)).default(parseHostPort('127.0.0.1:6000'), '127.0.0.1:6000'))
    .addOption(new Option('--target <host:port>', 'address to forward to (the coordinator)').argParser(asFlag(parseHostPort)))
    .addOption(
      new Option('--profile <spec>', `link profile: ${PROFILE_NAMES.join(' | ')}, optionally with overrides (lte,up=2,down=10,latency=60,outage=3s/20s) or a JSON object`)
        .argParser(asFlag(parseProfile))
        .default(parseProfile('none'), 'none'),
    )
    .addOption(new Option('--seed <n>', 'seed for random resets and jitter').argParser(nonNegativeInt).default(1))
    .option('--list-profiles', 'print the named profiles and exit (-o wide: every column)')
    .option('--json', 'with --list-profiles: print the profiles as JSON; when running: print the ready line as JSON')
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'));
  withSettings(addOutputOption(command), ctx, async (flags: LinkemFlags & OutputFlags) => {
    if (flags.listProfiles) {
      if (flags.json) return printJson(ctx.io, { profiles: PROFILES });
      return void ctx.io.stdout.write(profilesTable(PROFILES, { wide: isWide(flags) }));
    }
    const options = toLinkemOptions(flags);
    const { runLinkem }: typeof import('../../linkem/main') = await import('../../linkem/main');
    await runLinkem(options, ctx.io.stdout);
  });
}
