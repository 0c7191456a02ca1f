/**
 * `--print-config`: the settled settings as a YAML file the command would read
 * back, each line saying where its value came from; secrets as <redacted>.
 */
import { parse, stringify } from 'yaml';
import type { ResolvedSetting } from './resolve-settings';

/** Shown instead of a password or token. */
export const REDACTED = '<redacted>';

function sourceNote(s: ResolvedSetting): string {
  if (s.source === 'env') return `env ${s.option.envVar}`;
  return s.source;
}

// Numbers and switches bare (port: 50051), everything else as YAML quotes it; either reads back as the same text.
function scalar(text: string): string {
  let read: unknown;
  try {
    read = parse(text);
  } catch {
    read = undefined;
  }
  return (typeof read === 'number' || typeof read === 'boolean') && String(read) === text ? text : stringify(text).trimEnd();
}

/** The settings of `command` (its name as typed, e.g. "fedlink coordinator") as commented YAML. */
export function renderSettings(command: string, settings: readonly ResolvedSetting[], configFile?: string): string {
  const lines = [`# ${command}: resolved settings (flag > env > file > default)${configFile ? `; file: ${configFile}` : ''}`];
  const width = Math.max(...settings.map((s) => s.key.length));
  for (const s of settings) {
    if (s.source === 'unset') {
      lines.push(`# ${s.key}: (not set)`);
      continue;
    }
    const value = s.secret ? REDACTED : scalar(s.text!);
    lines.push(`${`${s.key}:`.padEnd(width + 1)} ${value}  # ${sourceNote(s)}`);
  }
  return `${lines.join('\n')}\n`;
}
