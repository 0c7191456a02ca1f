/**
 * The bytes of one upload, exactly as received, kept from its first chunk
 * until the round folds it at close (streaming-fedavg.ts) or drops it
 * (refused, broken off for good, or the round ended without it). Updates are
 * kept as the chunk buffers gRPC already allocated while the memory policy
 * allows (journal-memory.ts: a size per update and a budget for all of them);
 * the others are appended to a spool file, so the coordinator's memory stays
 * bounded whatever the model size and the number of clients. A spool file is
 * written sequentially (into the page cache), read back once at the fold with
 * every piece checked against the digest it was written with (file-journal.ts),
 * and deleted when the round is done with it. An in-memory journal holds the
 * very buffers the upload's check ran on, so it is replayed as it is.
 */
import path from 'node:path';
import { FileJournal } from './file-journal';
import { journalMemoryPolicy } from './journal-memory';

/** Chunks an upload sent, in order, for the fold at round close. */
export interface UpdateJournal {
  /** Bytes recorded so far. */
  readonly bytes: number;
  /** Whether the bytes go to a spool file (else they are held in memory). */
  readonly spooled: boolean;
  /**
   * Records the next chunk (the bytes following the previous one). `digest`,
   * when the caller has it, is the chunk's XXH64 seeded with its offset
   * (common/chunk-check), already checked: a spooled journal keeps it to check
   * the chunk when it is read back, and computes its own otherwise.
   */
  append(chunk: Uint8Array, digest?: bigint): void;
  /**
   * Calls `each` with the recorded bytes in order, as (offset, bytes) pieces of
   * up to 1 MiB (the bytes are only valid during the call). A spooled journal
   * checks every piece before handing it out and throws DataLossError, naming
   * the offset, for one that did not read back as written.
   */
  replay(each: (offset: number, bytes: Uint8Array) => void): void;
  /** Forgets everything and frees the memory or file. */
  close(): void;
}

/**
 * Bytes in-memory journals may still take. Every accepted update is held until its round
 * closes, so without a budget a 1,000-client round of a 0.8 MB model would hold 800 MB.
 */
export class JournalBudget {
  constructor(private remaining: number) {}

  /** Reserves `bytes`; false when they do not fit (the journal goes to the spool instead). */
  take(bytes: number): boolean {
    if (bytes > this.remaining) return false;
    this.remaining -= bytes;
    return true;
  }

  /** Returns a closed journal's reservation. */
  give(bytes: number): void {
    this.remaining += bytes;
  }

  /** Bytes still available. */
  get available(): number {
    return this.remaining;
  }
}

/** This machine's default policy (journal-memory.ts), for journals created without one (benches, tests). */
const machineDefault = journalMemoryPolicy();
/** The budget of journals created without one; a coordinator passes its own (coordinator.ts). */
export const processJournalBudget = new JournalBudget(machineDefault.budgetBytes);

/** Where journals go: the spool directory, or memory for small updates and when there is none. */
export interface JournalOptions {
  /** Directory for spool files (created on first use); undefined keeps every journal in memory. */
  spoolDir?: string;
  /** Journals of updates up to this many bytes stay in memory (while the budget lasts). @default this machine's per-update share (journal-memory.ts) */
  memoryMaxBytes?: number;
  /** What in-memory journals may take in all. @default processJournalBudget */
  budget?: JournalBudget;
}

let sequence = 0;

/** A journal for an upload of `expectedBytes`, named after `label` when it is a file. */
export function createJournal(expectedBytes: number, label: string, options: JournalOptions): UpdateJournal {
  if (!options.spoolDir) return new MemoryJournal();
  const budget = options.budget ?? processJournalBudget;
  if (expectedBytes <= (options.memoryMaxBytes ?? machineDefault.perUpdateBytes) && budget.take(expectedBytes)) return new MemoryJournal(() => budget.give(expectedBytes));
  const safe = label.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return new FileJournal(path.join(options.spoolDir, `${process.pid}-${++sequence}-${safe}.journal`), options.spoolDir);
}

class MemoryJournal implements UpdateJournal {
  private chunks: Uint8Array[] = [];
  bytes = 0;
  readonly spooled = false;

  /** `release` hands the budget reservation back, once. */
  constructor(private release?: () => void) {}

  append(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  replay(each: (offset: number, bytes: Uint8Array) => void): void {
    let offset = 0;
    for (const c of this.chunks) {
      each(offset, c);
      offset += c.length;
    }
  }

  close(): void {
    this.chunks = [];
    this.bytes = 0;
    this.release?.();
    this.release = undefined;
  }
}
