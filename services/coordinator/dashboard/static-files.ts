/**
 * The page's files: a fixed table of URL paths, read into memory at start, so
 * no request path ever reaches the file system. The page's own files live in
 * static/ beside this module in the sources and in dist/dashboard/ in the
 * build (bin/build.mjs copies them); uPlot comes from its package.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagePath } from '../../../common/package-root';

/** One file the dashboard serves. */
export interface StaticFile {
  contentType: string;
  body: Buffer;
}

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' } as const;

/** URL path → where the file is: the page's own directory, or a module path resolved from node_modules. */
const FILES: Record<string, { own: string } | { module: string }> = {
  '/': { own: 'index.html' },
  '/app.js': { own: 'app.js' },
  '/style.css': { own: 'style.css' },
  '/vendor/uPlot.iife.min.js': { module: 'uplot/dist/uPlot.iife.min.js' },
  '/vendor/uPlot.min.css': { module: 'uplot/dist/uPlot.min.css' },
};

/** The directory of the page's own files: dist/dashboard when running the build, static/ beside this file otherwise. */
export function pageDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const dist = packagePath('dist');
  return here === dist || here.startsWith(dist + path.sep) ? path.join(dist, 'dashboard') : path.join(here, 'static');
}

/** Reads every served file (throws naming the missing one, e.g. a build without the page). */
export function loadStaticFiles(dir = pageDir()): Map<string, StaticFile> {
  const require = createRequire(import.meta.url);
  const files = new Map<string, StaticFile>();
  for (const [url, where] of Object.entries(FILES)) {
    const file = 'own' in where ? path.join(dir, where.own) : require.resolve(where.module);
    const ext = path.extname(file).slice(1) as keyof typeof TYPES;
    files.set(url, { contentType: TYPES[ext], body: readFileSync(file) });
  }
  return files;
}
