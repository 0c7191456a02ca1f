/**
 * `mkdir -p` that always ends. Node's `mkdir(dir, { recursive: true })` spins
 * forever (100% CPU, the promise never settles) under /proc, /sys and other
 * virtual filesystems: they answer ENOENT for a child that cannot exist, Node
 * reads that as "the parent is missing", creates the parent (EEXIST, fine) and
 * tries the child again, for ever. Here a child that is still ENOENT once its
 * parent exists is the final answer.
 */
import { mkdirSync, statSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}

/** Creates `dir` and any missing parents; throws the system error (ENOENT, EACCES, ENOTDIR, EEXIST for a file) otherwise. */
export async function makeDir(dir: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  // Walk up to the first directory that exists (or is created) ...
  for (;;) {
    try {
      await mkdir(at, { mode });
      break;
    } catch (err) {
      if (code(err) === 'EEXIST') {
        if (await isDirectory(at)) break;
        throw err;
      }
      const parent = path.dirname(at);
      if (code(err) !== 'ENOENT' || parent === at) throw err;
      missing.push(at);
      at = parent;
    }
  }
  // ... then down again, each step exactly once: an ENOENT now is final.
  for (const d of missing.reverse()) {
    try {
      await mkdir(d, { mode });
    } catch (err) {
      if (code(err) !== 'EEXIST' || !(await isDirectory(d))) throw err;
    }
  }
}

/** makeDir for synchronous callers (`fedlink pki`): `mkdirSync(dir, { recursive: true })` spins under /proc just the same. */
export function makeDirSync(dir: string, mode?: number): void {
  const isDir = (d: string) => statSync(d, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    try {
      mkdirSync(at, { mode });
      break;
    } catch (err) {
      if (code(err) === 'EEXIST') {
        if (isDir(at)) break;
        throw err;
      }
      const parent = path.dirname(at);
      if (code(err) !== 'ENOENT' || parent === at) throw err;
      missing.push(at);
      at = parent;
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      if (code(err) !== 'EEXIST' || !isDir(d)) throw err;
    }
  }
}
