#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through `prepare`): compiles the CLI,
// coordinator and daemon into dist/ with esbuild. Dependencies stay external
// (node_modules is shipped beside dist/), and commands load their code on
// first use through split chunks, so `fedlink --help` reads little.
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
const started = process.hrtime.bigint();
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { fedlink: 'clients/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  // Bundled ESM has no require(); some dependencies' CommonJS paths still ask for it.
  banner: { js: "import { createRequire as __fedlinkCreateRequire } from 'node:module'; const require = __fedlinkCreateRequire(import.meta.url);" },
});
// The dashboard's page is plain files, served as they are (services/coordinator/dashboard/static-files.ts).
cpSync(path.join(root, 'services/coordinator/dashboard/static'), path.join(outdir, 'dashboard'), { recursive: true });
if (!process.argv.includes('--quiet')) {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`fedlink: built dist/ in ${ms.toFixed(0)} ms`);
}
