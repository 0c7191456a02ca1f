/**
 * A throwaway deployment PKI for tests: a CA (as `fedlink pki init` makes it),
 * the coordinator's credentials, and credentials for any client or operator,
 * plus a second, foreign CA for "wrong certificate" cases.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCa, issueCertificate, type CaMaterial, type CertSubject } from '../../common/pki/certificates';
import { initPki, readCa, readTlsDir, type TlsMaterial } from '../../common/pki/files';
import type { Role } from '../../common/roles';

/** A test PKI in a temporary directory. */
export interface TestPki {
  /** The PKI directory (ca.crt, ca.key, tls.crt, tls.key): what `coordinator --pki` takes. */
  dir: string;
  ca: CaMaterial;
  /** The coordinator's credentials (SANs localhost, 127.0.0.1, ::1). */
  coordinator: TlsMaterial;
  client(clientId: string): Promise<TlsMaterial>;
  operator(name: string, role: Role): Promise<TlsMaterial>;
  /** Credentials for the same subject, issued by a CA the coordinator does not trust. */
  foreign(subject: CertSubject): Promise<TlsMaterial>;
  remove(): void;
}

/** Creates a test PKI. */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-pki-'));
  await initPki(dir, { hosts: ['localhost', '127.0.0.1', '::1'] });
  const ca = readCa(dir)!;
  const issue = async (subject: CertSubject, by = ca): Promise<TlsMaterial> => {
    const c = await issueCertificate(by, subject);
    // The caller trusts the deployment CA whoever issued its own certificate.
    return { caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem };
  };
  let other: CaMaterial | undefined;
  return {
    dir,
    ca,
    coordinator: readTlsDir(dir),
    client: (clientId) => issue({ kind: 'client', clientId }),
    operator: (name, role) => issue({ kind: 'operator', name, role }),
    foreign: async (subject) => issue(subject, (other ??= await createCa())),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
