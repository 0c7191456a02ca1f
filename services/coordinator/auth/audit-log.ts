/**
 * The audit log: every state-changing Control call (and every enrollment),
 * allowed or refused, with who, what, when and the outcome. Entries go to the
 * store, so they outlive the process and a standby reads the same log. A store
 * that cannot take an entry is logged loudly; the call itself is not undone.
 * A standby's entries (calls it refused) stay in its own log: only the leader
 * writes the shared store.
 */
import type { AuditRecord } from '../../../common/auth-records';
import type { Clock } from '../../../common/clock';
import type { Logger } from '../../../common/logger';
import { FencedError } from '../ha/fenced-store';
import type { Store } from '../store/store';

/** Writes audit entries. */
export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Records one action; resolves once stored (or its failure logged). */
  async record(entry: Omit<AuditRecord, 'atMs'>): Promise<void> {
    const record: AuditRecord = { atMs: this.clock.now(), ...entry };
    this.logger.info({ audit: record }, `audit: ${record.principal} ${record.action} ${record.target} → ${record.outcome}`);
    try {
      await this.store.appendAudit(record);
    } catch (err) {
      // A standby (or a leader that just lost its lease) may not write the shared store: the line above is the entry's record.
      if (err instanceof FencedError) this.logger.info({ action: record.action }, 'audit entry kept in this log only: a standby does not write the shared store');
      else this.logger.error({ err: (err as Error).message, audit: record }, 'could not write the audit entry to the store');
    }
  }

  /** The newest entries first. */
  list(limit: number): Promise<AuditRecord[]> {
    return this.store.listAudit(limit);
  }
}
