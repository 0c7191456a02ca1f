/**
 * Device enrollment: an admin creates a one-time token bound to one client id
 * (`fedlink enroll create`); the device trades it and a CSR for its client
 * certificate (Fleet.Enroll). Tokens are random 256-bit secrets, shown once;
 * the store keeps only their sha256, so a leaked state directory or JetStream
 * bucket does not leak usable tokens. A token is single-use (taken atomically
 * in the store) and expires.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../../common/clock';
import { FailedPreconditionError, PermissionDeniedError, UnauthenticatedError } from '../../../common/errors';
import { signCsr, type CaMaterial } from '../../../common/pki/certificates';
import type { Store } from '../store/store';
import type { Revocations } from './revocations';

/** Token lifetime when none is asked for, ms (24 h). */
export const DEFAULT_ENROLLMENT_TTL_MS = 24 * 3600_000;
/** Longest token lifetime, ms (30 days): an enrollment token is a credential, not a standing invitation. */
export const MAX_ENROLLMENT_TTL_MS = 30 * 24 * 3600_000;
const TOKEN_PREFIX = 'fle_';

/** The sha256 a token is stored under. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A certificate handed to an enrolled device. */
export interface Enrolled {
  clientId: string;
  certPem: string;
  caPem: string;
  notAfterMs: number;
}

/** Creates and redeems enrollment tokens. */
export class Enrollment {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      revocations: Revocations;
      /** The CA that signs device certificates; undefined when this coordinator has no CA key. */
      ca?: CaMaterial;
    },
  ) {}

  /** Whether this coordinator can enroll devices (it holds the CA key). */
  get enabled(): boolean {
    return this.deps.ca !== undefined;
  }

  /** A new token for `clientId`, valid for `ttlMs`; only its hash is stored. */
  async create(clientId: string, ttlMs: number, createdBy: string): Promise<{ token: string; expiresAtMs: number }> {
    this.requireCa();
    if (this.deps.revocations.reason(clientId) !== undefined) {
      throw new FailedPreconditionError(`client ${clientId} is revoked and cannot be enrolled again; enroll the device under a new id`);
    }
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.deps.clock.now();
    const expiresAtMs = now + ttlMs;
    await this.deps.store.putEnrollment({ tokenHash: tokenHash(token), clientId, createdAtMs: now, expiresAtMs, createdBy });
    return { token, expiresAtMs };
  }

  /** Redeems a token for a certificate on the CSR's key; refuses unknown, used, expired and revoked ones. */
  async redeem(token: string, csrPem: string): Promise<Enrolled> {
    const ca = this.requireCa();
    // Malformed tokens never reach the store (and never look like a lookup worth timing).
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 128) throw new UnauthenticatedError('enrollment token is not valid');
    const now = this.deps.clock.now();
    const enrollment = await this.deps.store.takeEnrollment(tokenHash(token), now);
    if (!enrollment) throw new UnauthenticatedError('enrollment token is not valid (unknown, or already used)');
    if (enrollment.expiresAtMs <= now) throw new UnauthenticatedError(`enrollment token expired at ${new Date(enrollment.expiresAtMs).toISOString()}`);
    if (this.deps.revocations.reason(enrollment.clientId) !== undefined) throw new PermissionDeniedError(`client ${enrollment.clientId} is revoked`);
    const issued = await signCsr(ca, csrPem, enrollment.clientId);
    return { clientId: enrollment.clientId, certPem: issued.certPem, caPem: ca.certPem, notAfterMs: issued.notAfterMs };
  }

  private requireCa(): CaMaterial {
    if (!this.deps.ca) throw new FailedPreconditionError('this coordinator cannot enroll devices: start it with --pki <dir> holding ca.key (see fedlink pki init)');
    return this.deps.ca;
  }
}
