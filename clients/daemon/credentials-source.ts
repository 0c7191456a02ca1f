/**
 * Where a daemon's TLS material comes from, decided from its options alone
 * (no file is read here): explicit PEM files, a credentials directory, an
 * enrollment to run first, or none (plaintext, as before TLS).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../common/errors';
import { TLS_CERT } from '../../common/pki/files';

/** The TLS material's origin, as compileDaemonOptions resolves it. */
export type CredentialsSource =
  | { kind: 'plaintext' }
  /** --tls-ca, --tls-cert, --tls-key. */
  | { kind: 'files'; ca: string; cert: string; key: string }
  /** --pki <dir>, or `<state-dir>/tls/` left by an earlier enrollment (`fromStateDir`). */
  | { kind: 'dir'; dir: string; fromStateDir: boolean }
  /** --enroll-token: trade the token for a certificate, verifying the coordinator with `ca`, and keep it in `dir`. */
  | { kind: 'enroll'; token: string; ca: string; dir: string };

/** What the source is chosen from (a subset of DaemonOptions). */
export interface CredentialsFlags {
  tls?: { ca?: string; cert?: string; key?: string };
  pki?: string;
  enrollToken?: string;
  stateDir?: string;
}

/** The credentials directory an enrollment writes under --state-dir, and later starts read. */
export function enrolledTlsDir(stateDir: string): string {
  return join(stateDir, 'tls');
}

/** Picks the source; a contradictory or incomplete combination is an InvalidArgumentError saying which flag to add or drop. */
export function credentialsSource(flags: CredentialsFlags): CredentialsSource {
  const tls = flags.tls ?? {};
  // Enrolled before (the token is spent): a service restarted with the same --enroll-token or
  // --tls-ca carries on with the certificate it got, instead of failing to enroll again.
  const enrolled = flags.stateDir !== undefined && existsSync(join(enrolledTlsDir(flags.stateDir), TLS_CERT));
  if (enrolled && !flags.pki && !tls.cert && !tls.key) return { kind: 'dir', dir: enrolledTlsDir(flags.stateDir!), fromStateDir: true };
  if (flags.enrollToken) {
    if (tls.cert || tls.key || flags.pki) {
      throw new InvalidArgumentError('--enroll-token obtains this device\'s certificate: do not also pass --tls-cert, --tls-key or --pki');
    }
    if (!flags.stateDir) throw new InvalidArgumentError('enrollment (--enroll-token) needs --state-dir <dir> to keep the certificate it receives');
    if (!tls.ca) throw new InvalidArgumentError('enrollment (--enroll-token) needs --tls-ca <ca.crt> to verify the coordinator before sending it the token');
    return { kind: 'enroll', token: flags.enrollToken, ca: tls.ca, dir: enrolledTlsDir(flags.stateDir) };
  }
  if (flags.pki) {
    if (tls.ca || tls.cert || tls.key) throw new InvalidArgumentError('--pki <dir> and --tls-ca/--tls-cert/--tls-key are alternatives: pass one or the other');
    return { kind: 'dir', dir: flags.pki, fromStateDir: false };
  }
  if (tls.ca || tls.cert || tls.key) {
    const missing = (['ca', 'cert', 'key'] as const).filter((k) => !tls[k]).map((k) => `--tls-${k}`);
    if (missing.length > 0) throw new InvalidArgumentError(`mutual TLS needs --tls-ca, --tls-cert and --tls-key together (missing ${missing.join(', ')}), or --pki <dir>`);
    return { kind: 'files', ca: tls.ca!, cert: tls.cert!, key: tls.key! };
  }
  return { kind: 'plaintext' };
}
