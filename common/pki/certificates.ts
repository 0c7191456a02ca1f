/**
 * The fedlink CA and the certificates it issues (subjects, SANs, key usages and
 * validity as the security spec fixes them), plus the device side of
 * enrollment: a key and CSR made on the device, signed here for the enrolled id.
 */
import { X509Certificate as NodeX509Certificate, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { isClientId } from '../client-id';
import { InvalidArgumentError } from '../errors';
import { isRole, ROLES, type Role } from '../roles';
import { DEFAULT_COORDINATOR_HOSTS } from './layout';

export { DEFAULT_COORDINATOR_HOSTS };
import { CLIENT_URI_PREFIX, COORDINATOR_URI, OPERATOR_URI_PREFIX, ROLE_URI_PREFIX } from './identity';
import { generateKeyPair, importSigningKey, privateKeyPem, SIGNING_ALGORITHM, toPem, x509, type WebKey, type X509Key, type X509KeyPair } from './x509';

/** A CA certificate and its private key, both PEM. */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/** What a certificate is for; hosts become DNS or IP SANs. */
export type CertSubject =
  | { kind: 'client'; clientId: string }
  | { kind: 'operator'; name: string; role: Role }
  | { kind: 'coordinator'; hosts: string[] }
  | { kind: 'server'; name: string; hosts: string[] };

/** A freshly issued certificate and its key. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** Hex, as `openssl x509 -serial` prints it (lower case). */
  serial: string;
  notAfterMs: number;
}


/** Validity in days when none is given. */
export const DEFAULT_VALIDITY_DAYS = { ca: 3650, coordinator: 397, server: 397, client: 365, operator: 365 } as const;

/** The largest certificate request signCsr reads (a P-256 CSR is under 1 KiB). */
export const MAX_CSR_BYTES = 16 * 1024;

const DAY_MS = 86_400_000;
// Peers whose clock runs a little behind must still accept a certificate issued just now.
const CLOCK_SKEW_MS = 5 * 60_000;
const DNS_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function validityMs(days: number | undefined, fallback: number): number {
  const d = days ?? fallback;
  if (!Number.isInteger(d) || d < 1 || d > 100 * 365) throw new InvalidArgumentError(`validity must be a whole number of days in 1..36500, got ${days}`);
  return d * DAY_MS;
}

// 16 random bytes, top bit clear and non-zero so the DER integer is positive and exactly 16 bytes.
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function checkName(what: string, name: string): void {
  if (!isClientId(name)) throw new InvalidArgumentError(`invalid ${what} "${name}" (letters, digits, . _ : - ; at most 128 characters)`);
}

/** A --host/--san value as a SAN entry: an IP address (brackets allowed) or a DNS name. */
export function hostSan(host: string): { type: 'ip' | 'dns'; value: string } {
  const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return { type: 'ip', value: bare };
  if (DNS_NAME.test(bare) && bare.length <= 253) return { type: 'dns', value: bare.toLowerCase() };
  throw new InvalidArgumentError(`invalid host "${host}" (expected a DNS name or an IP address)`);
}

function hostSans(hosts: string[]): x509.JsonGeneralName[] {
  const seen = new Set<string>();
  const out: x509.JsonGeneralName[] = [];
  for (const host of hosts) {
    const san = hostSan(host);
    if (seen.has(`${san.type}:${san.value}`)) continue;
    seen.add(`${san.type}:${san.value}`);
    out.push(san);
  }
  return out;
}

interface Profile {
  name: string;
  sans: x509.JsonGeneralName[];
  usages: x509.ExtendedKeyUsage[];
  defaultDays: number;
}

/** Subject, SANs, EKUs and default validity of each kind (the spec's identity conventions). */
function profileOf(subject: CertSubject): Profile {
  const { serverAuth, clientAuth } = x509.ExtendedKeyUsage;
  switch (subject.kind) {
    case 'client':
      checkName('client id', subject.clientId);
      return {
        name: `CN=${subject.clientId}, OU=client, O=fedlink`,
        sans: [{ type: 'url', value: `${CLIENT_URI_PREFIX}${subject.clientId}` }],
        usages: [clientAuth],
        defaultDays: DEFAULT_VALIDITY_DAYS.client,
      };
    case 'operator':
      checkName('operator name', subject.name);
      if (!isRole(subject.role)) throw new InvalidArgumentError(`invalid role "${subject.role}" (one of ${ROLES.join(', ')})`);
      return {
        name: `CN=${subject.name}, OU=operator, O=fedlink`,
        sans: [
          { type: 'url', value: `${OPERATOR_URI_PREFIX}${subject.name}` },
          { type: 'url', value: `${ROLE_URI_PREFIX}${subject.role}` },
        ],
        usages: [clientAuth],
        defaultDays: DEFAULT_VALIDITY_DAYS.operator,
      };
    case 'coordinator':
      return {
        name: 'CN=fedlink-coordinator, OU=coordinator, O=fedlink',
        sans: [...hostSans(subject.hosts.length > 0 ? subject.hosts : [...DEFAULT_COORDINATOR_HOSTS]), { type: 'url', value: COORDINATOR_URI }],
        // clientAuth too: the coordinator connects to NATS with this certificate.
        usages: [serverAuth, clientAuth],
        defaultDays: DEFAULT_VALIDITY_DAYS.coordinator,
      };
    case 'server':
      checkName('server name', subject.name);
      if (subject.hosts.length === 0) throw new InvalidArgumentError(`server certificate "${subject.name}" needs at least one host`);
      return {
        name: `CN=${subject.name}, OU=server, O=fedlink`,
        sans: hostSans(subject.hosts),
        // clientAuth too: NATS cluster routes connect to each other with it.
        usages: [serverAuth, clientAuth],
        defaultDays: DEFAULT_VALIDITY_DAYS.server,
      };
    default:
      throw new InvalidArgumentError(`unknown certificate kind "${(subject as { kind: string }).kind}"`);
  }
}

/** Creates a new CA (P-256, 10 years unless told otherwise). */
export async function createCa(opts: { validityDays?: number } = {}): Promise<CaMaterial> {
  const lifetime = validityMs(opts.validityDays, DEFAULT_VALIDITY_DAYS.ca);
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=fedlink CA ${randomBytes(4).toString('hex')}, O=fedlink`,
    keys: keys as unknown as X509KeyPair,
    serialNumber: randomSerial(),
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + lifetime),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as X509Key),
    ],
  });
  return { certPem: toPem(cert), keyPem: privateKeyPem(keys.privateKey) };
}

interface LoadedCa {
  cert: x509.X509Certificate;
  signingKey: WebKey;
}

/** Parses the CA and checks that its key is the one its certificate certifies. */
async function loadCa(ca: CaMaterial): Promise<LoadedCa> {
  let cert: x509.X509Certificate;
  let matches: boolean;
  try {
    cert = new x509.X509Certificate(ca.certPem);
    matches = new NodeX509Certificate(ca.certPem).checkPrivateKey(createPrivateKey(ca.keyPem));
  } catch (err) {
    throw new InvalidArgumentError(`the CA certificate or key does not parse: ${(err as Error).message}`, { cause: err });
  }
  if (!matches) throw new InvalidArgumentError('the CA key does not belong to the CA certificate');
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new InvalidArgumentError(`the CA certificate (${cert.subject}) is not a CA (basicConstraints CA:false or missing)`);
  let signingKey: WebKey;
  try {
    signingKey = await importSigningKey(ca.keyPem);
  } catch (err) {
    throw new InvalidArgumentError('the CA key is not an ECDSA P-256 key', { cause: err });
  }
  return { cert, signingKey };
}

/** Signs a leaf certificate for `publicKey` with the profile of `subject`. */
async function sign(ca: LoadedCa, subject: CertSubject, publicKey: x509.PublicKeyType, validityDays: number | undefined) {
  const profile = profileOf(subject);
  const lifetime = validityMs(validityDays, profile.defaultDays);
  const now = Date.now();
  // A certificate outliving its CA would only fail later and more confusingly.
  const notAfter = Math.min(now + lifetime, ca.cert.notAfter.getTime());
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  // The AKI must equal the CA's own SKI (however that CA computed it) or OpenSSL will not match the issuer.
  const aki = ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    subject: profile.name,
    issuer: ca.cert.subjectName,
    publicKey,
    signingKey: ca.signingKey as unknown as X509Key,
    serialNumber: randomSerial(),
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(profile.usages),
      new x509.SubjectAlternativeNameExtension(profile.sans),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      aki,
    ],
  });
  return { certPem: toPem(cert), serial: cert.serialNumber.toLowerCase(), notAfterMs: cert.notAfter.getTime() };
}

/** Issues a certificate and a new P-256 key for `subject`, signed by `ca`. */
export async function issueCertificate(ca: CaMaterial, subject: CertSubject, opts: { validityDays?: number } = {}): Promise<IssuedCertificate> {
  const loaded = await loadCa(ca);
  profileOf(subject); // Refuse a bad name before spending a key generation on it.
  const keys = await generateKeyPair();
  const issued = await sign(loaded, subject, keys.publicKey as unknown as X509Key, opts.validityDays);
  return { ...issued, keyPem: privateKeyPem(keys.privateKey) };
}

/** A new P-256 key and a PKCS#10 request for it (the device side of enrollment). */
export async function createCsr(clientId: string): Promise<{ keyPem: string; csrPem: string }> {
  checkName('client id', clientId);
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${clientId}, OU=client, O=fedlink`,
    keys: keys as unknown as X509KeyPair,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return { keyPem: privateKeyPem(keys.privateKey), csrPem: toPem(csr) };
}

/** Verifies the CSR's self-signature (InvalidArgumentError if bad) and issues a client cert for clientId (CSR subject ignored). */
export async function signCsr(
  ca: CaMaterial,
  csrPem: string,
  clientId: string,
  opts: { validityDays?: number } = {},
): Promise<{ certPem: string; serial: string; notAfterMs: number }> {
  checkName('client id', clientId);
  if (typeof csrPem !== 'string' || csrPem.length > MAX_CSR_BYTES) throw new InvalidArgumentError(`the certificate request is larger than ${MAX_CSR_BYTES} bytes`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new InvalidArgumentError('the certificate request is not a PEM PKCS#10 request', { cause: err });
  }
  let curve: string | undefined;
  try {
    curve = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve;
  } catch (err) {
    throw new InvalidArgumentError('the certificate request holds an unreadable public key', { cause: err });
  }
  if (curve !== 'prime256v1') throw new InvalidArgumentError('the certificate request key is not ECDSA P-256');
  // Proof of possession: only the holder of the private key can have signed the request.
  const valid = await csr.verify().catch(() => false);
  if (!valid) throw new InvalidArgumentError('the certificate request signature does not verify');
  const loaded = await loadCa(ca);
  return sign(loaded, { kind: 'client', clientId }, csr.publicKey, opts.validityDays);
}
