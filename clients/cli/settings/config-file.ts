/**
 * Reads a `--config` YAML file: a mapping whose keys are the command's flag
 * names (kebab-case, without dashes), checked by the settings schema. Every
 * mistake is one line naming the file and the key (InvalidArgumentError, exit 2).
 */
import { readFileSync } from 'node:fs';
import type { Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InvalidArgumentError } from '../../../common/errors';
import { COMMAND_LINE_ONLY, settingKey } from './setting-flags';
import { expectedForm, settingsSchema, shown, type ArgParser, type SettingValue } from './settings-schema';

/** The file's settings by key, each with its text and parsed value. */
export type FileSettings = ReadonlyMap<string, SettingValue>;

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (err as Error).message;
    throw new InvalidArgumentError(`--config: cannot read ${file} (${why})`);
  }
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/** Why a key is not a setting, and what the user probably meant. */
function unknownKeyHint(key: string, keys: readonly string[]): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');
  if (kebab !== key && keys.includes(kebab)) return `keys are flag names in kebab-case: ${kebab}`;
  if (`--${key}` in COMMAND_LINE_ONLY) return `--${key} is for the command line only: it ${COMMAND_LINE_ONLY[`--${key}`]}`;
  const near = keys.map((k) => ({ k, d: editDistance(key, k) })).sort((x, y) => x.d - y.d)[0];
  if (near && near.d <= Math.max(1, Math.floor(key.length / 4))) return `did you mean ${near.k}?`;
  return 'see --help for the flags; a key is a flag name without the dashes';
}

function issueLine(issue: z.core.$ZodIssue, doc: Record<string, unknown>, byKey: ReadonlyMap<string, Option>, command: string): string {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    return `unknown key "${key}" (not a setting of ${command}; ${unknownKeyHint(key, [...byKey.keys()])})`;
  }
  if (issue.code === 'custom') return issue.message;
  const key = String(issue.path[0]);
  const option = byKey.get(key);
  return `${key}: ${shown(doc[key])} is not valid: expected ${option ? expectedForm(option) : 'a value'}`;
}

/** Reads and checks `file` against `options` (parsed by `parserOf`); `command` names the command in messages. */
export function readConfigFile(file: string, options: readonly Option[], command: string, parserOf?: (option: Option) => ArgParser | undefined): FileSettings {
  let doc: unknown;
  try {
    doc = parseYaml(readText(file));
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0].replace(/:$/, '')}`);
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InvalidArgumentError(`${file}: expected a mapping of settings (key: value, one per line), got ${Array.isArray(doc) ? 'a list' : shown(doc)}`);
  }
  const byKey = new Map(options.map((o) => [settingKey(o), o]));
  const result = settingsSchema(options, parserOf).safeParse(doc);
  if (!result.success) throw new InvalidArgumentError(`${file}: ${issueLine(result.error.issues[0], doc as Record<string, unknown>, byKey, command)}`);
  const out = new Map<string, SettingValue>();
  for (const [key, value] of Object.entries(result.data)) if (value !== undefined) out.set(key, value);
  return out;
}
