/**
 * Replacing a file so that a process killed at any instant (or a power cut)
 * leaves either the old content or the new, never a mix: write a temporary
 * file next to it, fsync, rename over the target, fsync the directory.
 * Asynchronous throughout, so a large file does not stall the event loop.
 */
import { createHash } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { makeDir } from './make-dir';

/** Marks temporary files; readers skip names containing it and may sweep them. */
export const TMP_MARK = '.tmp-';
let sequence = 0;

/** Atomically replaces `file` with `bytes`; with `verifySha256`, reads the copy back and checks it first. */
export async function writeFileAtomic(file: string, bytes: Uint8Array, verifySha256?: string): Promise<void> {
  await makeDir(path.dirname(file));
  const tmp = `${file}${TMP_MARK}${process.pid}-${++sequence}`;
  try {
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (verifySha256) {
      // Read back what reached the file before it replaces anything.
      const actual = createHash('sha256').update(await readFile(tmp)).digest('hex');
      if (actual !== verifySha256) throw new Error(`${tmp} reads back with sha256 ${actual}, expected ${verifySha256}`);
    }
    await rename(tmp, file);
    await syncDir(path.dirname(file));
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Makes a rename durable across a power cut (a kill -9 alone does not need it). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}
