#!/usr/bin/env node
// The `fedlink` command: runs the compiled build in dist/ (`npm run build`,
// which `npm ci` runs through `prepare`). FEDLINK_FROM_SOURCE=1 runs the
// TypeScript sources through tsx instead, for development without a rebuild.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/fedlink.js', import.meta.url);
let entry;
if (process.env.FEDLINK_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import('../clients/cli/main.ts');
} else if (existsSync(compiled)) {
  entry = await import(compiled.href);
} else {
  process.stderr.write('fedlink: not built: run `npm run build` in the fedlink checkout (npm ci does it), or set FEDLINK_FROM_SOURCE=1\n');
  process.exit(1);
}
process.exitCode = await entry.main(process.argv);
