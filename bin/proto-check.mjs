#!/usr/bin/env node
// Fails when the committed generated proto types differ from what
// `npm run proto:gen` produces now, so generated code never drifts from the .proto files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(tmpdir(), 'fedlink-proto-'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const args = pkg.scripts['proto:gen'].split(/\s+/).slice(1).map((a) => (a.startsWith('--outDir=') ? `--outDir=${out}` : a));
execFileSync(path.join(root, 'node_modules/.bin/proto-loader-gen-types'), args, { cwd: root, stdio: 'pipe' });

function list(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? list(p, base) : [path.relative(base, p)];
  });
}
const committed = path.join(root, 'proto/gen');
const want = list(out).sort();
const have = list(committed).sort();
const problems = [];
for (const f of new Set([...want, ...have])) {
  if (!have.includes(f)) problems.push(`missing: proto/gen/${f}`);
  else if (!want.includes(f)) problems.push(`stale: proto/gen/${f}`);
  else if (readFileSync(path.join(out, f), 'utf8') !== readFileSync(path.join(committed, f), 'utf8')) problems.push(`differs: proto/gen/${f}`);
}
rmSync(out, { recursive: true, force: true });
if (problems.length) {
  console.error(`generated proto types are out of date; run \`npm run proto:gen\` and commit:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`proto/gen matches the .proto files (${have.length} files)`);
