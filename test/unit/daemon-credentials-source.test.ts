/** Where a daemon's TLS material comes from: flags, a credentials dir, an enrollment, or what an enrollment left. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsSource } from '../../clients/daemon/credentials-source';
import { InvalidArgumentError } from '../../common/errors';

describe('daemon credentials source', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const stateDir = (enrolled: boolean) => {
    const d = mkdtempSync(path.join(tmpdir(), 'fedlink-creds-'));
    dirs.push(d);
    if (enrolled) {
      mkdirSync(path.join(d, 'tls'));
      writeFileSync(path.join(d, 'tls', 'tls.crt'), 'x');
    }
    return d;
  };

  it('credentials source - a first start with a token enrolls; a restart with the same (spent) token or only --tls-ca uses what it got', () => {
    const fresh = stateDir(false);
    expect(credentialsSource({ enrollToken: 'fle_t', tls: { ca: '/ca.crt' }, stateDir: fresh })).toEqual({ kind: 'enroll', token: 'fle_t', ca: '/ca.crt', dir: path.join(fresh, 'tls') });
    const done = stateDir(true);
    const reuse = { kind: 'dir', dir: path.join(done, 'tls'), fromStateDir: true };
    expect(credentialsSource({ enrollToken: 'fle_t', tls: { ca: '/ca.crt' }, stateDir: done })).toEqual(reuse);
    expect(credentialsSource({ tls: { ca: '/ca.crt' }, stateDir: done })).toEqual(reuse);
    expect(credentialsSource({ stateDir: done })).toEqual(reuse);
  });

  it('credentials source - explicit credentials win over an earlier enrollment; incomplete ones are one-line errors', () => {
    const done = stateDir(true);
    expect(credentialsSource({ pki: '/creds', stateDir: done })).toEqual({ kind: 'dir', dir: '/creds', fromStateDir: false });
    expect(() => credentialsSource({ tls: { ca: '/ca.crt' } })).toThrow(InvalidArgumentError);
    expect(() => credentialsSource({ enrollToken: 'fle_t', tls: { ca: '/ca.crt' } })).toThrow(/needs --state-dir/);
    expect(credentialsSource({})).toEqual({ kind: 'plaintext' });
  });
});
