/**
 * Channel credentials for callers of the coordinator (daemon, CLI): TLS that
 * verifies the coordinator against the deployment CA and presents the caller's
 * certificate when it has one (a device enrolling has only the CA), or
 * plaintext when no TLS material is given (a coordinator on loopback or
 * started with --insecure).
 */
import * as grpc from '@grpc/grpc-js';

/** What a caller has: always the CA; a certificate and key once it has an identity. */
export interface CallerTls {
  caPem: string;
  certPem?: string;
  keyPem?: string;
}

/** TLS credentials for `tls`, or insecure ones when it is undefined. */
export function channelCredentials(tls: CallerTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(Buffer.from(tls.caPem), tls.keyPem ? Buffer.from(tls.keyPem) : null, tls.certPem ? Buffer.from(tls.certPem) : null);
}
