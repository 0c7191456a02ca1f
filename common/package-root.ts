/**
 * Where the fedlink package lives on disk, and its version. Sources run from
 * the tree (tests, tsx) and the compiled build runs from `dist/`, so files
 * shipped beside the code (package.json, the .proto files, bin/) are found by
 * walking up to the package's own package.json, not by a fixed `../..`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;
let version: string | undefined;

/** The directory holding fedlink's package.json. */
export function packageRoot(): string {
  if (root === undefined) {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
      const manifest = path.join(dir, 'package.json');
      if (existsSync(manifest) && readName(manifest) === 'fedlink') break;
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error(`fedlink's package.json not found above ${fileURLToPath(import.meta.url)}`);
      dir = parent;
    }
    root = dir;
  }
  return root;
}

/** A path inside the package, e.g. `packagePath('proto')`. */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}

/** package.json's version (for `--version`, hello messages and model cards), or 0.0.0 when unreadable. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(packagePath('package.json'), 'utf8')).version ?? '0.0.0');
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}

function readName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}
