/**
 * Which options of a command are settings (a flag, an environment variable and
 * a config-file key), and which of those hold secrets. Everything else about a
 * setting (its key, variable, parser, default) is read off the commander Option.
 */
import type { Command, Option } from 'commander';

/**
 * Flags that choose what the command does this once rather than how it runs:
 * command line only, so an environment or a file can never turn a daemon into
 * a one-shot check. (`--config` has FEDLINK_CONFIG but is no key of the file.)
 */
export const COMMAND_LINE_ONLY: Readonly<Record<string, string>> = {
  '--config': 'names the file itself',
  '--print-config': 'prints the settings and exits',
  '--list-profiles': 'prints the link profiles and exits',
  '--check-data': 'checks the local data and exits',
  '--output': 'lays out the --list-profiles table',
};

/** Flags that only take an environment variable, not a config-file key. */
const ENV_ONLY = new Set(['--config']);

// Values that grant access: never printed by --print-config. Keys and certificates are
// given as file paths, which are not secret; a password or token is the secret itself.
const SECRET = /(^|-)(pass|password|token|secret)(-|$)/;

/** The config-file key of an option: its long flag without the dashes (kebab-case, as on the command line). */
export function settingKey(option: Option): string {
  return option.long!.slice(2);
}

/** True when the option's value is a credential (a password or token), shown only as <redacted>. */
export function isSecret(option: Option): boolean {
  return SECRET.test(settingKey(option));
}

/** True for a flag without a value (`--ha`): true or false in a file or variable. */
export function isSwitch(option: Option): boolean {
  return !option.required && !option.optional;
}

/** True when the option has an environment variable. */
export function hasEnv(option: Option): boolean {
  return option.long !== undefined && (!(option.long in COMMAND_LINE_ONLY) || ENV_ONLY.has(option.long));
}

/** The options of `command` that are settings: each has a flag, a variable and a config-file key. */
export function settingOptions(command: Command): Option[] {
  return command.options.filter((o) => o.long !== undefined && !(o.long in COMMAND_LINE_ONLY));
}
