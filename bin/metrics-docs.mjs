#!/usr/bin/env node
// `npm run docs:metrics`: rewrites the series tables of docs/metrics.md from the
// series tables in the code (test/unit/metrics-docs.test.ts fails while they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { DOCUMENTED_SERIES } = await import('../services/coordinator/metrics/documented-series.ts');
const { withSeriesTables } = await import('../common/metrics/series-docs.ts');
const file = new URL('../docs/metrics.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withSeriesTables(before, DOCUMENTED_SERIES);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'docs/metrics.md: up to date' : 'docs/metrics.md: tables rewritten');
