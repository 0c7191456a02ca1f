/**
 * NATS subject syntax, checked locally so both transports reject the same
 * subjects with the same InvalidArgumentError (and the NATS server never sees
 * one it would answer with a protocol error).
 */
import { InvalidArgumentError } from '../errors';

// NATS splits the protocol line on whitespace, so no token may contain any.
const BAD_CHAR = /[\s\u0000]/;

/**
 * Throws InvalidArgumentError unless `subject` is a valid NATS subject:
 * non-empty dot-separated tokens; with `wildcards`, `*` and a final `>` may stand as whole tokens.
 */
export function assertValidSubject(subject: string, wildcards: boolean): void {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidArgumentError('subject must be a non-empty string');
  if (BAD_CHAR.test(subject)) throw new InvalidArgumentError(`invalid subject ${JSON.stringify(subject)}: contains whitespace`);
  const tokens = subject.split('.');
  tokens.forEach((t, i) => {
    if (t.length === 0) throw new InvalidArgumentError(`invalid subject ${JSON.stringify(subject)}: empty token`);
    const isWildcard = t === '*' || t === '>';
    if (!isWildcard && !t.includes('*') && !t.includes('>')) return;
    if (!wildcards) throw new InvalidArgumentError(`invalid subject ${JSON.stringify(subject)}: wildcards are for subscriptions only`);
    if (!isWildcard) throw new InvalidArgumentError(`invalid subject ${JSON.stringify(subject)}: a wildcard must be a whole token`);
    if (t === '>' && i !== tokens.length - 1) throw new InvalidArgumentError(`invalid subject ${JSON.stringify(subject)}: '>' must be the last token`);
  });
}

/** True when the concrete `subject` matches `pattern` (`*` one token, `>` one or more trailing tokens). */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
