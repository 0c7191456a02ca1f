import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../clients/cli/main';
import { DEFAULT_LIMITS } from '../../services/coordinator/limits';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initPki } from '../../common/pki/files';
import type { CoordinatorOptions } from '../../services/coordinator/options';

// The real modules start a gRPC server or a daemon with TFJS; here we only check what the CLI hands them.
const runCoordinator = vi.fn(async () => {});
const runDaemon = vi.fn(async () => {});
vi.mock('../../services/coordinator/main', () => ({ runCoordinator }));
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));

async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } };
  return { code: await main(['node', 'fedlink', ...args], io), stderr };
}

describe('fedlink coordinator and fedlink client', () => {
  afterEach(() => {
    runCoordinator.mockClear();
    runDaemon.mockClear();
  });

  it('coordinator - passes its flags to runCoordinator as CoordinatorOptions with durations in ms', async () => {
    const res = await run('coordinator', '--port', '0', '--host', '127.0.0.1', '--data-dir', '/data/fm', '--heartbeat-interval', '500ms', '--client-timeout', '3s', '--log-level', 'warn');
    expect(res).toEqual({ code: 0, stderr: '' });
    expect(runCoordinator).toHaveBeenCalledWith({
      host: '127.0.0.1',
      port: 0,
      httpPort: undefined,
      httpHost: '127.0.0.1',
      tls: undefined,
      ca: undefined,
      insecure: false,
      dataDir: '/data/fm',
      heartbeatIntervalMs: 500,
      clientTimeoutMs: 3000,
      drainTimeoutMs: 5000,
      logLevel: 'warn',
      linkStaleAfterMs: 15_000,
      linkOfflineAfterMs: 30_000,
      linkForgetAfterMs: 600_000,
      maxTrackedClients: 100_000,
      reconnectGraceMs: 10_000,
      spoolDir: undefined,
      journalMemoryBytes: undefined,
      journalMemoryPerUpdateBytes: undefined,
      updateValueBound: 1e30,
      receiveWindowBytes: 4 << 20,
      store: 'file',
      stateDir: '.fedlink/state',
      storeReplicas: 1,
      ha: false,
      advertise: undefined,
      leaseTtlMs: 6000,
      keepCheckpoints: 3,
      checkpointEvery: 0,
      nats: undefined,
      limits: DEFAULT_LIMITS,
    });
  });

  it('coordinator - --http-port and --http-host set the dashboard address, and a bad port is one line, exit 2', async () => {
    expect(await run('coordinator', '--http-port', '8080', '--http-host', '::1')).toEqual({ code: 0, stderr: '' });
    expect((runCoordinator.mock.calls[0] as unknown as [CoordinatorOptions])[0]).toMatchObject({ httpPort: 8080, httpHost: '::1' });
    const bad = await run('coordinator', '--http-port', 'eighty');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('coordinator - TLS from your own CA files, enrollment with --tls-ca-key, and contradictions refused in one line, exit 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-own-ca-'));
    try {
      await initPki(dir, { hosts: ['localhost'] });
      const files = ['--tls-ca', path.join(dir, 'ca.crt'), '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')];
      expect(await run('coordinator', ...files)).toEqual({ code: 0, stderr: '' });
      expect((runCoordinator.mock.calls[0] as unknown as [CoordinatorOptions])[0]).toMatchObject({ tls: { certPem: expect.stringContaining('CERTIFICATE') }, ca: undefined, insecure: false });
      expect(await run('coordinator', ...files, '--tls-ca-key', path.join(dir, 'ca.key'))).toEqual({ code: 0, stderr: '' });
      expect((runCoordinator.mock.calls[1] as unknown as [CoordinatorOptions])[0].ca?.keyPem).toContain('PRIVATE KEY');
      const wrongKey = await run('coordinator', ...files, '--tls-ca-key', path.join(dir, 'tls.key'));
      expect(wrongKey.code).toBe(2);
      expect(wrongKey.stderr).toMatch(/tls\.key \(--tls-ca-key\) is not the key of .*ca\.crt \(--tls-ca\)/);
      expect(await run('coordinator', '--pki', dir, '--insecure')).toEqual({ code: 2, stderr: 'fedlink: --insecure contradicts the TLS flags: drop one\n' });
      expect((await run('coordinator', '--tls-ca-key', path.join(dir, 'ca.key'))).code).toBe(2);
      expect(runCoordinator).toHaveBeenCalledTimes(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('coordinator - --update-value-bound takes a float32 magnitude; past float32 it is one line, exit 2', async () => {
    expect(await run('coordinator', '--update-value-bound', '1e3')).toEqual({ code: 0, stderr: '' });
    expect((runCoordinator.mock.calls[0] as unknown as [CoordinatorOptions])[0].updateValueBound).toBe(1000);
    const tooBig = await run('coordinator', '--update-value-bound', '1e39');
    expect(tooBig).toEqual({ code: 2, stderr: 'fedlink: value bound must be a positive finite float32, got 1e+39\n' });
    expect((await run('coordinator', '--update-value-bound', '0')).code).toBe(2);
  });

  it('coordinator - every limit is a flag: durations in ms, counts as given', async () => {
    const res = await run('coordinator', '--max-connections', '50', '--upload-idle-timeout', '30s', '--forget-clients-after', '2h', '--max-name-length', '64');
    expect(res).toEqual({ code: 0, stderr: '' });
    expect(runCoordinator).toHaveBeenCalledWith(expect.objectContaining({
      limits: { ...DEFAULT_LIMITS, maxConnections: 50, uploadIdleMs: 30_000, forgetClientsAfterMs: 7_200_000, maxNameLength: 64 },
    }));
    const bad = await run('coordinator', '--max-pending-uploads', '0');
    expect(bad.code).toBe(2);
  });

  it('coordinator - --store memory keeps no state dir; retention flags pass through', async () => {
    const res = await run('coordinator', '--store', 'memory', '--keep-checkpoints', '5', '--checkpoint-every', '10');
    expect(res.code).toBe(0);
    expect(runCoordinator).toHaveBeenCalledWith(expect.objectContaining({ stateDir: undefined, keepCheckpoints: 5, checkpointEvery: 10 }));
    const bad = await run('coordinator', '--keep-checkpoints', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    for (const args of [['--ha'], ['--ha', '--store', 'jetstream'], ['--store', 'jetstream']]) {
      const res = await run('coordinator', ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/needs .*--nats/);
    }
    const ha = await run('coordinator', '--ha', '--store', 'jetstream', '--nats', 'nats://127.0.0.1:4222', '--store-replicas', '3', '--lease-ttl', '4s', '--advertise', 'c1:50051');
    expect(ha.code).toBe(0);
    expect(runCoordinator).toHaveBeenLastCalledWith(expect.objectContaining({ ha: true, store: 'jetstream', storeReplicas: 3, leaseTtlMs: 4000, advertise: 'c1:50051' }));
  });

  it('coordinator - --journal-memory and --journal-memory-per-update take sizes; unset, the coordinator sizes them from its host; a contradiction is one line, exit 2', async () => {
    expect(await run('coordinator', '--journal-memory', '1GiB', '--journal-memory-per-update', '64MiB')).toEqual({ code: 0, stderr: '' });
    expect(runCoordinator).toHaveBeenLastCalledWith(expect.objectContaining({ journalMemoryBytes: 1 << 30, journalMemoryPerUpdateBytes: 64 << 20 }));
    expect(await run('coordinator', '--journal-memory', '0')).toEqual({ code: 0, stderr: '' });
    expect(runCoordinator).toHaveBeenLastCalledWith(expect.objectContaining({ journalMemoryBytes: 0, journalMemoryPerUpdateBytes: undefined }));
    runCoordinator.mockClear();
    const over = await run('coordinator', '--journal-memory', '64MiB', '--journal-memory-per-update', '1GiB');
    expect(over.code).toBe(2);
    expect(over.stderr.trim().split('\n')).toHaveLength(1);
    expect(over.stderr).toMatch(/--journal-memory-per-update .* cannot exceed --journal-memory/);
    expect((await run('coordinator', '--journal-memory', 'lots')).code).toBe(2);
    expect(runCoordinator).not.toHaveBeenCalled();
  });

  it('coordinator - --receive-window takes a size with a unit; a bad or out-of-range one is one line, exit 2', async () => {
    for (const [arg, bytes] of [['16MiB', 16 << 20], ['512KiB', 512 << 10], ['2MB', 2_000_000], ['1048576', 1 << 20]] as const) {
      const res = await run('coordinator', '--receive-window', arg);
      expect(res.code, arg).toBe(0);
      expect(runCoordinator).toHaveBeenLastCalledWith(expect.objectContaining({ receiveWindowBytes: bytes }));
    }
    runCoordinator.mockClear();
    for (const arg of ['lots', '4 parsecs', '-1', '1KiB', '3GiB']) {
      const res = await run('coordinator', '--receive-window', arg);
      expect(res.code, arg).toBe(2);
      expect(res.stderr.trim().split('\n'), arg).toHaveLength(1);
      expect(res.stderr, arg).toMatch(/receive-window/);
    }
    expect(runCoordinator).not.toHaveBeenCalled();
  });

  it('coordinator - refuses a client timeout shorter than the heartbeat interval, exit 2', async () => {
    const res = await run('coordinator', '--heartbeat-interval', '5s', '--client-timeout', '2s');
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(runCoordinator).not.toHaveBeenCalled();
  });

  it('coordinator - --link-forget-after and --max-tracked-clients pass through; forgetting before offline is refused, exit 2', async () => {
    const res = await run('coordinator', '--link-forget-after', '2m', '--max-tracked-clients', '500');
    expect(res.code).toBe(0);
    expect(runCoordinator).toHaveBeenCalledWith(expect.objectContaining({ linkForgetAfterMs: 120_000, maxTrackedClients: 500 }));
    const bad = await run('coordinator', '--link-forget-after', '20s');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--link-forget-after .* must be longer than --link-offline-after/);
  });

  it('client - passes its flags to runDaemon as DaemonOptions', async () => {
    const res = await run(
      'client', '--coordinator', '127.0.0.1:50051', '--id', 'edge-1', '--partition', 'dirichlet:0.5',
      '--num-partitions', '10', '--index', '3', '--seed', '7', '--max-examples', '2000',
    );
    expect(res).toEqual({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenCalledWith(
      expect.objectContaining({
        coordinator: '127.0.0.1:50051',
        clientId: 'edge-1',
        dataset: 'fashion-mnist',
        partition: 'dirichlet:0.5',
        numPartitions: 10,
        index: 3,
        seed: 7,
        maxExamples: 2000,
        logLevel: 'info',
      }),
    );
  });

  it('client - passes declared link facts and the NATS connection, and rejects a bad radio or battery', async () => {
    const res = await run('client', '--id', 'edge-2', '--radio', 'lte', '--slice', 'embb-1', '--metered', '--battery', '0.4', '--link-report-interval', '2s', '--nats', 'nats://127.0.0.1:4222', '--nats-user', 'u');
    expect(res).toEqual({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenCalledWith(
      expect.objectContaining({
        link: { radio: 'lte', slice: 'embb-1', metered: true, battery: 0.4, charging: undefined },
        linkReportIntervalMs: 2000,
        nats: expect.objectContaining({ url: 'nats://127.0.0.1:4222', user: 'u' }),
      }),
    );
    for (const args of [['--radio', '6g'], ['--battery', '1.5'], ['--nats', 'http://x']]) {
      const bad = await run('client', '--id', 'edge-2', ...args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('client - rejects a bad partition spec, an index out of range and a missing --id with one line each, exit 2', async () => {
    for (const args of [
      ['--id', 'edge-1', '--partition', 'dirichlet:-1'],
      ['--id', 'edge-1', '--num-partitions', '4', '--index', '4'],
      [],
    ]) {
      const res = await run('client', ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(runDaemon).not.toHaveBeenCalled();
  });

  it('a failure inside the process command - one line on stderr and exit 1, no stack trace', async () => {
    runCoordinator.mockRejectedValueOnce(new Error('listen EADDRINUSE: address already in use 0.0.0.0:50051'));
    const res = await run('coordinator');
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('fedlink: unexpected error: listen EADDRINUSE: address already in use 0.0.0.0:50051 (set FEDLINK_DEBUG=1 for details)\n');
  });
});
