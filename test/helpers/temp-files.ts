/**
 * Temporary directories for tests that write data files: `tempDir()` makes one,
 * `cleanTempDirs()` (in afterAll) removes every one made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A fresh directory under the system temp dir. */
export function tempDir(prefix = 'fedlink-data-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir() made. */
export function cleanTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
