import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main';
import { readCa, readTlsDir, writeTlsDir } from '../../common/pki/files';
import { identityFromPem } from '../../common/pki/identity';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  const code = await main(['node', 'fedlink', ...args], io);
  return { code, stdout, stderr };
}

let dir: string;
let pki: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'fedlink-cli-pki-'));
  pki = path.join(dir, 'pki');
  const res = await run('pki', 'init', '--dir', pki, '--host', 'coord.example.org', '--san', 'IP:10.0.0.9', '--days', '90');
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fedlink pki', () => {
  it('pki init - writes the CA and a coordinator certificate for the given hosts, and prints the next commands', async () => {
    const tls = readTlsDir(pki);
    const cert = new X509Certificate(tls.certPem);
    expect(cert.subjectAltName).toBe('DNS:coord.example.org, IP Address:10.0.0.9, URI:urn:fedlink:coordinator');
    expect(Math.round((Date.parse(cert.validTo) - Date.now()) / 86_400_000)).toBe(90);
    expect(identityFromPem(tls.certPem)).toEqual({ kind: 'coordinator' });
    expect(readCa(pki)?.certPem).toBe(tls.caPem);
    expect(statSync(path.join(pki, 'ca.key')).mode & 0o777).toBe(0o600);
  });

  it('pki init - prints what it wrote and what to run next', async () => {
    const res = await run('pki', 'init', '--dir', path.join(dir, 'fresh'));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`wrote ${path.join(dir, 'fresh', 'ca.crt')} and ${path.join(dir, 'fresh', 'ca.key')}`);
    expect(res.stdout).toContain('coordinator certificate for localhost, 127.0.0.1, ::1');
    expect(res.stdout).toContain(`fedlink pki issue --dir ${path.join(dir, 'fresh')} --client edge-1`);
  });

  it('pki init - refuses to replace an existing CA without --force, in one line', async () => {
    const before = readCa(pki);
    const res = await run('pki', 'init', '--dir', pki);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(`fedlink: ${path.join(pki, 'ca.crt')} already exists: pass --force to replace the CA (every certificate it issued stops being trusted)\n`);
    expect(readCa(pki)).toEqual(before);
  });

  it('pki issue - writes a client credentials directory whose certificate names the client and chains to the CA', async () => {
    const out = path.join(dir, 'edge-1');
    const res = await run('pki', 'issue', '--dir', pki, '--client', 'edge-1', '--out', out);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^issued client edge-1, serial [0-9a-f]{32}, valid until \d{4}-\d\d-\d\d\n/);
    const tls = readTlsDir(out);
    expect(identityFromPem(tls.certPem)).toEqual({ kind: 'client', clientId: 'edge-1' });
    expect(new X509Certificate(tls.certPem).verify(new X509Certificate(readCa(pki)!.certPem).publicKey)).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(out, 'tls.key')).mode & 0o777).toBe(0o600);
  });

  it('pki issue - writes operator and server credentials', async () => {
    const alice = path.join(dir, 'alice');
    expect((await run('pki', 'issue', '--dir', pki, '--operator', 'alice', '--role', 'admin', '--out', alice, '--days', '7')).code).toBe(0);
    expect(identityFromPem(readTlsDir(alice).certPem)).toEqual({ kind: 'operator', name: 'alice', role: 'admin' });
    const nats = path.join(dir, 'nats-1');
    expect((await run('pki', 'issue', '--dir', pki, '--server', 'nats-1', '--host', 'nats-1.internal,10.0.0.5', '--out', nats)).code).toBe(0);
    expect(new X509Certificate(readTlsDir(nats).certPem).subjectAltName).toBe('DNS:nats-1.internal, IP Address:10.0.0.5');
  });

  it('pki issue - refuses a bad role, a bad client id, a wrong flag combination and a missing CA with exit 2', async () => {
    const out = path.join(dir, 'never');
    const cases: Array<[string[], string]> = [
      [['--operator', 'bob', '--role', 'root'], "fedlink: option '--role <role>' argument 'root' is invalid. Allowed choices are viewer, operator, admin.\n"],
      [['--operator', 'bob'], 'fedlink: an operator certificate needs --role <viewer|operator|admin>\n'],
      [['--client', 'edge 1'], 'fedlink: invalid client id "edge 1" (letters, digits, . _ : - ; at most 128 characters)\n'],
      [['--client', 'a', '--operator', 'b', '--role', 'viewer'], 'fedlink: pass exactly one of --client <id>, --operator <name> --role <role>, --server <name> --host <host>\n'],
      [[], 'fedlink: pass exactly one of --client <id>, --operator <name> --role <role>, --server <name> --host <host>\n'],
      [['--server', 'nats-1'], 'fedlink: a server certificate needs --host <name-or-ip> (repeat it for each name clients connect to)\n'],
      [['--client', 'a', '--role', 'admin'], 'fedlink: --role goes with --operator <name>\n'],
    ];
    for (const [flags, stderr] of cases) {
      expect(await run('pki', 'issue', '--dir', pki, ...flags, '--out', out)).toEqual({ code: 2, stdout: '', stderr });
    }
    const noCa = await run('pki', 'issue', '--dir', path.join(dir, 'edge-1'), '--client', 'a', '--out', out);
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toBe(`fedlink: ${path.join(dir, 'edge-1')} holds no CA (ca.key is missing): run fedlink pki init --dir ${path.join(dir, 'edge-1')} first\n`);
    expect(() => statSync(out)).toThrow();
  });

  it('pki init and pki issue - an unwritable directory (under /proc, below a file, a file itself) fails at once in one line, exit 2', { timeout: 20_000 }, async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'x');
    const cases: Array<[string, string]> = [
      ['/proc/nope', 'no such file'],
      ['/proc/nope/deeper', 'no such file'],
      [file, 'a file of that name exists (not a directory)'],
      [path.join(file, 'sub'), 'a file is in the way (not a directory)'],
    ];
    for (const [target, reason] of cases) {
      const init = await run('pki', 'init', '--dir', target, '--host', 'localhost');
      expect(init).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(new RegExp(`^fedlink: cannot create directory .*: ${reason.replace(/[()]/g, '\\$&')}\n$`)) });
      const issue = await run('pki', 'issue', '--dir', pki, '--client', 'edge-9', '--out', target);
      expect(issue).toEqual({ code: 2, stdout: '', stderr: expect.stringMatching(/^fedlink: cannot create directory .*\n$/) });
    }
  });

  it('pki nats-config --out - a missing parent directory or a directory given as the file is one line, exit 2', async () => {
    const server = path.join(dir, 'nats-out');
    expect((await run('pki', 'issue', '--dir', pki, '--server', 'nats-out', '--host', 'localhost', '--out', server)).code).toBe(0);
    for (const [out, reason] of [[path.join(dir, 'missing', 'nats.conf'), 'no such file'], [dir, 'is a directory'], ['/proc/nope/nats.conf', 'no such file']]) {
      const res = await run('pki', 'nats-config', '--server-pki', server, '--client', 'edge-1', '--out', out);
      expect(res).toEqual({ code: 2, stdout: '', stderr: `fedlink: cannot write --out ${out}: ${reason}\n` });
    }
  });

  it('pki issue - refuses to overwrite credentials without --force', async () => {
    const out = path.join(dir, 'edge-2');
    expect((await run('pki', 'issue', '--dir', pki, '--client', 'edge-2', '--out', out)).code).toBe(0);
    const first = readTlsDir(out);
    const again = await run('pki', 'issue', '--dir', pki, '--client', 'edge-2', '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists: pass --force');
    expect(readTlsDir(out)).toEqual(first);
    expect((await run('pki', 'issue', '--dir', pki, '--client', 'edge-2', '--out', out, '--force')).code).toBe(0);
    expect(readTlsDir(out).keyPem).not.toBe(first.keyPem);
  });

  it('pki show - prints subject, identity, SANs, validity, serial and issuer of a credentials directory', async () => {
    const out = path.join(dir, 'shown');
    await run('pki', 'issue', '--dir', pki, '--operator', 'carol', '--role', 'viewer', '--out', out);
    const res = await run('pki', 'show', out);
    expect(res.code).toBe(0);
    const serial = new X509Certificate(readTlsDir(out).certPem).serialNumber.toLowerCase();
    expect(res.stdout).toContain('subject    CN=carol, OU=operator, O=fedlink\n');
    expect(res.stdout).toContain('identity   operator carol (role viewer)\n');
    expect(res.stdout).toContain('sans       URI:urn:fedlink:operator:carol, URI:urn:fedlink:role:viewer\n');
    expect(res.stdout).toMatch(/valid      \S+ to \S+ \(36[45] days left\)\n/);
    expect(res.stdout).toContain(`serial     ${serial}\n`);
    expect(res.stdout).toMatch(/issuer     CN=fedlink CA [0-9a-f]{8}, O=fedlink\n/);
    expect(res.stdout).toContain(`issued by  ${path.join(out, 'ca.crt')}: yes\n`);
  });

  it('pki show --json - prints one JSON document, and flags a certificate its directory\'s CA did not issue', async () => {
    const res = await run('pki', 'show', path.join(dir, 'edge-1', 'tls.crt'), '--json');
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc).toMatchObject({ subject: 'CN=edge-1, OU=client, O=fedlink', identity: { kind: 'client', clientId: 'edge-1' }, sans: ['URI:urn:fedlink:client:edge-1'], isCa: false });
    expect(Date.parse(doc.notAfter)).toBeGreaterThan(Date.now());

    // edge-1's certificate next to the "fresh" PKI's CA, which did not issue it.
    const mixedDir = path.join(dir, 'mixed');
    writeTlsDir(mixedDir, { ...readTlsDir(path.join(dir, 'edge-1')), caPem: readCa(path.join(dir, 'fresh'))!.certPem });
    const mixed = await run('pki', 'show', mixedDir, '--json');
    expect(JSON.parse(mixed.stdout)).toMatchObject({ identity: { kind: 'client', clientId: 'edge-1' }, issuedByCa: false });
    expect((await run('pki', 'show', mixedDir)).stdout).toContain('NO (this certificate was not issued by that CA)');
  });

  it('pki show - refuses a path that is not a certificate, in one line with exit 2', async () => {
    expect(await run('pki', 'show', path.join(dir, 'nope'))).toEqual({ code: 2, stdout: '', stderr: `fedlink: cannot read ${path.join(dir, 'nope')}: no such file or directory\n` });
    const key = await run('pki', 'show', path.join(pki, 'tls.key'));
    expect(key).toEqual({ code: 2, stdout: '', stderr: `fedlink: ${path.join(pki, 'tls.key')} is not a PEM certificate\n` });
  });

  it('pki - with no subcommand prints its help', async () => {
    const res = await run('pki');
    expect(res.stderr).toContain('Usage: fedlink pki [options] [command]');
    expect(res.stderr).toMatch(/init \[options\]/);
    expect(res.stderr).toMatch(/issue \[options\]/);
    expect(res.stderr).toMatch(/show \[options\] <file-or-dir>/);
    const help = await run('pki', 'issue', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('viewer (list, show, watch runs');
  });
});
