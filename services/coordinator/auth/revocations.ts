/**
 * Revoked client ids, held in memory for the auth hook (checked on every call)
 * and persisted in the store, so a restarted or newly leading coordinator
 * refuses them too. Revocation is by client id and permanent: a revoked id
 * cannot be enrolled again (enroll the device under a new id).
 */
import type { RevocationRecord } from '../../../common/auth-records';
import type { Store } from '../store/store';

/** The revocation list. */
export class Revocations {
  private readonly revoked = new Map<string, RevocationRecord>();

  constructor(private readonly store: Store) {}

  /** Reads the stored list (at start, and when this coordinator takes over as leader). */
  async load(): Promise<void> {
    for (const r of await this.store.listRevocations()) this.revoked.set(r.clientId, r);
  }

  /** Why a client is refused ('' when no reason was given), or undefined when it is not revoked. */
  reason(clientId: string): string | undefined {
    return this.revoked.get(clientId)?.reason;
  }

  /** Revokes a client: refused from now on, here and (through the store) on every coordinator. */
  async revoke(record: RevocationRecord): Promise<void> {
    await this.store.putRevocation(record);
    this.revoked.set(record.clientId, record);
  }
}
