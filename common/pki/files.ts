/**
 * Credentials on disk. A credentials directory (what `--pki <dir>` names)
 * holds ca.crt, tls.crt and tls.key; a PKI directory (`fedlink pki init`)
 * also holds ca.key. Reading checks what it read (PEM that parses, a key that
 * belongs to the certificate) so a wrong file fails here, in one line naming
 * the file and the flag, not later as a vague TLS handshake error.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { FailedPreconditionError, InvalidArgumentError } from '../errors';
import { fsErrorReason } from '../fs-error';
import { makeDirSync } from '../make-dir';
import type { CaMaterial } from './certificates';
import { CA_CERT, CA_KEY, DEFAULT_COORDINATOR_HOSTS, TLS_CERT, TLS_KEY } from './layout';
import { writeFileAtomicSync } from './write-file';

export { CA_CERT, CA_KEY, TLS_CERT, TLS_KEY };

/** What a TLS endpoint needs: the CA to trust, its own certificate and key (all PEM). */
export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;
const DIR_MODE = 0o700;

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${file} (${flag}): ${fsErrorReason(err)}`, { cause: err });
  }
}

function readCert(file: string, flag: string): { pem: string; cert: X509Certificate } {
  const pem = readText(file, flag);
  try {
    return { pem, cert: new X509Certificate(pem) };
  } catch (err) {
    throw new InvalidArgumentError(`${file} (${flag}) is not a PEM certificate`, { cause: err });
  }
}

function readKey(file: string, flag: string): { pem: string; key: KeyObject } {
  const pem = readText(file, flag);
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch (err) {
    throw new InvalidArgumentError(`${file} (${flag}) is not an unencrypted PEM private key`, { cause: err });
  }
}

function readPair(certFile: string, certFlag: string, keyFile: string, keyFlag: string): { certPem: string; keyPem: string } {
  const { pem: certPem, cert } = readCert(certFile, certFlag);
  const { pem: keyPem, key } = readKey(keyFile, keyFlag);
  if (!cert.checkPrivateKey(key)) throw new InvalidArgumentError(`${keyFile} (${keyFlag}) is not the key of ${certFile} (${certFlag})`);
  return { certPem, keyPem };
}

function checkDir(dir: string, flag: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${dir} (${flag}): ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : fsErrorReason(err)}`, { cause: err });
  }
  if (!isDir) throw new InvalidArgumentError(`${dir} (${flag}) is not a directory`);
}

/** Reads ca.crt/tls.crt/tls.key; a missing/unreadable file is an InvalidArgumentError naming it (and `flag`, default --pki). */
export function readTlsDir(dir: string, opts: { flag?: string } = {}): TlsMaterial {
  const flag = opts.flag ?? '--pki';
  checkDir(dir, flag);
  const at = `${flag} ${dir}`;
  const { pem: caPem } = readCert(path.join(dir, CA_CERT), at);
  return { caPem, ...readPair(path.join(dir, TLS_CERT), at, path.join(dir, TLS_KEY), at) };
}

/** Reads three explicit files (--tls-ca/--tls-cert/--tls-key, or the flag names given), same errors. */
export function readTlsFiles(
  files: { ca: string; cert: string; key: string },
  flags: { ca: string; cert: string; key: string } = { ca: '--tls-ca', cert: '--tls-cert', key: '--tls-key' },
): TlsMaterial {
  const { pem: caPem } = readCert(files.ca, flags.ca);
  return { caPem, ...readPair(files.cert, flags.cert, files.key, flags.key) };
}

/** Creates `dir` (or tightens an existing one) to 0700. */
function makePrivateDir(dir: string): void {
  try {
    makeDirSync(dir, DIR_MODE);
    chmodSync(dir, DIR_MODE);
  } catch (err) {
    throw new InvalidArgumentError(`cannot create directory ${dir}: ${fsErrorReason(err)}`, { cause: err });
  }
}

function write(file: string, text: string, mode: number): void {
  try {
    writeFileAtomicSync(file, text, mode);
  } catch (err) {
    throw new InvalidArgumentError(`cannot write ${file}: ${fsErrorReason(err)}`, { cause: err });
  }
}

/** Writes a credentials dir: dir 0700, key 0600, atomically. */
export function writeTlsDir(dir: string, m: TlsMaterial): void {
  makePrivateDir(dir);
  write(path.join(dir, TLS_KEY), m.keyPem, KEY_MODE);
  write(path.join(dir, TLS_CERT), m.certPem, CERT_MODE);
  write(path.join(dir, CA_CERT), m.caPem, CERT_MODE);
}

/** A CA from two explicit files (your own CA: --tls-ca with --tls-ca-key); the key must be the certificate's. */
export function readCaFiles(certFile: string, keyFile: string, flags = { cert: '--tls-ca', key: '--tls-ca-key' }): CaMaterial {
  return readPair(certFile, flags.cert, keyFile, flags.key);
}

/** ca.crt + ca.key of a PKI dir, or undefined when ca.key is absent. */
export function readCa(dir: string, opts: { flag?: string } = {}): CaMaterial | undefined {
  const flag = `${opts.flag ?? '--dir'} ${dir}`;
  if (!existsSync(path.join(dir, CA_KEY))) return undefined;
  const { certPem, keyPem } = readPair(path.join(dir, CA_CERT), flag, path.join(dir, CA_KEY), flag);
  return { certPem, keyPem };
}

/** `fedlink pki init`: refuses to overwrite an existing CA unless force. */
export async function initPki(dir: string, opts: { hosts: string[]; force?: boolean; validityDays?: number }): Promise<void> {
  const existing = [CA_CERT, CA_KEY].map((name) => path.join(dir, name)).find((file) => existsSync(file));
  if (existing && !opts.force) {
    throw new FailedPreconditionError(`${existing} already exists: pass --force to replace the CA (every certificate it issued stops being trusted)`);
  }
  // Everything is made before anything is written, so a bad host leaves the directory as it was.
  // The X.509 code loads only to make certificates: reading them (every coordinator start) needs node:crypto alone.
  const { createCa, issueCertificate } = await import('./certificates');
  const ca = await createCa();
  const hosts = opts.hosts.length > 0 ? opts.hosts : [...DEFAULT_COORDINATOR_HOSTS];
  const coordinator = await issueCertificate(ca, { kind: 'coordinator', hosts }, { validityDays: opts.validityDays });
  makePrivateDir(dir);
  write(path.join(dir, CA_KEY), ca.keyPem, KEY_MODE);
  writeTlsDir(dir, { caPem: ca.certPem, certPem: coordinator.certPem, keyPem: coordinator.keyPem });
}
