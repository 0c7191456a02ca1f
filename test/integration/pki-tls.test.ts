import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueCertificate, type CaMaterial } from '../../common/pki/certificates';
import { identityFromPeerCertificate, type CertIdentity } from '../../common/pki/identity';
import { waitFor } from '../../common/wait-for';

// The material `fedlink pki` makes, used by a real node:tls server that requires client certificates.
let ca: CaMaterial;
let server: tls.Server;
let port: number;
const identities: Array<CertIdentity | undefined> = [];
const refusals: Error[] = [];

beforeAll(async () => {
  ca = await createCa();
  const coordinator = await issueCertificate(ca, { kind: 'coordinator', hosts: [] });
  server = tls.createServer({ cert: coordinator.certPem, key: coordinator.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket) => {
    identities.push(identityFromPeerCertificate(socket.getPeerCertificate()));
    socket.end('hello\n');
  });
  server.on('tlsClientError', (err) => refusals.push(err));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

/** Connects with the given client credentials; resolves with what the server sent, or the error that ended the connection. */
function connect(opts: tls.ConnectionOptions): Promise<{ data: string; error?: Error }> {
  return new Promise((resolve) => {
    let data = '';
    let error: Error | undefined;
    const socket = tls.connect({ host: '127.0.0.1', port, ...opts });
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', (err) => (error = err));
    socket.on('close', () => resolve({ data, error }));
  });
}

describe('pki material over real TLS', () => {
  it('a client with an issued certificate connects, and the server reads its identity from the peer certificate', async () => {
    const client = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
    // By IP (checked against the IP SAN) and by name (the DNS SAN).
    for (const servername of [undefined, 'localhost']) {
      const before = identities.length;
      const res = await connect({ ca: ca.certPem, cert: client.certPem, key: client.keyPem, servername });
      expect(res).toEqual({ data: 'hello\n', error: undefined });
      expect(identities.slice(before)).toEqual([{ kind: 'client', clientId: 'edge-1' }]);
    }
  });

  it('an operator certificate carries its role through the handshake', async () => {
    const operator = await issueCertificate(ca, { kind: 'operator', name: 'alice', role: 'admin' });
    const before = identities.length;
    expect((await connect({ ca: ca.certPem, cert: operator.certPem, key: operator.keyPem })).data).toBe('hello\n');
    expect(identities.slice(before)).toEqual([{ kind: 'operator', name: 'alice', role: 'admin' }]);
  });

  it('a client certificate from another CA is refused by the server', async () => {
    const otherCa = await createCa();
    const foreign = await issueCertificate(otherCa, { kind: 'client', clientId: 'edge-1' });
    const before = { identities: identities.length, refusals: refusals.length };
    const res = await connect({ ca: ca.certPem, cert: foreign.certPem, key: foreign.keyPem });
    expect(res.data).toBe('');
    expect(identities.length).toBe(before.identities);
    // Under TLS 1.3 the client's handshake ends before the server checks its certificate: node then
    // drops the connection without a word, so the client sees a close with no data and the server a client error.
    await waitFor('the server to report the refused client', () => (refusals.length > before.refusals ? true : undefined), 10_000, 10);
    expect(refusals.length).toBe(before.refusals + 1);
  });

  it('a client without a certificate is refused', async () => {
    const before = { identities: identities.length, refusals: refusals.length };
    const res = await connect({ ca: ca.certPem });
    expect(res.data).toBe('');
    await waitFor('the server to report the refused client', () => (refusals.length > before.refusals ? true : undefined), 10_000, 10);
    expect(identities.length).toBe(before.identities);
    expect(refusals.length).toBe(before.refusals + 1);
  });

  it('a client that trusts only another CA refuses the coordinator', async () => {
    const otherCa = await createCa();
    const client = await issueCertificate(ca, { kind: 'client', clientId: 'edge-1' });
    const res = await connect({ ca: otherCa.certPem, cert: client.certPem, key: client.keyPem });
    expect(res.error?.message).toMatch(/self-signed certificate in certificate chain|unable to (get local issuer|verify the first) certificate/);
  });
});
