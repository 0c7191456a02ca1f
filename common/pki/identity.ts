/**
 * Who a certificate names, read from its SAN URIs only (never the CN, never
 * metadata): `urn:fedlink:client:<id>`, `urn:fedlink:operator:<name>` with
 * `urn:fedlink:role:<role>`, or `urn:fedlink:coordinator`. Anything ambiguous
 * (two principals, an operator without exactly one known role, an id outside
 * the client-id rule) names nobody: callers refuse it.
 */
import type { PeerCertificate } from 'node:tls';
import { isClientId } from '../client-id';
import { isRole, type Role } from '../roles';
import { x509 } from './x509';

/** The principal a certificate names. */
export type CertIdentity =
  | { kind: 'client'; clientId: string }
  | { kind: 'operator'; name: string; role: Role }
  | { kind: 'coordinator' };

/** URI prefix of a client (device) certificate; the client id follows. */
export const CLIENT_URI_PREFIX = 'urn:fedlink:client:';
/** URI prefix of an operator certificate; the operator name follows. */
export const OPERATOR_URI_PREFIX = 'urn:fedlink:operator:';
/** URI prefix of an operator's role; the role name follows. */
export const ROLE_URI_PREFIX = 'urn:fedlink:role:';
/** The URI of the coordinator's certificate. */
export const COORDINATOR_URI = 'urn:fedlink:coordinator';

/** The identity the SAN URIs name, or undefined when they name none or more than one. */
export function identityFromUris(uris: string[]): CertIdentity | undefined {
  const principals: CertIdentity[] = [];
  const roles: string[] = [];
  for (const uri of uris) {
    if (uri === COORDINATOR_URI) principals.push({ kind: 'coordinator' });
    else if (uri.startsWith(CLIENT_URI_PREFIX)) principals.push({ kind: 'client', clientId: uri.slice(CLIENT_URI_PREFIX.length) });
    else if (uri.startsWith(OPERATOR_URI_PREFIX)) principals.push({ kind: 'operator', name: uri.slice(OPERATOR_URI_PREFIX.length), role: 'viewer' });
    else if (uri.startsWith(ROLE_URI_PREFIX)) roles.push(uri.slice(ROLE_URI_PREFIX.length));
  }
  if (principals.length !== 1) return undefined;
  const [who] = principals;
  switch (who.kind) {
    case 'coordinator':
      return who;
    case 'client':
      return isClientId(who.clientId) ? who : undefined;
    case 'operator': {
      const [role] = roles;
      if (roles.length !== 1 || !isRole(role) || !isClientId(who.name)) return undefined;
      return { kind: 'operator', name: who.name, role };
    }
  }
}

/** Every SAN URI of a parsed certificate. */
export function sanUris(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return san ? san.names.items.filter((n) => n.type === x509.URL).map((n) => n.value) : [];
}

/** The identity of a PEM (or DER) certificate; undefined when it names none or does not parse. */
export function identityFromPem(certPem: string | Uint8Array): CertIdentity | undefined {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem as string);
  } catch {
    return undefined;
  }
  return identityFromUris(sanUris(cert));
}

/**
 * From what grpc-js/node:tls give: the `subjectaltname` text node already parsed when it
 * is there (every call is authorized through this: parsing the DER again with
 * @peculiar/x509 cost ~1.3 ms per connection, half of a mutual-TLS handshake's CPU),
 * else the raw certificate.
 */
export function identityFromPeerCertificate(cert: PeerCertificate): CertIdentity | undefined {
  // Without a client certificate node gives an empty object.
  if (!cert) return undefined;
  if (cert.subjectaltname !== undefined) return identityFromUris(urisFromAltNameString(cert.subjectaltname));
  if (cert.raw && cert.raw.length > 0) return identityFromPem(new Uint8Array(cert.raw));
  return undefined;
}

/**
 * The URIs of node's `subjectaltname` text ("DNS:a, URI:urn:x, IP Address:1.2.3.4");
 * node quotes a value as a JSON string when it holds a comma or quote, so a
 * crafted name cannot smuggle in a second entry.
 */
function urisFromAltNameString(text: string): string[] {
  const uris: string[] = [];
  const entry = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const m of text.matchAll(entry)) {
    if (m[1] !== 'URI') continue;
    try {
      uris.push(m[2].startsWith('"') ? JSON.parse(m[2]) : m[2]);
    } catch {
      return [];
    }
  }
  return uris;
}
