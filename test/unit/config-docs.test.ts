/** docs/configuration.md lists every setting as the CLI has it: the tables are regenerated here and must match. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

  it('config docs - every FEDLINK_* variable the code reads is documented, as a setting or among the other variables', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const read = new Set<string>();
    for (const top of ['common', 'services', 'clients', 'bin']) {
      for (const entry of readdirSync(path.join(root, top), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !/\.(ts|mjs)$/.test(entry.name)) continue;
        const text = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
        for (const m of text.matchAll(/process\.env(?:\.|\[')(FEDLINK_[A-Z0-9_]+)/g)) read.add(m[1]);
      }
    }
    expect(read.size).toBeGreaterThan(3);
    for (const name of read) expect(doc, name).toContain(`\`${name}\``);
  });
});
