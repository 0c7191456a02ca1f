/**
 * The coordinator's gRPC server credentials. With TLS material the server
 * requests a client certificate and verifies it against the deployment CA, but
 * does not require one at the handshake: a device enrolling has none yet
 * (Fleet.Enroll). Every other call is refused by the auth hook unless the
 * verified certificate is there (grpc-js exposes the peer certificate only when
 * Node's TLS layer authorized it), so "optional at the handshake" never means
 * "optional for the service". grpc-js's createSsl can only request and require
 * together, hence a certificate provider.
 */
import * as grpc from '@grpc/grpc-js';
import type { TlsMaterial } from '../../../common/pki/files';

/** A certificate provider that hands out fixed material (grpc-js's provider interface). */
function staticProvider(m: TlsMaterial): grpc.experimental.CertificateProvider {
  const ca = { caCertificate: Buffer.from(m.caPem) };
  const identity = { certificate: Buffer.from(m.certPem), privateKey: Buffer.from(m.keyPem) };
  // Delivered on the next tick: grpc-js subscribes before it registers the server as a watcher,
  // so material handed over synchronously would be lost and every handshake dropped.
  return {
    addCaCertificateListener: (listener) => queueMicrotask(() => listener(ca)),
    removeCaCertificateListener: () => {},
    addIdentityCertificateListener: (listener) => queueMicrotask(() => listener(identity)),
    removeIdentityCertificateListener: () => {},
  };
}

/** TLS server credentials (client certificates requested and verified, not required), or plaintext. */
export function serverCredentials(tls: TlsMaterial | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  // One provider for both roles (grpc-js 1.14 names the two parameters in the opposite order to how it uses them).
  const provider = staticProvider(tls);
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}
