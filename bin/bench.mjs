#!/usr/bin/env node
// `npm run bench [-- name...]`: runs test/bench/<name>.bench.ts (all when none is
// named). Benchmarks print ratios against baselines measured in the same run;
// they never pass or fail on time.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/bench');
const available = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`usage: npm run bench [-- <name>...]\nbenchmarks: ${available.join(', ')}`);
  process.exit(0);
}
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (available: ${available.join(', ')})`);
  process.exit(2);
}
// grpc-js dials IPs with TLS; see common/tls-ip-warning.ts.
const { silenceIpServernameWarning } = await import('../common/tls-ip-warning.ts');
silenceIpServernameWarning();
for (const name of wanted.length ? wanted : available) {
  const mod = await import(pathToFileURL(path.join(dir, `${name}.bench.ts`)).href);
  await mod.run();
}
