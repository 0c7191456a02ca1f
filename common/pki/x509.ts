/**
 * @peculiar/x509 wired to node:crypto's WebCrypto, and the P-256 key helpers
 * the PKI shares. Import x509 from here, never from the package directly: the
 * package needs reflect-metadata loaded first and a crypto provider set.
 */
import 'reflect-metadata';
import { KeyObject, createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** A WebCrypto key (node:crypto's type; the DOM lib is not loaded). */
export type WebKey = webcrypto.CryptoKey;

/** The one key algorithm of fedlink: ECDSA on P-256 (small certificates, fast handshakes). */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The one signature algorithm: ECDSA with SHA-256. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A new extractable P-256 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** A private key as PKCS#8 PEM (what node:tls and grpc-js read). */
export function privateKeyPem(key: WebKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A PEM private key (PKCS#8 or SEC1) as a WebCrypto signing key; throws when it is not P-256. */
export async function importSigningKey(pem: string): Promise<WebKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

/** A certificate or request as PEM ending in one newline. */
export function toPem(item: { toString(format: 'pem'): string }): string {
  return `${item.toString('pem').trim()}\n`;
}

/** The key-pair type @peculiar/x509 declares (the DOM's); node's WebCrypto pairs are the same objects. */
export type X509KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
/** The key type @peculiar/x509 declares (the DOM's CryptoKey). */
export type X509Key = X509KeyPair['privateKey'];
