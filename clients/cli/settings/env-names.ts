/**
 * The environment variable of every setting, derived from its flag name
 * (`--drain-timeout` → `FEDLINK_DRAIN_TIMEOUT`), with the few names that
 * existed before the rule kept as they were so deployments keep working.
 */

/** Prefix of every fedlink environment variable. */
export const ENV_PREFIX = 'FEDLINK_';

/** Flags whose variable is not the mechanical name; each kept because deployments already set it. */
export const ENV_EXCEPTIONS: Readonly<Record<string, string>> = {
  // --nats takes one or more URLs; the variable predates the rule and says so.
  '--nats': 'FEDLINK_NATS_URL',
};

/** The environment variable of a long flag (`--drain-timeout` → `FEDLINK_DRAIN_TIMEOUT`). */
export function envVarFor(flag: string): string {
  return ENV_EXCEPTIONS[flag] ?? `${ENV_PREFIX}${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}
