import { X509Certificate, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedPreconditionError, InvalidArgumentError } from '../../common/errors';
import { createCa, createCsr, issueCertificate, signCsr, type CaMaterial } from '../../common/pki/certificates';
import { CA_CERT, CA_KEY, TLS_CERT, TLS_KEY, initPki, readCa, readTlsDir, readTlsFiles, writeTlsDir } from '../../common/pki/files';
import { identityFromPeerCertificate, identityFromPem, identityFromUris } from '../../common/pki/identity';
import { SIGNING_ALGORITHM, x509, type X509KeyPair } from '../../common/pki/x509';

const DAY_MS = 86_400_000;
let ca: CaMaterial;
let otherCa: CaMaterial;
let dir: string;

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createCa(), createCa()]);
  dir = mkdtempSync(path.join(tmpdir(), 'fedlink-pki-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

function chainsTo(certPem: string, caPem: string): boolean {
  const cert = new X509Certificate(certPem);
  const issuer = new X509Certificate(caPem);
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function derToPem(der: Buffer, label: string): string {
  return `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

describe('pki certificates', () => {
  it('creates a self-signed P-256 CA with CA basic constraints and key usage for signing certificates', () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toMatch(/^CN=fedlink CA [0-9a-f]{8}\nO=fedlink$/);
    expect(chainsTo(ca.certPem, ca.certPem)).toBe(true);
    expect(createPrivateKey(ca.keyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const parsed = new x509.X509Certificate(ca.certPem);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)?.critical).toBe(true);
    expect(parsed.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    const years = (Date.parse(cert.validTo) - Date.now()) / (365 * DAY_MS);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
  });

  it('issues a client certificate naming the client in a SAN URI, for client auth only, valid a year', async () => {
    const issued = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.subject).toBe('CN=edge-1\nOU=client\nO=fedlink');
    expect(cert.subjectAltName).toBe('URI:urn:fedlink:client:edge-1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.ca).toBe(false);
    expect(cert.checkPrivateKey(createPrivateKey(issued.keyPem))).toBe(true);
    expect(chainsTo(issued.certPem, ca.certPem)).toBe(true);
    expect(issued.serial).toMatch(/^[0-9a-f]{32}$/);
    expect(cert.serialNumber.toLowerCase()).toBe(issued.serial);
    expect(issued.notAfterMs).toBe(Date.parse(cert.validTo));
    expect(Math.round((issued.notAfterMs - Date.now()) / DAY_MS)).toBe(365);
    // Backdated for peers whose clock is a little behind.
    expect(Date.parse(cert.validFrom)).toBeLessThan(Date.now() - 4 * 60_000);
    expect(identityFromPem(issued.certPem)).toEqual({ kind: 'client', clientId: 'edge-1' });
  });

  it('issues an operator certificate with its name and role as SAN URIs', async () => {
    const issued = await issueCertificate(ca, { kind: 'operator', name: 'alice', role: 'operator' });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.subject).toBe('CN=alice\nOU=operator\nO=fedlink');
    expect(cert.subjectAltName).toBe('URI:urn:fedlink:operator:alice, URI:urn:fedlink:role:operator');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(identityFromPem(issued.certPem)).toEqual({ kind: 'operator', name: 'alice', role: 'operator' });
  });

  it('issues a coordinator certificate for localhost, 127.0.0.1 and ::1 by default, for server and client auth', async () => {
    const issued = await issueCertificate(ca, { kind: 'coordinator', hosts: [] });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.subject).toBe('CN=fedlink-coordinator\nOU=coordinator\nO=fedlink');
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, URI:urn:fedlink:coordinator');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(Math.round((issued.notAfterMs - Date.now()) / DAY_MS)).toBe(397);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(identityFromPem(issued.certPem)).toEqual({ kind: 'coordinator' });
  });

  it('issues a server certificate for its hosts with no fedlink identity', async () => {
    const issued = await issueCertificate(ca, { kind: 'server', name: 'nats-1', hosts: ['NATS-1.internal', '[fd00::5]', '10.0.0.5', 'nats-1.internal'] }, { validityDays: 30 });
    const cert = new X509Certificate(issued.certPem);
    expect(cert.subject).toBe('CN=nats-1\nOU=server\nO=fedlink');
    expect(cert.subjectAltName).toBe('DNS:nats-1.internal, IP Address:FD00:0:0:0:0:0:0:5, IP Address:10.0.0.5');
    expect(Math.round((issued.notAfterMs - Date.now()) / DAY_MS)).toBe(30);
    expect(identityFromPem(issued.certPem)).toBeUndefined();
  });

  it('refuses bad names, hosts, roles and validity with InvalidArgumentError', async () => {
    await expect(issueCertificate(ca, { kind: 'client', clientId: 'edge 1' })).rejects.toThrow(InvalidArgumentError);
    await expect(issueCertificate(ca, { kind: 'client', clientId: 'CN=x, O=y' })).rejects.toThrow(/invalid client id/);
    await expect(issueCertificate(ca, { kind: 'operator', name: 'bob', role: 'root' as never })).rejects.toThrow(/invalid role "root"/);
    await expect(issueCertificate(ca, { kind: 'server', name: 'nats-1', hosts: [] })).rejects.toThrow(/at least one host/);
    await expect(issueCertificate(ca, { kind: 'coordinator', hosts: ['bad_host!'] })).rejects.toThrow(/invalid host "bad_host!"/);
    await expect(issueCertificate(ca, { kind: 'client', clientId: 'a' }, { validityDays: 0 })).rejects.toThrow(/validity/);
  });

  it('refuses to issue with a CA key that is not the CA certificate\'s', async () => {
    await expect(issueCertificate({ certPem: ca.certPem, keyPem: otherCa.keyPem }, { kind: 'client', clientId: 'a' })).rejects.toThrow(/does not belong/);
  });

  it('a certificate from another CA does not chain to ours', async () => {
    const foreign = await issueCertificate(otherCa, { kind: 'client', clientId: 'edge-1' });
    expect(chainsTo(foreign.certPem, otherCa.certPem)).toBe(true);
    expect(chainsTo(foreign.certPem, ca.certPem)).toBe(false);
    expect(new X509Certificate(foreign.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(false);
  });

  it('never issues a certificate that outlives its CA', async () => {
    const shortCa = await createCa({ validityDays: 10 });
    const issued = await issueCertificate(shortCa, { kind: 'client', clientId: 'edge-1' });
    expect(issued.notAfterMs).toBeLessThanOrEqual(Date.parse(new X509Certificate(shortCa.certPem).validTo));
  });
});

describe('pki enrollment CSRs', () => {
  it('signs a CSR for the enrolled client id, ignoring the subject the device asked for', async () => {
    const csr = await createCsr('device-asks-for-this');
    const signed = await signCsr(ca, csr.csrPem, 'edge-7');
    const cert = new X509Certificate(signed.certPem);
    expect(identityFromPem(signed.certPem)).toEqual({ kind: 'client', clientId: 'edge-7' });
    expect(cert.subject).toBe('CN=edge-7\nOU=client\nO=fedlink');
    expect(cert.checkPrivateKey(createPrivateKey(csr.keyPem))).toBe(true);
    expect(chainsTo(signed.certPem, ca.certPem)).toBe(true);
    expect(cert.serialNumber.toLowerCase()).toBe(signed.serial);
  });

  it('refuses a CSR that is not one', async () => {
    for (const bad of ['', 'hello', ca.certPem, derToPem(Buffer.from('not asn1 at all'), 'CERTIFICATE REQUEST'), 'x'.repeat(100_000)]) {
      await expect(signCsr(ca, bad, 'edge-7')).rejects.toThrow(InvalidArgumentError);
    }
  });

  it('refuses a CSR whose signature does not match its content (tampered subject)', async () => {
    const csr = await createCsr('dev-9');
    const der = pemToDer(csr.csrPem);
    const at = der.indexOf(Buffer.from('dev-9'));
    expect(at).toBeGreaterThan(0);
    der[at + 4] = '8'.charCodeAt(0);
    const tampered = derToPem(der, 'CERTIFICATE REQUEST');
    await expect(signCsr(ca, tampered, 'dev-9')).rejects.toThrow(/signature does not verify/);
  });

  it('refuses a CSR whose key is not P-256', async () => {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=x', keys: keys as unknown as X509KeyPair, signingAlgorithm: SIGNING_ALGORITHM });
    await expect(signCsr(ca, csr.toString('pem'), 'edge-7')).rejects.toThrow(/not ECDSA P-256/);
  });

  it('refuses a bad client id before reading the CSR', async () => {
    const csr = await createCsr('dev-9');
    await expect(signCsr(ca, csr.csrPem, '../etc')).rejects.toThrow(/invalid client id/);
    await expect(createCsr('')).rejects.toThrow(InvalidArgumentError);
  });
});

describe('pki identity', () => {
  it('reads each kind of identity from SAN URIs and ignores other URIs', () => {
    expect(identityFromUris(['https://example.org', 'urn:fedlink:client:edge-1'])).toEqual({ kind: 'client', clientId: 'edge-1' });
    expect(identityFromUris(['urn:fedlink:role:admin', 'urn:fedlink:operator:alice'])).toEqual({ kind: 'operator', name: 'alice', role: 'admin' });
    expect(identityFromUris(['urn:fedlink:coordinator'])).toEqual({ kind: 'coordinator' });
  });

  it('names nobody when the URIs are missing, ambiguous or malformed', () => {
    expect(identityFromUris([])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:client:a', 'urn:fedlink:client:b'])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:client:a', 'urn:fedlink:coordinator'])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:operator:alice'])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:operator:alice', 'urn:fedlink:role:root'])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:operator:alice', 'urn:fedlink:role:viewer', 'urn:fedlink:role:admin'])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:client:'])).toBeUndefined();
    expect(identityFromUris(['urn:fedlink:client:a b'])).toBeUndefined();
    expect(identityFromPem('not a certificate')).toBeUndefined();
  });

  it('reads a TLS peer certificate from its raw DER, or from its subjectaltname text', async () => {
    const issued = await issueCertificate(ca, { kind: 'operator', name: 'ops-bot', role: 'viewer' });
    const raw = new X509Certificate(issued.certPem).raw;
    expect(identityFromPeerCertificate({ raw } as PeerCertificate)).toEqual({ kind: 'operator', name: 'ops-bot', role: 'viewer' });
    expect(identityFromPeerCertificate({ subjectaltname: 'DNS:x, URI:urn:fedlink:client:edge-2' } as PeerCertificate)).toEqual({ kind: 'client', clientId: 'edge-2' });
    // node quotes values holding a comma: a crafted URI cannot pose as a second entry.
    expect(identityFromPeerCertificate({ subjectaltname: 'URI:"urn:x:y, URI:urn:fedlink:client:evil"' } as PeerCertificate)).toBeUndefined();
    // What node gives when the peer sent no certificate.
    expect(identityFromPeerCertificate({} as PeerCertificate)).toBeUndefined();
  });
});

describe('pki files', () => {
  it('writes a credentials directory 0700 with the key 0600, and reads it back', async () => {
    const issued = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
    const out = path.join(dir, 'creds', 'edge-1');
    writeTlsDir(out, { caPem: ca.certPem, certPem: issued.certPem, keyPem: issued.keyPem });
    expect(mode(out)).toBe(0o700);
    expect(mode(path.join(out, TLS_KEY))).toBe(0o600);
    expect(mode(path.join(out, TLS_CERT))).toBe(0o644);
    expect(readTlsDir(out)).toEqual({ caPem: ca.certPem, certPem: issued.certPem, keyPem: issued.keyPem });
    expect(readTlsFiles({ ca: path.join(out, CA_CERT), cert: path.join(out, TLS_CERT), key: path.join(out, TLS_KEY) }).certPem).toBe(issued.certPem);
  });

  it('names the missing file and the flag when a credentials directory is incomplete', async () => {
    const issued = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
    const out = path.join(dir, 'incomplete');
    writeTlsDir(out, { caPem: ca.certPem, certPem: issued.certPem, keyPem: issued.keyPem });
    unlinkSync(path.join(out, TLS_KEY));
    expect(() => readTlsDir(out)).toThrow(InvalidArgumentError);
    expect(() => readTlsDir(out)).toThrow(`cannot read ${path.join(out, TLS_KEY)} (--pki ${out}): no such file`);
    expect(() => readTlsDir(out, { flag: '--nats-pki' })).toThrow(`(--nats-pki ${out})`);
    expect(() => readTlsDir(path.join(dir, 'absent'))).toThrow(`cannot read ${path.join(dir, 'absent')} (--pki): no such directory`);
    expect(() => readTlsFiles({ ca: path.join(out, CA_CERT), cert: path.join(out, TLS_CERT), key: path.join(out, 'nope.key') })).toThrow(
      `cannot read ${path.join(out, 'nope.key')} (--tls-key): no such file`,
    );
  });

  it('refuses a key that is not the certificate\'s, and a certificate file that is not PEM', async () => {
    const [a, b] = await Promise.all([issueCertificate(ca, { kind: 'client', clientId: 'a' }), issueCertificate(ca, { kind: 'client', clientId: 'b' })]);
    const out = path.join(dir, 'mismatch');
    writeTlsDir(out, { caPem: ca.certPem, certPem: a.certPem, keyPem: b.keyPem });
    expect(() => readTlsDir(out)).toThrow(`${path.join(out, TLS_KEY)} (--pki ${out}) is not the key of ${path.join(out, TLS_CERT)}`);
    writeFileSync(path.join(out, CA_CERT), 'garbage');
    expect(() => readTlsDir(out)).toThrow(`${path.join(out, CA_CERT)} (--pki ${out}) is not a PEM certificate`);
  });

  it('pki init writes the CA and a coordinator certificate from it, and refuses to replace the CA without force', async () => {
    const pki = path.join(dir, 'pki');
    await initPki(pki, { hosts: ['coord.example.org', '10.1.2.3'] });
    expect(mode(pki)).toBe(0o700);
    expect(mode(path.join(pki, CA_KEY))).toBe(0o600);
    expect(mode(path.join(pki, TLS_KEY))).toBe(0o600);
    const first = readCa(pki)!;
    const tls = readTlsDir(pki);
    expect(tls.caPem).toBe(first.certPem);
    expect(chainsTo(tls.certPem, first.certPem)).toBe(true);
    expect(new X509Certificate(tls.certPem).subjectAltName).toBe('DNS:coord.example.org, IP Address:10.1.2.3, URI:urn:fedlink:coordinator');

    await expect(initPki(pki, { hosts: [] })).rejects.toThrow(FailedPreconditionError);
    expect(readCa(pki)).toEqual(first);
    await initPki(pki, { hosts: [], force: true });
    expect(readCa(pki)!.certPem).not.toBe(first.certPem);
    expect(chainsTo(readTlsDir(pki).certPem, readCa(pki)!.certPem)).toBe(true);
  });

  it('readCa is undefined without ca.key', () => {
    expect(readCa(path.join(dir, 'creds', 'edge-1'))).toBeUndefined();
  });

  it('the public key in a credentials directory is the certificate\'s', async () => {
    const issued = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
    const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');
    expect(spki(issued.keyPem)).toBe(spki(issued.certPem));
  });
});
