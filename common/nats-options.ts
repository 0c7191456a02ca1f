/**
 * How to reach NATS: shared by coordinator and daemon flags, and turned into
 * client connection options in one place, so the event transport, the
 * JetStream store and the leader lease all connect with the same credentials.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { credsAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { InvalidArgumentError } from './errors';
import { credentialsFromUrl } from './events/nats-url';

/** TLS files (PEM paths) of a NATS connection. */
export interface NatsTlsFiles {
  /** CA that signed the server's certificate (default: the system's roots). */
  ca?: string;
  /** Our client certificate, for servers that require one (`verify_and_map`). */
  cert?: string;
  /** The client certificate's private key. */
  key?: string;
}

/** How to reach NATS: shared by coordinator and daemon flags and every NATS connection. */
export interface NatsConnectOptions {
  /** Server URL(s), comma-separated, e.g. nats://127.0.0.1:4222. */
  url: string;
  user?: string;
  pass?: string;
  token?: string;
  /** Path of a .creds file. */
  creds?: string;
  /** TLS: server verification and/or a client certificate. */
  tls?: NatsTlsFiles;
}

/** Everything but the URL: what store and lease options take next to their `servers`. */
export type NatsCredentials = Omit<NatsConnectOptions, 'url'>;

/** What every fedlink NATS connection shares: servers, credentials and TLS (no name or reconnect policy). */
export type NatsAuthOptions = Pick<ConnectionOptions, 'servers' | 'user' | 'pass' | 'token' | 'authenticator' | 'tls'>;

/** The host of a server URL as nats.js reads it (`nats://h:4222`, `h:4222`, `[::1]:4222`). */
function hostOf(server: string): string {
  try {
    return new URL(server.includes('://') ? server : `nats://${server}`).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return server;
  }
}

/**
 * nats.js v3 sends no server name for an IP-address URL, and node then checks
 * the server certificate against "localhost" rather than the address dialled
 * (so a certificate with only the server's IP fails, and any one naming
 * localhost passes). For such a dial, check the certificate against the IP
 * addresses we were given instead; DNS names are checked as usual.
 */
function serverIdentityCheck(hosts: string[]): ((name: string, cert: PeerCertificate) => Error | undefined) | undefined {
  const ips = hosts.filter((h) => isIP(h) !== 0);
  if (ips.length === 0) return undefined;
  const dialsLocalhost = hosts.includes('localhost');
  return (name, cert) => {
    if (name !== 'localhost' || dialsLocalhost) return checkServerIdentity(name, cert);
    return ips.some((ip) => checkServerIdentity(ip, cert) === undefined) ? undefined : checkServerIdentity(ips[0], cert);
  };
}

/** Splits a comma-separated URL list, dropping blanks. */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

async function readNamed(what: string, file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new InvalidArgumentError(`cannot read NATS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * Turns NatsConnectOptions into nats.js connection options: servers (with
 * credentials typed into a URL split out, since the v3 client ignores them;
 * explicit options win), user/pass/token, the .creds file and TLS files read
 * now, so a missing file is an InvalidArgumentError naming it rather than a
 * retry loop that never says why.
 */
export async function natsConnectionOptions(o: NatsConnectOptions): Promise<NatsAuthOptions> {
  const parsed = natsServers(o.url).map(credentialsFromUrl);
  if (parsed.length === 0) throw new InvalidArgumentError('NATS: no server URL given');
  const fromUrl: { user?: string; pass?: string; token?: string } = parsed.find((p) => p.user !== undefined || p.token !== undefined) ?? {};
  const auth = o.user !== undefined || o.token !== undefined ? { user: o.user, pass: o.pass, token: o.token } : { user: fromUrl.user, pass: fromUrl.pass, token: fromUrl.token };
  const out: NatsAuthOptions = { servers: parsed.map((p) => p.server), ...auth };
  if (o.creds) out.authenticator = credsAuthenticator(await readNamed('creds file', o.creds));
  const tls = o.tls;
  if (tls && (tls.ca || tls.cert || tls.key)) {
    if (!tls.cert !== !tls.key) throw new InvalidArgumentError('NATS TLS: a client certificate needs its key and a key needs its certificate (--nats-tls-cert with --nats-tls-key)');
    const text = async (what: string, file: string | undefined) => (file ? Buffer.from(await readNamed(what, file)).toString('utf8') : undefined);
    const [ca, cert, key] = await Promise.all([text('TLS CA file', tls.ca), text('TLS certificate file', tls.cert), text('TLS key file', tls.key)]);
    // Only the keys given: nats.js merges this object into node:tls options, where `ca: undefined` is not "absent".
    const checkIdentity = serverIdentityCheck(parsed.map((p) => hostOf(p.server)));
    // checkServerIdentity is not in nats.js' TlsOptions type, but it passes the object on to node:tls.connect.
    out.tls = { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }), ...(checkIdentity && { checkServerIdentity: checkIdentity }) } as NatsAuthOptions['tls'];
  }
  return out;
}
