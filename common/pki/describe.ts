/** What a certificate says, as plain data: for `fedlink pki show` and anything that reports on credentials. */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '../errors';
import { identityFromUris, type CertIdentity } from './identity';
import { x509 } from './x509';

/** The parts of a certificate an operator checks. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** Hex, lower case. */
  serial: string;
  notBeforeMs: number;
  notAfterMs: number;
  isCa: boolean;
  /** What the SAN URIs name; null when none (a CA, a NATS server, a foreign certificate). */
  identity: CertIdentity | null;
  /** "DNS:localhost", "IP:127.0.0.1", "URI:urn:fedlink:coordinator", ... */
  sans: string[];
  /** "serverAuth", "clientAuth", or the OID of anything else. */
  extendedKeyUsage: string[];
  /** SHA-256 fingerprint, colon-separated hex (as openssl prints it). */
  fingerprintSha256: string;
}

const SAN_LABEL: Record<string, string> = { dns: 'DNS', ip: 'IP', url: 'URI', email: 'email', dn: 'DirName', guid: 'GUID', upn: 'UPN', id: 'RID' };
const EKU_NAME: Record<string, string> = { [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth', [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth' };

/** Describes the first certificate of a PEM text; InvalidArgumentError naming `source` when it is none. */
export function describeCertificate(pem: string, source = 'input'): CertificateInfo {
  let cert: x509.X509Certificate;
  let node: NodeX509Certificate;
  try {
    node = new NodeX509Certificate(pem);
    cert = new x509.X509Certificate(node.raw);
  } catch (err) {
    throw new InvalidArgumentError(`${source} is not a PEM certificate`, { cause: err });
  }
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    serial: cert.serialNumber.toLowerCase(),
    notBeforeMs: cert.notBefore.getTime(),
    notAfterMs: cert.notAfter.getTime(),
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    identity: identityFromUris(names.filter((n) => n.type === x509.URL).map((n) => n.value)) ?? null,
    sans: names.map((n) => `${SAN_LABEL[n.type] ?? n.type}:${n.value}`),
    extendedKeyUsage: eku.map((u) => EKU_NAME[String(u)] ?? String(u)),
    fingerprintSha256: node.fingerprint256,
  };
}

/** One line naming an identity: "client edge-1", "operator alice (role admin)", "coordinator". */
export function identityLabel(identity: CertIdentity | null | undefined): string {
  if (!identity) return 'none (no fedlink identity URI)';
  switch (identity.kind) {
    case 'client':
      return `client ${identity.clientId}`;
    case 'operator':
      return `operator ${identity.name} (role ${identity.role})`;
    case 'coordinator':
      return 'coordinator';
  }
}

/** Whether `certPem` was signed by (and names as issuer) the CA certificate `caPem`. */
export function issuedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = new NodeX509Certificate(certPem);
    const ca = new NodeX509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}
