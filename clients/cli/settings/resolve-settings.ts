/**
 * Settles every setting of a command after commander has read the flags and
 * the environment: flag > environment variable > config file > default.
 * Commander already ranks flags over variables over defaults; this fills in the
 * file where neither a flag nor a variable spoke, and reads switch variables
 * strictly (commander takes FEDLINK_HA=false as "on").
 */
import type { Command, Option } from 'commander';
import { InvalidArgumentError } from '../../../common/errors';
import type { FileSettings } from './config-file';
import { isSecret, isSwitch, settingKey, settingOptions } from './setting-flags';
import { parseSwitch } from './switch-value';

/** Where a setting's value came from, highest precedence first. */
export const SETTING_SOURCES = ['flag', 'env', 'file', 'default'] as const;

/** One of SETTING_SOURCES, or 'unset' for an option without a default that nobody set. */
export type SettingSource = (typeof SETTING_SOURCES)[number] | 'unset';

/** A setting once settled. */
export interface ResolvedSetting {
  option: Option;
  key: string;
  source: SettingSource;
  /** The value as the user wrote it (or the default as --help shows it); undefined when unset. */
  text?: string;
  secret: boolean;
}

const FROM_COMMANDER: Record<string, SettingSource> = { cli: 'flag', env: 'env', config: 'file', default: 'default', implied: 'default' };

/** What resolveSettings needs besides the command. */
export interface ResolveInputs {
  /** The --config file's settings, if one was given. */
  file?: FileSettings;
  /** The text each flag or variable was given as, by attribute name (recorded as commander parsed it). */
  given: ReadonlyMap<string, string>;
  env?: NodeJS.ProcessEnv;
}

/** Applies the file and the strict switch variables to `command`'s option values, and says where each setting came from. */
export function resolveSettings(command: Command, inputs: ResolveInputs): ResolvedSetting[] {
  const env = inputs.env ?? process.env;
  return settingOptions(command).map((option) => {
    const attr = option.attributeName();
    const key = settingKey(option);
    let source = command.getOptionValueSource(attr);
    let text = inputs.given.get(attr);
    if (source === 'env' && isSwitch(option)) {
      const raw = env[option.envVar!] ?? '';
      const value = parseSwitch(raw);
      if (value === undefined) throw new InvalidArgumentError(`${option.envVar}: ${JSON.stringify(raw)} is not valid for ${option.long}: expected true or false (or 1/0, yes/no, on/off)`);
      command.setOptionValueWithSource(attr, value, 'env');
      text = String(value);
    }
    const fromFile = inputs.file?.get(key);
    if (fromFile && (source === undefined || source === 'default' || source === 'implied')) {
      command.setOptionValueWithSource(attr, fromFile.value, 'config');
      source = 'config';
      text = fromFile.text;
    }
    const value: unknown = command.getOptionValue(attr);
    const secret = isSecret(option);
    if (value === undefined) return { option, key, source: 'unset', secret };
    const settled = FROM_COMMANDER[source ?? 'default'] ?? 'default';
    const asText = Array.isArray(value) ? value.join(',') : String(value);
    // A default shows as --help shows it ("5s", not 5000), so the printed settings read back the same.
    if (settled === 'default') return { option, key, source: settled, text: option.defaultValueDescription ?? asText, secret };
    return { option, key, source: settled, text: isSwitch(option) ? asText : (text ?? asText), secret };
  });
}
