import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../clients/cli/main';
import { PROFILE_NAMES, findProfile } from '../../clients/linkem/profiles';

// The real runner listens until a signal; here we only check what the CLI hands it.
const runLinkem = vi.fn(async () => {});
vi.mock('../../clients/linkem/main', () => ({ runLinkem }));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  return { code: await main(['node', 'fedlink', ...args], io), stdout, stderr };
}

describe('fedlink linkem', () => {
  afterEach(() => runLinkem.mockClear());

  it('linkem - passes listen, target, profile and seed to the runner', async () => {
    const res = await run('linkem', '--listen', '127.0.0.1:0', '--target', '[::1]:50051', '--profile', 'handover', '--seed', '9', '--log-level', 'warn');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(runLinkem).toHaveBeenCalledWith(
      { listen: { host: '127.0.0.1', port: 0 }, target: { host: '::1', port: 50051 }, profile: findProfile('handover'), seed: 9, logLevel: 'warn', json: false },
      expect.anything(),
    );
  });

  it('linkem - defaults to 127.0.0.1:6000, profile none and seed 1', async () => {
    await run('linkem', '--target', '127.0.0.1:50051');
    expect(runLinkem).toHaveBeenCalledWith(expect.objectContaining({ listen: { host: '127.0.0.1', port: 6000 }, profile: findProfile('none'), seed: 1 }), expect.anything());
  });

  it('linkem - --list-profiles prints one row per profile, and JSON with --json', async () => {
    const table = await run('linkem', '--list-profiles');
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PROFILE\s+RADIO\s+LATENCY MS/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(PROFILE_NAMES);
    // Fits 80 columns; -o wide shows the burst, resets and outages, nothing cut.
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    const wide = await run('linkem', '--list-profiles', '-o', 'wide');
    expect(wide.stdout.split('\n')[0]).toMatch(/^PROFILE\s+RADIO\s+LATENCY MS\s+JITTER MS\s+DOWN MBIT\/S\s+UP MBIT\/S\s+BURST KIB\s+RESETS\/MIN\s+OUTAGE\s+DESCRIPTION$/);
    expect(wide.stdout).not.toContain('…');
    const json = await run('linkem', '--list-profiles', '--json');
    expect(JSON.parse(json.stdout).profiles.map((p: { name: string }) => p.name)).toEqual(PROFILE_NAMES);
    expect(runLinkem).not.toHaveBeenCalled();
  });

  it.each([
    [['--target', '127.0.0.1:50051', '--profile', '6g'], /unknown link profile "6g" \(known: none, 5g-embb/],
    [['--target', '127.0.0.1:50051', '--profile', 'lte,up=fast'], /up must be a number/],
    [['--target', 'localhost'], /invalid address "localhost"/],
    [['--target', '127.0.0.1:70000'], /invalid address/],
    [['--target', '127.0.0.1:1', '--seed', '-3'], /--seed/],
    [[], /needs --target/],
  ])('linkem - %j is a one-line usage error, exit 2', async (args, message) => {
    const res = await run('linkem', ...args);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(message);
    expect(runLinkem).not.toHaveBeenCalled();
  });
});
