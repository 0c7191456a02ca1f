/**
 * A nats-server configuration from the deployment's PKI: TLS with client
 * certificates required and `verify_and_map`, and one user per certificate
 * identity with the subject permissions it needs and no more.
 *
 * How nats-server 2.9 maps a certificate to a user (server/auth.go,
 * checkClientTLSCertSubject; verified against 2.9.10 by
 * test/security/nats.test.ts): it tries, in order, the SAN e-mail
 * addresses, the SAN DNS names, then the SAN URIs, each as an exact user
 * name; only then the subject DN (RFC 4514 order, e.g.
 * `OU=client,O=fedlink,CN=edge-1` as Go prints it, or any ordering of the same
 * RDNs). fedlink names each user by the certificate's SAN URI, the same
 * identity the coordinator reads (`urn:fedlink:client:<id>`,
 * `urn:fedlink:coordinator`), never by the CN. Our client certificates carry
 * no e-mail or DNS SAN; coordinator and server certificates carry DNS names
 * such as `localhost`, which never name a user here.
 *
 * The user list is the allow-list: enrolling a device means regenerating the
 * file and `nats-server --signal reload`; a removed (revoked) client is
 * refused from then on.
 */
import { isClientId } from '../client-id';
import { InvalidArgumentError } from '../errors';
import { ALL_LINK, ALL_PRESENCE, ALL_OBSERVATIONS, ALL_ROUND_EVENTS, linkSubject, presenceSubject } from '../events/subjects';
import { bucketName, DEFAULT_BUCKET_PREFIX, KV_BUCKETS, OBJECT_BUCKETS, STREAMS } from '../jetstream-buckets';
import { CLIENT_URI_PREFIX, COORDINATOR_URI } from './identity';

/** What the generated configuration says. */
export interface NatsConfigOptions {
  /** Paths as the nats-server process will open them. */
  tls: { ca: string; cert: string; key: string };
  /** Client ids allowed to connect (each its own user). */
  clients: readonly string[];
  /** Client listen address. @default '0.0.0.0:4222' */
  listen?: string;
  /** JetStream store directory; JetStream is what the coordinator's store and lease need. @default '/var/lib/nats/fedlink' */
  storeDir?: string;
  /** Monitoring endpoint (host:port), none when unset. */
  http?: string;
  /** Server name (needed for a cluster). */
  serverName?: string;
  /** Bucket name prefix of the coordinator's store (its --nats bucket prefix). @default 'fedlink' */
  bucketPrefix?: string;
}

/** Subject permissions of one NATS user. */
export interface NatsPermissions {
  publish: { allow?: string[]; deny?: string[] };
  subscribe: { allow?: string[]; deny?: string[] };
}

/** One authorization entry: a user name (a SAN URI) and its permissions. */
export interface NatsUser {
  user: string;
  permissions: NatsPermissions;
}

/** The NATS user a client's certificate maps to. */
export function clientNatsUser(clientId: string): string {
  return `${CLIENT_URI_PREFIX}${clientId}`;
}

/** The NATS user the coordinator's certificate maps to. */
export const COORDINATOR_NATS_USER = COORDINATOR_URI;

/**
 * A client publishes its own presence and link reports and nothing else;
 * it subscribes to nothing (the daemon makes no requests, so needs no
 * `_INBOX`), so JetStream, KV and Object Store are out of reach.
 */
export function clientPermissions(clientId: string): NatsPermissions {
  return {
    publish: { allow: [presenceSubject(clientId), linkSubject(clientId)] },
    subscribe: { deny: ['>'] },
  };
}

/**
 * The coordinator hears every client, publishes its observations and round
 * events, and uses the JetStream API of its own buckets and streams only (requests
 * answered on `_INBOX`, consumer acks and flow-control replies included).
 */
export function coordinatorPermissions(bucketPrefix = DEFAULT_BUCKET_PREFIX): NatsPermissions {
  const js: string[] = ['$JS.API.INFO'];
  const streams = [
    ...KV_BUCKETS.map((b) => ({ stream: `KV_${bucketName(bucketPrefix, b)}`, data: `$KV.${bucketName(bucketPrefix, b)}.>` })),
    ...OBJECT_BUCKETS.map((b) => ({ stream: `OBJ_${bucketName(bucketPrefix, b)}`, data: `$O.${bucketName(bucketPrefix, b)}.>` })),
    ...STREAMS.map((s) => ({ stream: bucketName(bucketPrefix, s), data: `${bucketPrefix}.${s}` })),
  ];
  for (const { stream, data } of streams) {
    js.push(
      // STREAM.CREATE/INFO/UPDATE/DELETE/PURGE, STREAM.MSG.GET/DELETE
      `$JS.API.STREAM.*.${stream}`,
      `$JS.API.STREAM.MSG.*.${stream}`,
      `$JS.API.DIRECT.GET.${stream}`,
      `$JS.API.DIRECT.GET.${stream}.>`,
      // CONSUMER.CREATE (old and 2.9 forms), INFO, DELETE, NAMES, LIST, MSG.NEXT, DURABLE.CREATE
      `$JS.API.CONSUMER.*.${stream}`,
      `$JS.API.CONSUMER.*.${stream}.>`,
      `$JS.API.CONSUMER.*.*.${stream}.>`,
      `$JS.ACK.${stream}.>`,
      `$JS.FC.${stream}.>`,
      data,
    );
  }
  return {
    publish: { allow: [ALL_OBSERVATIONS, ALL_ROUND_EVENTS, ...js] },
    subscribe: { allow: [ALL_PRESENCE, ALL_LINK, '_INBOX.>'] },
  };
}

/** Every user of the configuration: the coordinator, then each client (sorted, duplicates removed). */
export function natsUsers(clients: readonly string[], bucketPrefix?: string): NatsUser[] {
  for (const id of clients) {
    if (!isClientId(id)) throw new InvalidArgumentError(`invalid client id "${id}" (letters, digits, . _ : - ; at most 128 characters)`);
  }
  const ids = [...new Set(clients)].sort();
  return [
    { user: COORDINATOR_NATS_USER, permissions: coordinatorPermissions(bucketPrefix) },
    ...ids.map((id) => ({ user: clientNatsUser(id), permissions: clientPermissions(id) })),
  ];
}

// JSON string syntax is valid NATS config string syntax, and quoting keeps `$JS...` from reading as a variable.
const q = (s: string) => JSON.stringify(s);

function list(items: string[], indent: string): string {
  // Short lists on one line; long ones one subject per line, so a review (or a diff after enrolling) reads well.
  if (items.length <= 2) return `[${items.map(q).join(', ')}]`;
  return `[\n${items.map((i) => `${indent}  ${q(i)}`).join('\n')}\n${indent}]`;
}

function permissionsBlock(p: NatsPermissions, indent: string): string {
  const part = (name: string, r: { allow?: string[]; deny?: string[] }) => {
    const inner = `${indent}  `;
    const fields = [r.allow && `allow: ${list(r.allow, inner)}`, r.deny && `deny: ${list(r.deny, inner)}`].filter(Boolean);
    return `${inner}${name}: { ${fields.join(', ')} }`;
  };
  return `{\n${part('publish', p.publish)}\n${part('subscribe', p.subscribe)}\n${indent}}`;
}

/** The nats-server configuration text. */
export function natsServerConfig(o: NatsConfigOptions): string {
  const users = natsUsers(o.clients, o.bucketPrefix);
  const lines = [
    '# Generated by `fedlink pki nats-config`: TLS with client certificates required, one user per',
    '# certificate identity (its SAN URI), each with the subjects it needs and no more.',
    '# Enrolling or revoking a device: regenerate this file, then `nats-server --signal reload`.',
    '',
    ...(o.serverName ? [`server_name: ${q(o.serverName)}`] : []),
    `listen: ${q(o.listen ?? '0.0.0.0:4222')}`,
    ...(o.http ? [`http: ${q(o.http)}`] : []),
    '',
    'tls {',
    `  cert_file: ${q(o.tls.cert)}`,
    `  key_file: ${q(o.tls.key)}`,
    '  # Clients must present a certificate from this CA ...',
    `  ca_file: ${q(o.tls.ca)}`,
    '  # ... and are logged in as the user named by its SAN URI (no passwords).',
    '  verify_and_map: true',
    '  timeout: 5',
    '}',
    '',
    'jetstream {',
    `  store_dir: ${q(o.storeDir ?? '/var/lib/nats/fedlink')}`,
    '}',
    '',
    'authorization {',
    '  users: [',
    ...users.map((u) => `    { user: ${q(u.user)}, permissions: ${permissionsBlock(u.permissions, '    ')} }`),
    '  ]',
    '}',
    '',
  ];
  return lines.join('\n');
}
