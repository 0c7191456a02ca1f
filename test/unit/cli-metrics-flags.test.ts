/** `--metrics-port` and `--metrics-host` on `fedlink coordinator` and `fedlink client`: what the CLI hands the processes. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../clients/cli/main';

// The real modules start a gRPC server or a daemon with TFJS; here we only check what the CLI hands them.
const runCoordinator = vi.fn(async () => {});
const runDaemon = vi.fn(async () => {});
vi.mock('../../services/coordinator/main', () => ({ runCoordinator }));
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return { code: await main(['node', 'fedlink', ...args], io), stderr };
  } finally {
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
  }
}

const options = (fn: typeof runCoordinator) => (fn.mock.calls[0] as unknown[])[0] as Record<string, unknown>;

describe('metrics flags', () => {
  afterEach(() => {
    runCoordinator.mockClear();
    runDaemon.mockClear();
  });

  it('metrics flags - the coordinator gets the metrics port and host it is given, and none without the flag', async () => {
    expect(await run(['coordinator', '--store', 'memory', '--metrics-port', '9464', '--metrics-host', '0.0.0.0'])).toEqual({ code: 0, stderr: '' });
    expect(options(runCoordinator)).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    runCoordinator.mockClear();
    expect((await run(['coordinator', '--store', 'memory'])).code).toBe(0);
    expect(options(runCoordinator)).not.toHaveProperty('metricsPort');
  });

  it('metrics flags - the client takes FEDLINK_METRICS_PORT from the environment', async () => {
    expect(await run(['client', '--coordinator', '127.0.0.1:50051', '--id', 'edge-1'], { FEDLINK_METRICS_PORT: '0' })).toEqual({ code: 0, stderr: '' });
    expect(options(runDaemon)).toMatchObject({ metricsPort: 0 });
  });

  it('metrics flags - a metrics host without a port, or a port out of range, is a one-line usage error (exit 2)', async () => {
    const hostOnly = await run(['coordinator', '--store', 'memory', '--metrics-host', '0.0.0.0']);
    expect(hostOnly.code).toBe(2);
    expect(hostOnly.stderr.trim().split('\n')).toHaveLength(1);
    expect(hostOnly.stderr).toContain('--metrics-host goes with --metrics-port');
    const badPort = await run(['client', '--coordinator', '127.0.0.1:50051', '--id', 'edge-1', '--metrics-port', '70000']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--metrics-port');
    expect(runCoordinator).not.toHaveBeenCalled();
    expect(runDaemon).not.toHaveBeenCalled();
  });
});
