#!/usr/bin/env node
// `npm run docs:config`: rewrites the settings tables of docs/configuration.md from
// the CLI's options (test/unit/config-docs.test.ts fails while they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { buildProgram } = await import('../clients/cli/main.ts');
const { withSettingsTables } = await import('../clients/cli/settings/settings-table.ts');
const file = new URL('../docs/configuration.md', import.meta.url);
const program = buildProgram({ io: { stdout: process.stdout, stderr: process.stderr }, exitCode: 0 });
const before = readFileSync(file, 'utf8');
const after = withSettingsTables(before, program);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'docs/configuration.md: up to date' : 'docs/configuration.md: tables rewritten');
