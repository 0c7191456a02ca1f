/**
 * How much memory upload journals (update-journal.ts) may hold, sized from the
 * host unless the operator says (`--journal-memory`,
 * `--journal-memory-per-update`). A journal in memory is the chunk buffers as
 * received; one in the spool directory costs a write at arrival and a read at
 * the fold, which slow the round path markedly (docs/aggregation.md,
 * "Measurements"), so memory is worth using where the host has it.
 *
 * The budget is an eighth of the machine's memory, at most 4 GiB. Journals are
 * memory the kernel cannot reclaim: every accepted update is held until its
 * round closes, next to the fold's sum and result (two models), the model
 * broadcasts, a receive window per upload in flight and server-side evaluation,
 * on hosts that often run NATS or other services too. Spooled bytes sit in the
 * page cache, which the kernel writes back and evicts under pressure instead of
 * killing the process, so past a bounded share of RAM the spool is the safer
 * place. The cap keeps a large host's share to what a round needs to be fast:
 * 4 GiB holds ten updates of a 100M-parameter model.
 *
 * One update may take at most a quarter of the budget. Memory is reserved when
 * an upload begins, for its whole declared size, and held while it streams (on
 * a slow uplink, minutes): without a per-update share the first large upload of
 * a round could take the budget and send every later one to the spool, and one
 * stalled upload could hold it all. A quarter keeps at least four of the largest
 * in-memory updates together, and never limits small ones (a 0.8 MB MLP fits
 * thousands of times).
 */
import { totalmem } from 'node:os';
import { InvalidArgumentError } from '../../../common/errors';

/** The share of the machine's memory journals may hold by default (an eighth). */
export const JOURNAL_MEMORY_SHARE = 1 / 8;
/** The default budget's ceiling, whatever the machine. */
export const JOURNAL_MEMORY_CAP_BYTES = 4 * 2 ** 30;
/** By default one update may take this share of the budget. */
export const JOURNAL_UPDATE_SHARE = 1 / 4;

/** Flags that set the policy (the CLI and error messages name them). */
export const JOURNAL_MEMORY_FLAGS = { budgetBytes: '--journal-memory', perUpdateBytes: '--journal-memory-per-update' } as const;

/** What in-memory journals may hold; each field defaults from the machine (see the file comment). */
export interface JournalMemoryOptions {
  /** All in-memory journals of the coordinator together, bytes; 0 spools every upload. @default min(RAM / 8, 4 GiB) */
  budgetBytes?: number;
  /** Largest update journaled in memory, bytes. @default budgetBytes / 4 */
  perUpdateBytes?: number;
}

/** The compiled policy. */
export interface JournalMemory {
  budgetBytes: number;
  perUpdateBytes: number;
}

/** The policy for a machine of `machineBytes` of memory, with the operator's settings; throws InvalidArgumentError for bad ones. */
export function journalMemoryPolicy(options: JournalMemoryOptions = {}, machineBytes = totalmem()): JournalMemory {
  const check = (key: keyof JournalMemoryOptions) => {
    const v = options[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new InvalidArgumentError(`${JOURNAL_MEMORY_FLAGS[key]} must be a whole number of bytes ≥ 0, got ${v}`);
    return v;
  };
  const budgetBytes = check('budgetBytes') ?? defaultJournalBudget(machineBytes);
  const perUpdateBytes = check('perUpdateBytes') ?? Math.floor(budgetBytes * JOURNAL_UPDATE_SHARE);
  if (perUpdateBytes > budgetBytes) {
    throw new InvalidArgumentError(`${JOURNAL_MEMORY_FLAGS.perUpdateBytes} (${perUpdateBytes} bytes) cannot exceed ${JOURNAL_MEMORY_FLAGS.budgetBytes} (${budgetBytes} bytes)`);
  }
  return { budgetBytes, perUpdateBytes };
}

/** The default budget on a machine of `machineBytes`: an eighth of it, at most JOURNAL_MEMORY_CAP_BYTES. */
export function defaultJournalBudget(machineBytes = totalmem()): number {
  return Math.min(Math.floor(machineBytes * JOURNAL_MEMORY_SHARE), JOURNAL_MEMORY_CAP_BYTES);
}
