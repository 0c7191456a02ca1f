/** Persistent records of the security layer: device enrollments, revocations and the audit log. */

/** A one-time enrollment token, stored by its hash only (the token itself is never kept). */
export interface EnrollmentRecord {
  /** sha256 of the token, hex: the lookup key. */
  tokenHash: string;
  /** The only client id this token may enroll. */
  clientId: string;
  /** When the token was created, ms since the epoch. */
  createdAtMs: number;
  /** After this instant the token is refused (checked by the caller, not the store). */
  expiresAtMs: number;
  /** The operator who created it. */
  createdBy: string;
  /** When it was used; set once, by the store's takeEnrollment. */
  usedAtMs?: number;
}

/** A revoked client: refused from `atMs` on, whatever certificate it presents. */
export interface RevocationRecord {
  /** The revoked client id. */
  clientId: string;
  /** When it was revoked, ms since the epoch. */
  atMs: number;
  /** The operator who revoked it. */
  by: string;
  /** Why, as the operator gave it. */
  reason: string;
}

/** One state-changing Control call, as written to the audit log. */
export interface AuditRecord {
  /** When it was decided, ms since the epoch. */
  atMs: number;
  /** Who called: the identity from the caller's certificate. */
  principal: string;
  /** What was asked, e.g. the RPC name. */
  action: string;
  /** What it acted on (run id, client id, ...); empty when none. */
  target: string;
  /** How it ended, e.g. `ok` or the status it was refused with. */
  outcome: string;
  /** More about the outcome, already sanitised for logs and terminals. */
  detail: string;
  /** The caller's network address. */
  peer: string;
}
