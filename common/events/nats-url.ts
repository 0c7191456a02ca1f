/** NATS server URLs as users type them: credentials inside the URL are split out, and never logged. */

/** Removes `user:pass@` (or `token@`) from a URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@(.*)$/i;

/**
 * Splits `nats://user:pass@host` or `nats://token@host` into a bare URL and
 * credentials: other NATS tools accept them in the URL, the v3 client ignores them.
 */
export function credentialsFromUrl(url: string): { server: string; user?: string; pass?: string; token?: string } {
  const m = USERINFO.exec(url);
  if (!m) return { server: url };
  const [, scheme, info, rest] = m;
  const server = `${scheme}${rest}`;
  const colon = info.indexOf(':');
  if (colon < 0) return { server, token: decodeURIComponent(info) };
  return { server, user: decodeURIComponent(info.slice(0, colon)), pass: decodeURIComponent(info.slice(colon + 1)) };
}
