import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { toNatsOptions } from '../../clients/cli/nats-flags';
import { natsConnectionOptions } from '../../common/nats-options';

const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-nats-opts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
for (const f of ['ca.crt', 'tls.crt', 'tls.key']) writeFileSync(path.join(dir, f), `-----${f}-----\n`);
const peer = (san: string) => ({ subject: { CN: 'nats-1' }, subjectaltname: san }) as unknown as PeerCertificate;
type Check = (name: string, cert: PeerCertificate) => Error | undefined;

describe('nats connection options', () => {
  it('nats options - user, token and TLS files become client options; credentials typed into a URL are split out', async () => {
    const o = await natsConnectionOptions({ url: 'nats://fed:pw@nats.example.org:4222, tls://other:4222', tls: { ca: path.join(dir, 'ca.crt') } });
    expect(o).toMatchObject({ servers: ['nats://nats.example.org:4222', 'tls://other:4222'], user: 'fed', pass: 'pw', tls: { ca: '-----ca.crt-----\n' } });
    expect((o.tls as { checkServerIdentity?: Check }).checkServerIdentity).toBeUndefined();
    expect((await natsConnectionOptions({ url: 'nats://u:p@h:1', token: 't' })).token).toBe('t');
  });

  it('nats options - a missing TLS or creds file is an error naming it, and a certificate needs its key', async () => {
    await expect(natsConnectionOptions({ url: 'nats://h:1', tls: { ca: path.join(dir, 'nope.crt') } })).rejects.toThrow(/cannot read NATS TLS CA file .*nope\.crt: ENOENT/);
    await expect(natsConnectionOptions({ url: 'nats://h:1', creds: path.join(dir, 'x.creds') })).rejects.toThrow(/creds file .*x\.creds/);
    await expect(natsConnectionOptions({ url: 'nats://h:1', tls: { cert: path.join(dir, 'tls.crt') } })).rejects.toThrow(/needs its key/);
  });

  it('nats options - an IP-address URL checks the server certificate against that IP, not against "localhost"', async () => {
    const o = await natsConnectionOptions({ url: 'nats://127.0.0.1:4222', tls: { ca: path.join(dir, 'ca.crt') } });
    const check = (o.tls as { checkServerIdentity: Check }).checkServerIdentity;
    // nats.js sends no server name for an IP, so node asks about "localhost".
    expect(check('localhost', peer('IP Address:127.0.0.1'))).toBeUndefined();
    expect(check('localhost', peer('DNS:localhost'))).toBeInstanceOf(Error);
    expect(check('localhost', peer('IP Address:10.0.0.9'))).toBeInstanceOf(Error);
    expect(check('nats.example.org', peer('DNS:nats.example.org'))).toBeUndefined();
  });

  it('nats flags - --nats-pki names a credentials dir, single --nats-tls-* flags override its files, missing files are one line', () => {
    expect(toNatsOptions({ nats: 'nats://h:1', natsPki: dir })?.tls).toEqual({ ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') });
    expect(toNatsOptions({ nats: 'nats://h:1', natsPki: dir, natsTlsCa: path.join(dir, 'tls.crt') })?.tls?.ca).toBe(path.join(dir, 'tls.crt'));
    expect(toNatsOptions({ nats: 'nats://h:1' })?.tls).toBeUndefined();
    expect(() => toNatsOptions({ nats: 'nats://h:1', natsPki: path.join(dir, 'nope') })).toThrow(/^--nats-pki: .*nope is not a directory/);
    expect(() => toNatsOptions({ nats: 'nats://h:1', natsTlsCert: path.join(dir, 'x.crt'), natsTlsKey: path.join(dir, 'tls.key') })).toThrow(/^--nats-tls-cert: cannot read .*x\.crt \(no such file\)$/);
    expect(() => toNatsOptions({ nats: 'nats://h:1', natsTlsKey: path.join(dir, 'tls.key') })).toThrow(/go together/);
  });
});
