/** docs/configuration.md lists every setting as the CLI has it: the tables are regenerated here and must match. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../clients/cli/main';
import { settingKey, settingOptions } from '../../clients/cli/settings/setting-flags';
import { CONFIGURABLE_COMMANDS, withSettingsTables } from '../../clients/cli/settings/settings-table';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
const program = buildProgram({ io: { stdout: { write: () => true }, stderr: { write: () => true } }, exitCode: 0 });

describe('docs/configuration.md', () => {
  it('config docs - the settings tables are the ones the CLI generates (run `npm run docs:config` after changing a flag)', () => {
    expect(doc).toBe(withSettingsTables(doc, program));
  });

  it('config docs - every key, flag and variable of every configurable command has its row', () => {
    for (const name of CONFIGURABLE_COMMANDS) {
      const command = program.commands.find((c) => c.name() === name)!;
      for (const option of settingOptions(command)) expect(doc, `${name} ${option.long}`).toContain(`| \`${settingKey(option)}\` | \`${option.flags.replace(/\|/g, '\\|')}\` | \`${option.envVar}\` |`);
    }
  });
});
