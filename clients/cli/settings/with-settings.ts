/**
 * Makes a long-running command configurable three ways besides its flags:
 * a FEDLINK_* variable per flag, `--config <file.yaml>`, and `--print-config`.
 * Call it after the command's options are added; it sets the command's action.
 */
import type { EventEmitter } from 'node:events';
import { Option, type Command, type OptionValues } from 'commander';
import type { CliContext } from '../context';
import { envVarFor } from './env-names';
import { resolveSettings } from './resolve-settings';
import { hasEnv, settingOptions } from './setting-flags';
import type { FileSettings } from './config-file';
import type { ArgParser } from './settings-schema';

/** Adds the variables, --config and --print-config to `command`, and runs `action` with the settled settings. */
export function withSettings<F extends OptionValues>(command: Command, ctx: CliContext, action: (flags: F) => Promise<void> | void): Command {
  command
    .addOption(new Option('--config <file>', 'read settings from a YAML file whose keys are these flags without the dashes (flag > env > file > default; docs/configuration.md)'))
    .option('--print-config', 'print the resolved settings as YAML, with where each came from, and exit (secrets redacted)');
  // The text each flag or variable was given as, for --print-config: "5s" reads better than 5000.
  const given = new Map<string, string>();
  const parsers = new Map<Option, ArgParser | undefined>();
  // Commander listens for an option's variable only if it had one when added: so every option is
  // taken out and added again, in order (help keeps its order), once its variable and recording parser are set.
  const options = [...command.options];
  (command.options as Option[]).length = 0;
  for (const option of options) {
    // A Command is an EventEmitter at run time; its typings leave that out.
    (command as unknown as EventEmitter).removeAllListeners(`option:${option.name()}`).removeAllListeners(`optionEnv:${option.name()}`);
    if (hasEnv(option)) {
      const name = envVarFor(option.long!);
      // Shared flag helpers set their variables themselves; they must agree with the rule.
      if (option.envVar !== undefined && option.envVar !== name) throw new Error(`${option.long} has variable ${option.envVar}, the rule gives ${name}: add it to ENV_EXCEPTIONS`);
      option.env(name);
      const parse = option.parseArg as ArgParser | undefined;
      parsers.set(option, parse);
      if (parse) {
        const attr = option.attributeName();
        option.argParser((text: string, previous: unknown) => {
          const value = parse(text, previous);
          given.set(attr, text);
          return value;
        });
      }
    }
    command.addOption(option);
  }
  return command.action(async () => {
    const file = command.getOptionValue('config') as string | undefined;
    const name = `fedlink ${command.name()}`;
    let fromFile: FileSettings | undefined;
    if (file !== undefined) {
      // Loaded on use: YAML and the schema are for the commands that read a file, not every start.
      const { readConfigFile } = await import('./config-file');
      fromFile = readConfigFile(file, settingOptions(command), name, (o) => parsers.get(o));
    }
    const settings = resolveSettings(command, { file: fromFile, given });
    if (command.getOptionValue('printConfig') === true) {
      const { renderSettings } = await import('./print-config');
      ctx.io.stdout.write(renderSettings(name, settings, file));
      return;
    }
    await action(command.opts<F>());
  });
}
