/**
 * The file store's audit log: JSON lines in numbered segment files,
 *
 *   <dir>/000000000001.jsonl, <dir>/000000000002.jsonl, ...
 *
 * Appends go to the newest segment (O_APPEND, fsynced). Once a segment holds a
 * tenth of the retention the next one starts, and whole old segments are
 * deleted while the newer ones still hold the retention. Nothing is ever
 * rewritten, so a second process appending to the same directory cannot lose
 * an entry to a compaction, and a kill -9 mid-append leaves at most one torn
 * line, which readers skip.
 */
import { open, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AuditRecord } from '../../../common/auth-records';
import { makeDir } from '../../../common/make-dir';

const SEGMENT = /^\d{12}\.jsonl$/;

/** Append-only, bounded audit log under one directory; see the file comment. */
export class FileAuditLog {
  /** Appends run one at a time, so rotation sees a consistent segment and line count. */
  private tail: Promise<void> = Promise.resolve();
  private segment = 1;
  /** Lines in the newest segment as this process knows it (another process may add some: harmless, rotation is approximate). */
  private lines = 0;
  private readonly segmentLines: number;

  constructor(
    private readonly dir: string,
    private readonly retention: number,
  ) {
    this.segmentLines = Math.max(1, Math.ceil(retention / 10));
  }

  /** Creates the directory and ends a line torn by a killed writer, so the next append starts on a line of its own. */
  async open(): Promise<this> {
    await makeDir(this.dir);
    const newest = (await this.segments()).at(-1);
    if (newest !== undefined) {
      this.segment = newest;
      const bytes = await readFile(this.file(newest));
      this.lines = countLines(bytes);
      if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) await appendSynced(this.file(newest), '\n');
    }
    return this;
  }

  /** Appends one entry durably (fsynced before it resolves). */
  append(e: AuditRecord): Promise<void> {
    const line = `${JSON.stringify(e)}\n`;
    const job = this.tail.then(() => this.write(line));
    this.tail = job.catch(() => {});
    return job;
  }

  /** Newest first, at most `limit` (and never more than the retention). */
  async list(limit: number): Promise<AuditRecord[]> {
    const want = Math.min(limit, this.retention);
    const out: AuditRecord[] = [];
    for (const seq of (await this.segments()).reverse()) {
      if (out.length >= want) break;
      const lines = (await readFile(this.file(seq), 'utf8').catch(() => '')).split('\n');
      for (let i = lines.length - 1; i >= 0 && out.length < want; i--) {
        const e = parse(lines[i]);
        if (e) out.push(e);
      }
    }
    return out;
  }

  /** Waits for appends in flight. */
  close(): Promise<void> {
    return this.tail;
  }

  private async write(line: string): Promise<void> {
    let rotated = false;
    if (this.lines >= this.segmentLines) {
      // Another process may have started newer segments: continue after the newest.
      this.segment = Math.max(this.segment, (await this.segments()).at(-1) ?? 0) + 1;
      this.lines = 0;
      rotated = true;
    }
    await appendSynced(this.file(this.segment), line);
    this.lines++;
    // After the first line, so the new segment exists and is never the one deleted.
    if (rotated) await this.compact();
  }

  /** Deletes the oldest segments while the rest still hold at least the retention. */
  private async compact(): Promise<void> {
    const segments = await this.segments();
    const counts = await Promise.all(segments.map(async (s) => countLines(await readFile(this.file(s)).catch(() => Buffer.alloc(0)))));
    let total = counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < segments.length - 1 && total - counts[i] >= this.retention; i++) {
      await rm(this.file(segments[i]), { force: true });
      total -= counts[i];
    }
  }

  /** Segment numbers, ascending. */
  private async segments(): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => SEGMENT.test(n)).map((n) => Number(n.slice(0, 12))).sort((a, b) => a - b);
  }

  private file(seq: number): string {
    return path.join(this.dir, `${String(seq).padStart(12, '0')}.jsonl`);
  }
}

async function appendSynced(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b === 0x0a) n++;
  // A last line without its newline (torn, or being written) still holds a place.
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? n + 1 : n;
}

/** One line as an entry; undefined for an empty or torn line. */
function parse(line: string): AuditRecord | undefined {
  if (!line) return undefined;
  try {
    const e = JSON.parse(line) as AuditRecord;
    return typeof e === 'object' && e !== null && typeof e.atMs === 'number' ? e : undefined;
  } catch {
    return undefined;
  }
}
