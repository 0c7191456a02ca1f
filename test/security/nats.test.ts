/**
 * Security: NATS locked down. A real nats-server runs the configuration
 * `fedlink pki nats-config` generates (TLS, verify_and_map, per-user subject
 * permissions) with certificates from common/pki; each attack from issue 10
 * is replayed as a client's NATS user and must be refused by the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../common/clock';
import { EmbeddedTransport } from '../../common/events/embedded-transport';
import { encodePayload } from '../../common/events/message-codec';
import { NatsTransport, createEventTransport } from '../../common/events/nats-transport';
import { encodeLinkReport, encodePresence } from '../../common/events/payloads';
import { linkSubject, presenceSubject } from '../../common/events/subjects';
import type { LinkReport } from '../../common/link';
import { silentLogger } from '../../common/logger';
import { natsConnectionOptions, type NatsTlsFiles } from '../../common/nats-options';
import { createCa, issueCertificate, type CaMaterial, type CertSubject } from '../../common/pki/certificates';
import { CA_CERT, TLS_CERT, TLS_KEY, writeTlsDir } from '../../common/pki/files';
import { clientNatsUser, natsServerConfig } from '../../common/pki/nats-config';
import { waitFor } from '../../common/wait-for';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { registerPkiNatsConfigCommand } from '../../clients/cli/commands/pki-nats-config';
import { toNatsOptions } from '../../clients/cli/nats-flags';
import { LeaderLease } from '../../services/coordinator/ha/leader-lease';
import { LinkBridge } from '../../services/coordinator/link/link-bridge';
import { LinkTracker } from '../../services/coordinator/link/link-tracker';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { openJetStreamStore } from '../../services/coordinator/store/jetstream-store';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';

const root = mkdtempSync(path.join(tmpdir(), 'fedlink-nats-sec-'));
let ca: CaMaterial;
let nats: NatsServerHandle;
const open: Array<{ close(): Promise<void> }> = [];

/** Issues a certificate into its own credentials dir and returns the dir. */
async function credentials(name: string, subject: CertSubject, issuer: CaMaterial = ca): Promise<string> {
  const issued = await issueCertificate(issuer, subject);
  const dir = path.join(root, name);
  writeTlsDir(dir, { caPem: ca.certPem, certPem: issued.certPem, keyPem: issued.keyPem });
  return dir;
}

const tlsOf = (dir: string): NatsTlsFiles => ({ ca: path.join(dir, CA_CERT), cert: path.join(dir, TLS_CERT), key: path.join(dir, TLS_KEY) });
const dirs: Record<'server' | 'coordinator' | 'edge1' | 'edge2' | 'stranger' | 'operator' | 'foreign', string> = {} as never;

/** A raw NATS connection with these TLS files (no reconnects: a refusal must surface). */
async function dial(tls: NatsTlsFiles, timeout = 5000): Promise<NatsConnection> {
  const nc = await connect({ ...(await natsConnectionOptions({ url: nats.url, tls })), name: 'security-test', maxReconnectAttempts: 0, timeout });
  open.push(nc);
  return nc;
}

/** Every permission violation the server reports to this connection. */
function violations(nc: NatsConnection): Array<{ operation: string; subject: string }> {
  const seen: Array<{ operation: string; subject: string }> = [];
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'error' && s.error.name === 'PermissionViolationError') seen.push(s.error as unknown as { operation: string; subject: string });
    }
  })();
  return seen;
}

const refused = (seen: Array<{ operation: string; subject: string }>, operation: string, subject: string) =>
  waitFor(`the server to refuse ${operation} ${subject}`, () => (seen.some((v) => v.operation === operation && v.subject === subject) ? true : undefined), 5000, 10);

const report = (clientId: string, rttMs = 20): LinkReport => ({ clientId, measuredAtMs: Date.now(), radio: 'lte', rttMs });

/** The coordinator's side of link reports over NATS, connected with the coordinator certificate. */
async function coordinatorBridge() {
  const tracker = new LinkTracker({ clock: systemClock });
  const transport = new NatsTransport({ servers: nats.url, tls: tlsOf(dirs.coordinator), name: 'coordinator-bridge', reconnectTimeWaitMs: 100 });
  await transport.start();
  expect(transport.stats().connected).toBe(true);
  const bridge = new LinkBridge(transport, tracker, silentLogger());
  bridge.start();
  open.push({ close: async () => (await bridge.stop(), await transport.stop(), tracker.stop()) });
  return { tracker, bridge, transport };
}

beforeAll(async () => {
  ca = await createCa();
  const other = await createCa();
  // Only the address the tests dial (nats.js alone would check an IP-address URL against "localhost").
  dirs.server = await credentials('nats-server', { kind: 'server', name: 'nats-1', hosts: ['127.0.0.1'] });
  dirs.coordinator = await credentials('coordinator', { kind: 'coordinator', hosts: [] });
  dirs.edge1 = await credentials('edge-1', { kind: 'client', clientId: 'edge-1' });
  dirs.edge2 = await credentials('edge-2', { kind: 'client', clientId: 'edge.2' });
  // From our CA, but not in the generated config (not enrolled, or revoked).
  dirs.stranger = await credentials('edge-3', { kind: 'client', clientId: 'edge-3' });
  dirs.operator = await credentials('alice', { kind: 'operator', name: 'alice', role: 'admin' });
  // Same id as an enrolled client, signed by someone else's CA.
  dirs.foreign = await credentials('foreign', { kind: 'client', clientId: 'edge-1' }, other);
  const config = natsServerConfig({ tls: tlsOf(dirs.server) as Required<NatsTlsFiles>, clients: ['edge-1', 'edge.2'] });
  // -D: the server logs how it mapped each certificate to a user.
  nats = await startNatsServer({ jetstream: true, config, args: ['-D'] });
}, 60_000);

afterAll(async () => {
  for (const c of open.splice(0).reverse()) await c.close().catch(() => {});
  await nats?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('security - NATS locked down', () => {
  it('security nats - nats-server 2.9 maps a certificate to the user named by its SAN URI', async () => {
    const nc = await dial(tlsOf(dirs.edge1));
    await nc.flush();
    await waitFor('the mapping in the server log', () => (nats.output().includes(`Using URI found in cert for auth ["${clientNatsUser('edge-1')}"]`) ? true : undefined), 5000, 10);
    await nc.close();
  });

  it("security nats - a client's NATS user publishing a link report on another client's subject is refused by the server, and the tracker never sees it", async () => {
    const { tracker, bridge } = await coordinatorBridge();
    const edge1 = await dial(tlsOf(dirs.edge1));
    const seen = violations(edge1);
    // Its own subject works (and proves the coordinator's subscription is in place).
    edge1.publish(linkSubject('edge-1'), encodePayload(encodeLinkReport(report('edge-1'))));
    await waitFor('edge-1 in the tracker', () => tracker.get('edge-1'), 5000, 10);
    // The attack: a bad link reported for the victim, on the victim's subject, and its presence turned offline.
    edge1.publish(linkSubject('edge.2'), encodePayload(encodeLinkReport({ ...report('edge.2'), upMbps: 0.01, loss: 0.9 })));
    edge1.publish(presenceSubject('edge.2'), encodePayload(encodePresence({ clientId: 'edge.2', status: 'offline', atMs: Date.now() })));
    await refused(seen, 'publish', linkSubject('edge.2'));
    await refused(seen, 'publish', presenceSubject('edge.2'));
    // A later report of its own arrives; the refused ones, published before it on the same connection, never did.
    edge1.publish(linkSubject('edge-1'), encodePayload(encodeLinkReport(report('edge-1', 30))));
    await waitFor('the second edge-1 report', () => (tracker.get('edge-1')!.samples >= 2 ? true : undefined), 5000, 10);
    expect(tracker.get('edge.2')).toBeUndefined();
    expect(bridge.senderMismatches).toBe(0);
    expect(nats.output()).toContain(`Publish Violation - User "${clientNatsUser('edge-1')}", Subject "${linkSubject('edge.2')}"`);
    await edge1.close();
  });

  it("security nats - a client's NATS user cannot read other clients' subjects, the coordinator's, or JetStream's", async () => {
    const { tracker } = await coordinatorBridge();
    const edge1 = await dial(tlsOf(dirs.edge1));
    const seen = violations(edge1);
    const received: string[] = [];
    const targets = [linkSubject('edge.2'), 'fedlink.v1.>', '>', '$KV.fedlink_runs.>', '_INBOX.>'];
    for (const subject of targets) edge1.subscribe(subject, {
        callback: (err, m) => {
          if (!err) received.push(m.subject);
        },
      });
    for (const subject of targets) await refused(seen, 'subscription', subject);
    const edge2 = await dial(tlsOf(dirs.edge2));
    edge2.publish(linkSubject('edge.2'), encodePayload(encodeLinkReport(report('edge.2'))));
    await waitFor('edge.2 report at the coordinator', () => tracker.get('edge.2'), 5000, 10);
    // A round trip after the message was routed: anything delivered to edge-1 has arrived by now.
    await edge1.flush();
    expect(received).toEqual([]);
    await edge1.close();
    await edge2.close();
  });

  it("security nats - a client's NATS user cannot write to JetStream: no KV put into fedlink_runs, no stream created", async () => {
    // The coordinator's store creates the buckets, as in a deployment.
    const store = await openJetStreamStore({ servers: nats.url, tls: tlsOf(dirs.coordinator), name: 'sec-store' });
    open.push(store);
    const coordinator = await dial(tlsOf(dirs.coordinator));
    const jsm = await jetstreamManager(coordinator);
    const streamsBefore = (await jsm.getAccountInfo()).streams;
    const edge1 = await dial(tlsOf(dirs.edge1));
    const seen = violations(edge1);
    // A raw publish on a stream's subject is a write (no reply needed) ...
    edge1.publish('$KV.fedlink_runs.run-forged', encodePayload({ runId: 'run-forged' }));
    edge1.publish('$O.fedlink_models.M.forged', new Uint8Array(16));
    // ... and the JetStream API is a request.
    edge1.publish('$JS.API.STREAM.CREATE.evil', encodePayload({ name: 'evil', subjects: ['evil.>'] }));
    await refused(seen, 'publish', '$KV.fedlink_runs.run-forged');
    await refused(seen, 'publish', '$O.fedlink_models.M.forged');
    await refused(seen, 'publish', '$JS.API.STREAM.CREATE.evil');
    // The client library's way fails too (its reply inbox is refused before anything is sent).
    await expect(new Kvm(edge1).create('fedlink_runs')).rejects.toThrow(/permission/i);
    expect(await store.getRun('run-forged')).toBeUndefined();
    // (The coordinator may not even ask about a stream outside its buckets: count them instead.)
    expect((await jsm.getAccountInfo()).streams).toBe(streamsBefore);
    await edge1.close();
  });

  it("security nats - a client's NATS user cannot write the HA leader lease key", async () => {
    const edge1 = await dial(tlsOf(dirs.edge1));
    const seen = violations(edge1);
    // The attack of issue 10: hold the lease key so no coordinator ever leads.
    edge1.publish('$KV.fedlink_leader.leader', encodePayload({ holderId: 'attacker', address: 'evil:1' }));
    await refused(seen, 'publish', '$KV.fedlink_leader.leader');
    await expect(new Kvm(edge1).create('fedlink_leader')).rejects.toThrow(/permission/i);
    const changes: boolean[] = [];
    const lease = new LeaderLease({ servers: nats.url, tls: tlsOf(dirs.coordinator), holderId: 'sec-coordinator', address: '127.0.0.1:1', ttlMs: 3000, logger: silentLogger(), onChange: (held) => changes.push(held) });
    open.push({ close: () => lease.stop() });
    await lease.start();
    await waitFor('the coordinator to hold the lease', () => (lease.held ? true : undefined), 10_000, 20);
    expect(lease.holder).toEqual({ holderId: 'sec-coordinator', address: '127.0.0.1:1' });
    await lease.stop();
    expect(changes).toEqual([true, false]);
    await edge1.close();
  });

  it('security nats - a connection without a certificate, with a certificate from another CA, or with one the config does not list is refused', async () => {
    const ca = path.join(dirs.edge1, CA_CERT);
    // The server ends the TLS handshake; nats.js does not notice (TLS 1.3 reports a client-certificate refusal after
    // the client's side completed) and times out, so the server's log says why.
    const handshakeRefused = (why: string) => waitFor(`the server to refuse the handshake: ${why}`, () => (nats.output().includes(`TLS handshake error: ${why}`) ? true : undefined), 5000, 10);
    await Promise.all([expect(dial({ ca }, 1500), 'no client certificate').rejects.toThrow(), handshakeRefused("tls: client didn't provide a certificate")]);
    await Promise.all([
      expect(dial(tlsOf(dirs.foreign), 1500), 'another CA').rejects.toThrow(),
      handshakeRefused('tls: failed to verify client certificate: x509: certificate signed by unknown authority'),
    ]);
    await expect(dial(tlsOf(dirs.stranger)), 'not enrolled').rejects.toThrow(/authorization/i);
    await expect(dial(tlsOf(dirs.operator)), 'an operator certificate').rejects.toThrow(/authorization/i);
    // Plaintext is not an option either: the server requires TLS.
    await expect(connect({ servers: nats.url, maxReconnectAttempts: 0, timeout: 3000 }).then((nc) => (open.push(nc), nc))).rejects.toThrow();
  });

  it("security nats - the coordinator's event transport, JetStream store and leader lease all work over TLS with the coordinator certificate", async () => {
    // Flags as an operator passes them: --nats-pki <coordinator credentials dir>.
    const natsOptions = toNatsOptions({ nats: nats.url, natsPki: dirs.coordinator })!;
    let coordinator: Coordinator | undefined = await startCoordinator(
      { host: '127.0.0.1', port: 0, store: 'jetstream', ha: true, leaseTtlMs: 3000, nats: natsOptions, spoolDir: path.join(root, 'spool') },
      silentLogger(),
    );
    open.push({ close: async () => coordinator?.stop() });
    await waitFor('the coordinator to lead', () => (coordinator!.isLeader ? true : undefined), 15_000, 20);
    expect(coordinator.events.stats().connected).toBe(true);
    // A daemon's transport with its own certificate: reports flow, and it needs no permission it lacks.
    const daemonEvents = createEventTransport({ nats: { url: nats.url, tls: tlsOf(dirs.edge1) }, name: 'edge-1' });
    const errors: unknown[] = [];
    void (async () => {
      for await (const s of daemonEvents.status()) if (s.type === 'error') errors.push(s.error);
    })();
    await daemonEvents.start();
    daemonEvents.publish(presenceSubject('edge-1'), encodePresence({ clientId: 'edge-1', status: 'online', atMs: Date.now() }));
    daemonEvents.publish(linkSubject('edge-1'), encodeLinkReport(report('edge-1', 42)));
    await waitFor('edge-1 in the coordinator tracker', () => (coordinator!.links.get('edge-1')?.rttMs === 42 ? true : undefined), 10_000, 20);
    await daemonEvents.stop();
    expect(errors).toEqual([]);
    // The store as the coordinator's user: KV and Object Store, read back (ordered consumers, flow control).
    const store = await openJetStreamStore({ ...natsOptions, servers: natsOptions.url, name: 'sec-store-check' });
    open.push(store);
    const weights = new Float32Array(300_000).map((_, i) => i);
    const version = sha256Hex(float32ToBytes(weights));
    await store.putModel('run-tls', version, weights);
    expect((await store.getModel('run-tls', version))?.length).toBe(300_000);
    expect(await store.listModels('run-tls')).toEqual([version]);
    expect(await store.listRuns()).toBeInstanceOf(Array);
    // The auth records: KV compare-and-set, and the audit stream (publish, then an ordered consumer).
    const now = Date.now();
    await store.putEnrollment({ tokenHash: 'ab'.repeat(32), clientId: 'edge-7', createdAtMs: now, expiresAtMs: now + 60_000, createdBy: 'urn:fedlink:operator:alice' });
    expect((await store.takeEnrollment('ab'.repeat(32), now))?.clientId).toBe('edge-7');
    await store.putRevocation({ clientId: 'edge-9', atMs: now, by: 'alice', reason: 'lost' });
    expect((await store.listRevocations()).map((r) => r.clientId)).toContain('edge-9');
    await store.appendAudit({ atMs: now, principal: 'alice', action: 'CreateRun', target: 'run-1', outcome: 'ok', detail: '', peer: '127.0.0.1' });
    expect((await store.listAudit(10)).map((e) => e.action)).toContain('CreateRun');
    await store.close();
    await coordinator.stop();
    coordinator = undefined;
    expect(nats.output()).not.toMatch(/Permissions Violation[^\n]*urn:fedlink:coordinator|urn:fedlink:coordinator[^\n]*Permissions Violation/);
  }, 60_000);

  it("security nats - a report whose payload clientId differs from its subject's is dropped and counted", async () => {
    const transport = new EmbeddedTransport();
    await transport.start();
    const tracker = new LinkTracker({ clock: new FakeClock() });
    const bridge = new LinkBridge(transport, tracker, silentLogger());
    bridge.start();
    // edge-1 speaks on its own subjects, but for the victim (and with a hostile id for the log).
    transport.publish(linkSubject('edge-1'), encodeLinkReport(report('victim')));
    transport.publish(presenceSubject('edge-1'), encodePresence({ clientId: 'victim', status: 'offline', atMs: 0 }));
    transport.publish(linkSubject('edge-1'), { ...encodeLinkReport(report('edge-1')), clientId: `\u001b[31m${'x'.repeat(10_000)}` });
    transport.publish(linkSubject('edge-1'), encodeLinkReport(report('edge-1')));
    await waitFor('the honest report', () => tracker.get('edge-1'), 5000, 5);
    expect(bridge.senderMismatches).toBe(2);
    // The one with a 10,000-character id is not even a valid payload: dropped and counted as such.
    expect(bridge.invalidPayloads).toBe(1);
    expect(tracker.get('victim')).toBeUndefined();
    expect(tracker.list().map((e) => e.clientId)).toEqual(['edge-1']);
    await bridge.stop();
    await transport.stop();
  });

  it('security nats - infra/nats/secure.conf is what the generator writes for the command in its header, and nats-server runs it', async () => {
    const { readFileSync } = await import('node:fs');
    const file = readFileSync(path.join(import.meta.dirname, '../../infra/nats/secure.conf'), 'utf8');
    const generated = file.slice(file.indexOf('# Generated by'));
    const etc = '/etc/fedlink/nats';
    expect(generated).toBe(
      natsServerConfig({ tls: { ca: `${etc}/ca.crt`, cert: `${etc}/tls.crt`, key: `${etc}/tls.key` }, clients: ['edge-1', 'edge-2'], http: '127.0.0.1:8222', serverName: 'fedlink-nats' }),
    );
    // Run as is, but on the test's certificates and without the monitoring port (which may be taken).
    const example = await startNatsServer({ config: file.replaceAll(`${etc}/`, `${dirs.server}/`).replace(/^http: .*$/m, '') });
    open.push({ close: () => example.stop() });
    const nc = await connect({ ...(await natsConnectionOptions({ url: example.url, tls: tlsOf(dirs.edge1) })), maxReconnectAttempts: 0, timeout: 5000 });
    const seen = violations(nc);
    nc.publish('$KV.fedlink_runs.x', new Uint8Array(1));
    await refused(seen, 'publish', '$KV.fedlink_runs.x');
    await nc.close();
  });

  it('security nats - the nats-config command writes the config for the listed clients and says how to apply it', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };
    const pki = new Command('pki').exitOverride();
    registerPkiNatsConfigCommand(pki, { io, exitCode: 0 });
    const file = path.join(root, 'nats.conf');
    await pki.parseAsync(['nats-config', '--server-pki', dirs.server, '--client', 'edge-1,edge.2', '--client', 'edge-9', '--out', file], { from: 'user' });
    expect(out.join('')).toContain('nats-server --signal reload');
    // The written file is what a running server accepts: reload with edge-9 added and it can connect.
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('verify_and_map: true');
    expect(text).toContain(`"${clientNatsUser('edge-9')}"`);
    const edge9 = await credentials('edge-9', { kind: 'client', clientId: 'edge-9' });
    await expect(dial(tlsOf(edge9))).rejects.toThrow(/authorization/i);
    await nats.reload(text);
    const nc = await dial(tlsOf(edge9));
    await nc.flush();
    await nc.close();
    await expect(pki.parseAsync(['nats-config', '--server-pki', path.join(root, 'nope')], { from: 'user' })).rejects.toThrow(/--server-pki: .*nope is not a directory/);
  });
});
