/**
 * The daemon's TLS material and the client id that goes with it: read from
 * files or a credentials directory, or obtained by enrolling (a one-time token
 * and a CSR traded for a certificate, kept under --state-dir). The id is the
 * certificate's: taken from it when --id is absent, checked against it when given.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { channelCredentials } from '../../common/channel-credentials';
import { EnrollmentError, InvalidArgumentError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { createCsr } from '../../common/pki/certificates';
import { readTlsDir, readTlsFiles, writeTlsDir, type TlsMaterial } from '../../common/pki/files';
import { identityFromPem } from '../../common/pki/identity';
import type { EnrollResponse__Output } from '../../proto/gen/fedlink/v1/EnrollResponse';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import { loadFedlinkProto } from '../../proto/loader';
import type { CredentialsSource } from './credentials-source';
import { validateClientId } from './options';
import { describeError, isRpcError } from './rpc-error';

/** What the daemon connects with. */
export interface DaemonCredentials {
  clientId: string;
  /** Unset: plaintext (loopback or --insecure coordinators). */
  tls?: TlsMaterial;
}

/** How long one Enroll call may take before the next coordinator address is tried. */
const ENROLL_DEADLINE_MS = 30_000;
/** Statuses by which a coordinator refuses the token itself: trying again, or elsewhere, cannot help. */
const REFUSALS = new Set([status.UNAUTHENTICATED, status.PERMISSION_DENIED, status.INVALID_ARGUMENT]);

/** The client id a certificate names; InvalidArgumentError when it is not a client certificate. */
export function clientIdOf(certPem: string, where: string): string {
  const identity = identityFromPem(certPem);
  if (identity?.kind !== 'client') {
    const what = identity ? `a ${identity.kind} certificate` : 'a certificate that names no fedlink identity';
    throw new InvalidArgumentError(`${where} is ${what}, not a client's (SAN URI urn:fedlink:client:<id>)`);
  }
  return identity.clientId;
}

/** The id to run as: the certificate's, which --id (when given) must equal. */
function idFromCertificate(certPem: string, where: string, givenId: string | undefined, hint = ''): string {
  const certId = clientIdOf(certPem, where);
  if (givenId !== undefined && givenId !== certId) {
    throw new InvalidArgumentError(`--id ${givenId} does not match the certificate in ${where}, which is for ${certId}${hint}`);
  }
  return certId;
}

/** Options of {@link resolveCredentials}. */
export interface ResolveOptions {
  source: CredentialsSource;
  /** --id, if given. */
  clientId?: string;
  /** Coordinator addresses, for an enrollment (tried in turn, like the session does). */
  coordinator: string;
  logger: Logger;
}

/** Reads (or, with a token, obtains) the TLS material, and settles the client id. */
export async function resolveCredentials(opts: ResolveOptions): Promise<DaemonCredentials> {
  const { source } = opts;
  switch (source.kind) {
    case 'plaintext':
      validateClientId(opts.clientId ?? '');
      return { clientId: opts.clientId! };
    case 'files': {
      const tls = readTlsFiles(source);
      return { clientId: idFromCertificate(tls.certPem, `--tls-cert ${source.cert}`, opts.clientId), tls };
    }
    case 'dir': {
      const flag = source.fromStateDir ? '--state-dir' : '--pki';
      const tls = readTlsDir(source.dir, { flag });
      return { clientId: idFromCertificate(tls.certPem, `${flag} ${source.dir}`, opts.clientId), tls };
    }
    case 'enroll': {
      const caPem = readCaFile(source.ca);
      const tls = await enroll({ token: source.token, caPem, coordinator: opts.coordinator, clientId: opts.clientId, logger: opts.logger });
      // Kept before the id check: the token is spent, and the certificate is this device's either way.
      writeTlsDir(source.dir, tls);
      const clientId = idFromCertificate(tls.certPem, source.dir, opts.clientId, `; it is kept there: drop --id, or use --id ${clientIdOf(tls.certPem, source.dir)}`);
      opts.logger.info({ clientId, dir: source.dir }, `enrolled as ${clientId}; credentials kept in ${source.dir}`);
      return { clientId, tls };
    }
  }
}

/** The PEM of --tls-ca, checked to be a certificate. */
function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`cannot read ${file} (--tls-ca): ${(err as NodeJS.ErrnoException).code ?? describeError(err)}`, { cause: err });
  }
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new InvalidArgumentError(`${file} (--tls-ca) is not a PEM certificate`, { cause: err });
  }
  return pem;
}

/** Options of {@link enroll}. */
interface EnrollOptions {
  token: string;
  /** Verifies the coordinator; this device has no certificate of its own yet. */
  caPem: string;
  coordinator: string;
  clientId?: string;
  logger: Logger;
}

/** Calls Fleet.Enroll with a fresh key's CSR, on each coordinator address in turn until one answers. */
async function enroll(o: EnrollOptions): Promise<TlsMaterial> {
  // The CSR's subject is ignored (the token decides the id); name it after --id when there is one.
  const { keyPem, csrPem } = await createCsr(o.clientId ?? 'enrolling-device');
  const { Fleet } = loadFedlinkProto().proto.fedlink.v1;
  const addresses = o.coordinator.split(',').map((a) => a.trim()).filter((a) => a.length > 0);
  const failures: string[] = [];
  for (const address of addresses) {
    const client = new Fleet(address, channelCredentials({ caPem: o.caPem })) as FleetClient;
    let response: EnrollResponse__Output;
    try {
      response = await new Promise<EnrollResponse__Output>((resolve, reject) =>
        client.Enroll({ token: o.token, csrPem }, { deadline: Date.now() + ENROLL_DEADLINE_MS }, (err, res) => (err ? reject(err) : resolve(res!))),
      );
    } catch (err) {
      if (isRpcError(err) && REFUSALS.has(err.code)) {
        throw new EnrollmentError(`enrollment refused by the coordinator at ${address}: ${describeError(err)} (a token is single-use and expires; ask an admin for a new one)`, { cause: err });
      }
      // Down, a standby, or one that cannot enroll: another address may.
      o.logger.warn({ coordinator: address, err: describeError(err) }, 'enrollment attempt failed');
      failures.push(`${address}: ${describeError(err)}`);
      continue;
    } finally {
      client.close();
    }
    return checkEnrolled(response, keyPem, o.caPem, address);
  }
  throw new EnrollmentError(`cannot enroll: no coordinator accepted the call (${failures.join('; ')})`);
}

/** The credentials an Enroll answer gives, once checked to fit the key we made and the CA we trust. */
function checkEnrolled(response: EnrollResponse__Output, keyPem: string, givenCaPem: string, address: string): TlsMaterial {
  const certPem = response.certificatePem;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new EnrollmentError(`the coordinator at ${address} answered the enrollment with no usable certificate`, { cause: err });
  }
  if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
    throw new EnrollmentError(`the coordinator at ${address} returned a certificate for another key than this device's`);
  }
  // Authenticated by the CA we were given, the coordinator names the deployment CA to trust from now on.
  const caPem = response.caPem || givenCaPem;
  let ca: X509Certificate;
  try {
    ca = new X509Certificate(caPem);
  } catch (err) {
    throw new EnrollmentError(`the coordinator at ${address} returned an unreadable CA certificate`, { cause: err });
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    throw new EnrollmentError(`the certificate from the coordinator at ${address} is not signed by the CA it names`);
  }
  try {
    clientIdOf(certPem, `the certificate from the coordinator at ${address}`);
  } catch (err) {
    throw new EnrollmentError((err as Error).message, { cause: err });
  }
  return { caPem, certPem, keyPem };
}
