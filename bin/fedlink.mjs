#!/usr/bin/env node
// The `fedlink` command. Runs the TypeScript sources through tsx (no build step),
// so `npx fedlink ...` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../clients/cli/main.ts');
process.exitCode = await main(process.argv);
