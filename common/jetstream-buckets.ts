/**
 * Every JetStream bucket the coordinator uses, in one list: the NATS config
 * generator grants the coordinator's NATS user exactly these (and nothing
 * else in JetStream), so a bucket added to the store or the lease must be
 * added here too (test/security/nats.test.ts opens the store and the lease
 * through the generated permissions and fails otherwise).
 */

/** Bucket name prefix when none is configured (`<prefix>_<name>`). */
export const DEFAULT_BUCKET_PREFIX = 'fedlink';

/** KV buckets: the JetStream store's records and the HA leader lease. */
export const KV_BUCKETS = ['runs', 'rounds', 'clients', 'enrollments', 'revocations', 'leader'] as const;

/** Object Store buckets: model checkpoints. */
export const OBJECT_BUCKETS = ['models'] as const;

/** Plain streams (`<prefix>_<name>`, written on the subject `<prefix>.<name>`): the audit log. */
export const STREAMS = ['audit'] as const;

/** The KV bucket of the HA leader lease. */
export const LEASE_BUCKET: (typeof KV_BUCKETS)[number] = 'leader';

/** `<prefix>_<name>`, as the store and the lease name their buckets and streams. */
export function bucketName(prefix: string, name: string): string {
  return `${prefix}_${name}`;
}
