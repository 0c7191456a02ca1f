/**
 * The one schema of a command's settings, derived from its commander options:
 * a key per option, each value sent through the option's own argument parser
 * (durations, sizes, choices), so a file is checked exactly as the flags are.
 */
import type { Option } from 'commander';
import { z } from 'zod';
import { isSwitch, settingKey } from './setting-flags';
import { parseSwitch } from './switch-value';

/** An option's argument parser (commander's, which throws on a bad value). */
export type ArgParser = (text: string, previous: unknown) => unknown;

/** A setting as read from a file or a variable: the text as written, and the value the flag would have. */
export interface SettingValue {
  text: string;
  value: unknown;
}

/** What a value of this option looks like, for error messages ("true or false", "one of file, memory", "<duration>"). */
export function expectedForm(option: Option): string {
  if (isSwitch(option)) return 'true or false';
  if (option.argChoices) return `one of ${option.argChoices.join(', ')}`;
  return option.flags.split(/\s+/).slice(1).join(' ');
}

/** A value as it appears in a message: strings quoted, the rest as YAML would show them. */
export function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : Array.isArray(value) ? `[${value.map(shown).join(', ')}]` : typeof value === 'object' ? 'a mapping' : String(value);
}

function invalid(option: Option, input: unknown, why: string): string {
  return `${settingKey(option)}: ${shown(input)} is not valid: ${why}`;
}

// Parser messages start a sentence of their own; here they follow a colon.
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

const scalar = z.union([z.string(), z.number()]);

function switchSetting(option: Option): z.ZodType<SettingValue> {
  return z.union([z.boolean(), z.string()]).transform((input, ctx) => {
    const value = typeof input === 'boolean' ? input : parseSwitch(input);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: invalid(option, input, `expected ${expectedForm(option)}`), input });
      return z.NEVER;
    }
    return { text: String(value), value };
  });
}

function valueSetting(option: Option, parse: ArgParser | undefined): z.ZodType<SettingValue> {
  // A list is the flag's comma-separated form ("allowed-models: [mlp, cnn]" is "--allowed-models mlp,cnn").
  return z.union([scalar, z.array(scalar)]).transform((input, ctx) => {
    const text = Array.isArray(input) ? input.join(',') : String(input);
    try {
      return { text, value: parse ? parse(text, undefined) : text };
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: invalid(option, input, lowerFirst((err as Error).message.replace(/\.$/, ''))), input });
      return z.NEVER;
    }
  });
}

/** The schema of a settings mapping: one optional key per option, no other keys; each value parsed as its flag's would be. */
export function settingsSchema(options: readonly Option[], parserOf: (option: Option) => ArgParser | undefined = (o) => o.parseArg as ArgParser | undefined) {
  const shape: Record<string, z.ZodOptional<z.ZodType<SettingValue>>> = {};
  for (const option of options) shape[settingKey(option)] = (isSwitch(option) ? switchSetting(option) : valueSetting(option, parserOf(option))).optional();
  return z.strictObject(shape);
}
