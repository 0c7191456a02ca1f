/**
 * Names of a PKI / credentials directory's files and the coordinator's default
 * hosts: what commands name in help and messages without loading the X.509 code.
 */

/** File names inside a PKI / credentials directory. */
export const CA_CERT = 'ca.crt',
  CA_KEY = 'ca.key',
  TLS_CERT = 'tls.crt',
  TLS_KEY = 'tls.key';

/** Names a coordinator certificate covers when `pki init` is given no --host. */
export const DEFAULT_COORDINATOR_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];
