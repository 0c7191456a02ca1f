/**
 * The one rule for client ids (and the other names that end up in certificates):
 * they travel in metadata, log lines, NATS subjects and certificate URIs, so they
 * stay printable, short and free of separators that would need escaping.
 */

/** A client id: a letter or digit, then letters, digits, `.`, `_`, `:`, `-`; at most 128 characters. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Whether `id` is a usable client id. */
export function isClientId(id: string): boolean {
  return CLIENT_ID_PATTERN.test(id);
}
