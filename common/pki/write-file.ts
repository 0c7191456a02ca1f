/**
 * Synchronous twin of common/atomic-file.ts for the few small PEM files of a
 * credentials directory: a crash leaves the old file or the new one, never a
 * half-written key, and the mode is set on the file before it has a name.
 */
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { TMP_MARK } from '../atomic-file';

let sequence = 0;

/** Atomically replaces `file` with `text`, created with exactly `mode` (umask does not apply). */
export function writeFileAtomicSync(file: string, text: string, mode: number): void {
  const tmp = `${file}${TMP_MARK}${process.pid}-${++sequence}`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  syncDir(path.dirname(file));
}

// Makes the rename durable across a power cut; some filesystems refuse fsync on a directory.
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // The rename itself is still atomic.
  }
}
