/**
 * `fedlink client` security flags (issue 10): task limits, TLS files or a
 * credentials directory, enrollment, and the exit paths (a final drain: exit 1,
 * one line). The daemon itself is mocked: only what the CLI hands it is checked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../clients/cli/main';
import { SessionEndedError } from '../../common/errors';

const runDaemon = vi.fn(async () => {});
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  return { code: await main(['node', 'fedlink', ...args], io), stdout, stderr };
}

describe('fedlink client security flags', () => {
  afterEach(() => {
    runDaemon.mockClear();
    vi.unstubAllEnvs();
  });

  it('client - FEDLINK_LOG_LEVEL sets the log level; --log-level wins over it; a bad value is one line, exit 2', async () => {
    vi.stubEnv('FEDLINK_LOG_LEVEL', 'debug');
    expect(await run('client', '--id', 'edge-1')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ logLevel: 'debug' }));
    expect(await run('client', '--id', 'edge-1', '--log-level', 'warn')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ logLevel: 'warn' }));
    vi.stubEnv('FEDLINK_LOG_LEVEL', 'loud');
    const bad = await run('client', '--id', 'edge-1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/value 'loud' from env 'FEDLINK_LOG_LEVEL' is invalid/);
  });

  it('client - task limits default to 20 epochs, 1h, every model and 100000 batches, and take flags', async () => {
    expect(await run('client', '--id', 'edge-1')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ maxEpochs: 20, maxTaskTimeMs: 3_600_000, allowedModels: ['mlp', 'cnn', 'custom'], maxBatches: 100_000 }));
    const res = await run('client', '--id', 'edge-1', '--max-epochs', '5', '--max-task-time', '30m', '--allowed-models', 'cnn', '--max-batches', '500');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ maxEpochs: 5, maxTaskTimeMs: 1_800_000, allowedModels: ['cnn'], maxBatches: 500 }));
  });

  it('client - an unknown model or a zero limit is one line, exit 2', async () => {
    for (const args of [['--allowed-models', 'mlp,rnn'], ['--max-epochs', '0'], ['--max-task-time', 'soon']]) {
      const res = await run('client', '--id', 'edge-1', ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect((await run('client', '--id', 'edge-1', '--allowed-models', 'rnn')).stderr).toContain('unknown model "rnn" (known: mlp, cnn, custom)');
    expect(runDaemon).not.toHaveBeenCalled();
  });

  it('client - passes TLS files (flags or FEDLINK_TLS_* env), a credentials dir, and an enrollment; --id is optional with a certificate', async () => {
    expect(await run('client', '--pki', '/etc/fedlink/edge-1')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ pki: '/etc/fedlink/edge-1', clientId: undefined }));

    vi.stubEnv('FEDLINK_TLS_CA', '/pki/ca.crt');
    vi.stubEnv('FEDLINK_TLS_CERT', '/pki/tls.crt');
    vi.stubEnv('FEDLINK_TLS_KEY', '/pki/tls.key');
    expect(await run('client', '--id', 'edge-1')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ clientId: 'edge-1', tls: { ca: '/pki/ca.crt', cert: '/pki/tls.crt', key: '/pki/tls.key' } }));
    vi.unstubAllEnvs();

    expect(await run('client', '--enroll-token', 'tok-7', '--tls-ca', '/pki/ca.crt', '--state-dir', '/var/lib/fedlink')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ enrollToken: 'tok-7', tls: { ca: '/pki/ca.crt' }, stateDir: '/var/lib/fedlink' }));
  });

  it('client - NATS TLS stays separate from the coordinator\'s: --nats-pki reaches the daemon\'s NATS options only', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-cli-nats-'));
    try {
      for (const file of ['ca.crt', 'tls.crt', 'tls.key']) writeFileSync(path.join(dir, file), 'pem');
      const res = await run('client', '--id', 'edge-1', '--nats', 'tls://127.0.0.1:4222', '--nats-pki', dir);
      expect(res).toMatchObject({ code: 0, stderr: '' });
      const options = (runDaemon.mock.lastCall as unknown as [Record<string, unknown>])[0];
      expect(options.nats).toMatchObject({ url: 'tls://127.0.0.1:4222', tls: { ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key') } });
      expect(options.tls).toBeUndefined();
      expect(options.pki).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('client - no id and no certificate, an enrollment without --state-dir or --tls-ca, and half the TLS files are one line each, exit 2', async () => {
    for (const [args, line] of [
      [[], 'fedlink: missing client id (use --id <name>)'],
      [['--enroll-token', 't', '--tls-ca', 'ca.crt'], 'fedlink: enrollment (--enroll-token) needs --state-dir <dir> to keep the certificate it receives'],
      [['--enroll-token', 't', '--state-dir', '/s'], 'fedlink: enrollment (--enroll-token) needs --tls-ca <ca.crt> to verify the coordinator before sending it the token'],
      [['--tls-cert', 'tls.crt', '--tls-key', 'tls.key'], 'fedlink: mutual TLS needs --tls-ca, --tls-cert and --tls-key together (missing --tls-ca), or --pki <dir>'],
    ] as const) {
      const res = await run('client', ...args);
      expect(res, args.join(' ')).toMatchObject({ code: 2, stderr: `${line}\n` });
    }
    expect(runDaemon).not.toHaveBeenCalled();
  });

  it('client - a session ended for good by the coordinator is one line on stderr and exit 1', async () => {
    runDaemon.mockRejectedValueOnce(new SessionEndedError('another daemon connected as edge-1; this one stops'));
    expect(await run('client', '--id', 'edge-1')).toMatchObject({ code: 1, stderr: 'fedlink: another daemon connected as edge-1; this one stops\n' });
  });

  it('client --help - lists the limits with their defaults and the TLS and enrollment flags', async () => {
    // Help wraps its columns: compare with the whitespace collapsed.
    const stdout = (await run('client', '--help')).stdout.replace(/\s+/g, ' ');
    for (const text of [
      '--max-epochs <n>', '(default: 20, env: FEDLINK_MAX_EPOCHS)', '--max-task-time <duration>', '(default: 1h, env: FEDLINK_MAX_TASK_TIME)',
      '--allowed-models <list>', '(default: mlp,cnn,custom, env: FEDLINK_ALLOWED_MODELS)', '--max-batches <n>', '(default: 100000, env: FEDLINK_MAX_BATCHES)',
      '--tls-ca <file>', 'FEDLINK_TLS_CA', '--tls-cert <file>', '--tls-key <file>', '--pki <dir>', '--enroll-token <token>',
    ]) {
      expect(stdout).toContain(text);
    }
  });

  it('client --clip-norm - passes the bound to the daemon, none by default; a bound not above 0 is one line, exit 2', async () => {
    expect(await run('client', '--id', 'edge-1')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ clipNorm: undefined }));
    expect(await run('client', '--id', 'edge-1', '--clip-norm', '2.5')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenLastCalledWith(expect.objectContaining({ clipNorm: 2.5 }));
    runDaemon.mockClear();
    for (const value of ['0', '-1', 'abc', 'Infinity']) {
      const res = await run('client', '--id', 'edge-1', '--clip-norm', value);
      expect(res.code, value).toBe(2);
      expect(res.stderr.trim().split('\n'), value).toHaveLength(1);
      expect(res.stderr, value).toContain("option '--clip-norm <C>'");
    }
    expect(runDaemon).not.toHaveBeenCalled();
    const { stdout } = await run('client', '--help');
    expect(stdout.replace(/\s+/g, ' ')).toContain('--clip-norm <C> clip every update to this L2 norm before upload');
  });
});
