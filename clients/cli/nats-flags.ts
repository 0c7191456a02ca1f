/** The NATS connection flags shared by `fedlink coordinator` and `fedlink client`. */
import { Option, type Command } from 'commander';
import type { NatsConnectOptions } from '../../common/nats-options';

/** Flags as commander parses them. */
export interface NatsFlags {
  nats?: string;
  natsUser?: string;
  natsPass?: string;
  natsToken?: string;
  natsCreds?: string;
}

/** Adds --nats, --nats-user, --nats-pass, --nats-token, --nats-creds (with FEDLINK_NATS_* env fallbacks). */
export function addNatsFlags(command: Command): Command {
  return command
    .addOption(new Option('--nats <url>', 'NATS server URL(s), comma-separated (default: none, in-process events only)').env('FEDLINK_NATS_URL'))
    .addOption(new Option('--nats-user <user>', 'NATS user').env('FEDLINK_NATS_USER'))
    .addOption(new Option('--nats-pass <password>', 'NATS password').env('FEDLINK_NATS_PASS'))
    .addOption(new Option('--nats-token <token>', 'NATS token').env('FEDLINK_NATS_TOKEN'))
    .addOption(new Option('--nats-creds <file>', 'NATS .creds file').env('FEDLINK_NATS_CREDS'));
}

/** Flags → connection options, or undefined when no URL was given. */
export function toNatsOptions(flags: NatsFlags): NatsConnectOptions | undefined {
  if (!flags.nats) return undefined;
  return { url: flags.nats, user: flags.natsUser, pass: flags.natsPass, token: flags.natsToken, creds: flags.natsCreds };
}
