/**
 * Settings of `fedlink coordinator`, `client` and `linkem` from flags, FEDLINK_*
 * variables and a `--config` YAML file: precedence, one-line errors, --print-config
 * and its redaction, the variable names, and the example files. The coordinator,
 * daemon and proxy themselves are mocked: only what the CLI hands them is checked.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../clients/cli/main';
import { readConfigFile } from '../../clients/cli/settings/config-file';
import { ENV_EXCEPTIONS, envVarFor } from '../../clients/cli/settings/env-names';
import { COMMAND_LINE_ONLY, settingKey, settingOptions } from '../../clients/cli/settings/setting-flags';
import { CONFIGURABLE_COMMANDS } from '../../clients/cli/settings/settings-table';
import { parseProfile } from '../../clients/linkem/profiles';
import type { CoordinatorOptions } from '../../services/coordinator/options';
import type { DaemonOptions } from '../../clients/daemon/options';
import { cleanTempDirs, tempDir } from '../helpers/temp-files';

const runCoordinator = vi.fn(async (_options: CoordinatorOptions) => {});
const runDaemon = vi.fn(async (_options: DaemonOptions) => {});
const runLinkem = vi.fn(async () => {});
vi.mock('../../services/coordinator/main', () => ({ runCoordinator }));
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));
vi.mock('../../clients/linkem/main', () => ({ runLinkem }));

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/config');

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  return { code: await main(['node', 'fedlink', ...args], io), stdout, stderr };
}

/** Writes `text` to a fresh YAML file and returns its path. */
function yamlFile(text: string, name = 'settings.yaml'): string {
  const file = path.join(tempDir('fedlink-settings-'), name);
  writeFileSync(file, text);
  return file;
}

function coordinatorOptions(): CoordinatorOptions {
  expect(runCoordinator).toHaveBeenCalledTimes(1);
  return runCoordinator.mock.calls[0][0];
}

function subcommand(name: string): Command {
  const program = buildProgram({ io: { stdout: { write: () => true }, stderr: { write: () => true } }, exitCode: 0 });
  return program.commands.find((c) => c.name() === name)!;
}

describe('CLI settings: flag > env > file > default', () => {
  afterEach(() => {
    runCoordinator.mockClear();
    runDaemon.mockClear();
    runLinkem.mockClear();
    vi.unstubAllEnvs();
  });
  afterAll(cleanTempDirs);

  it('settings - a file value replaces the default, and the flags keep their parsers (durations, sizes, choices, limits)', async () => {
    const file = yamlFile('port: 7000\ndrain-timeout: 30s\nreceive-window: 8MiB\nstore: memory\nmax-connections: 50\nupdate-value-bound: 1e6\n');
    expect(await run('coordinator', '--config', file)).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions()).toMatchObject({ port: 7000, drainTimeoutMs: 30_000, receiveWindowBytes: 8 << 20, store: 'memory', updateValueBound: 1e6, limits: { maxConnections: 50 } });
  });

  it('settings - a variable beats the file, and a flag beats both', async () => {
    const file = yamlFile('drain-timeout: 30s\nclient-timeout: 20s\nheartbeat-interval: 1s\n');
    vi.stubEnv('FEDLINK_DRAIN_TIMEOUT', '1m');
    vi.stubEnv('FEDLINK_CLIENT_TIMEOUT', '40s');
    expect(await run('coordinator', '--config', file, '--client-timeout', '3s')).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions()).toMatchObject({ drainTimeoutMs: 60_000, clientTimeoutMs: 3000, heartbeatIntervalMs: 1000 });
  });

  it('settings - a flag given with its default value still beats the file and the variable', async () => {
    const file = yamlFile('port: 7000\nstore: memory\n');
    vi.stubEnv('FEDLINK_STORE', 'memory');
    expect(await run('coordinator', '--config', file, '--port', '50051', '--store', 'file')).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions()).toMatchObject({ port: 50051, store: 'file' });
  });

  it('settings - FEDLINK_CONFIG names the file when --config is absent; --config wins over it', async () => {
    vi.stubEnv('FEDLINK_CONFIG', yamlFile('port: 7001\n'));
    expect(await run('coordinator')).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions().port).toBe(7001);
    runCoordinator.mockClear();
    expect(await run('coordinator', '--config', yamlFile('port: 7002\n'))).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions().port).toBe(7002);
  });

  it('settings - switches are true or false in a file and in a variable (FEDLINK_INSECURE=false is off)', async () => {
    vi.stubEnv('FEDLINK_INSECURE', 'false');
    expect(await run('coordinator', '--config', yamlFile('insecure: true\n'))).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions().insecure).toBe(false);
    runCoordinator.mockClear();
    vi.stubEnv('FEDLINK_INSECURE', 'yes');
    expect(await run('coordinator')).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions().insecure).toBe(true);
    vi.stubEnv('FEDLINK_INSECURE', 'perhaps');
    expect(await run('coordinator')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'fedlink: FEDLINK_INSECURE: "perhaps" is not valid for --insecure: expected true or false (or 1/0, yes/no, on/off)\n',
    });
  });

  it('settings - the client takes lists, switches and its NATS URL from the file, and per-instance values from the environment', async () => {
    const file = yamlFile('coordinator: 10.0.0.1:50051\nallowed-models: [mlp]\nmetered: true\nbattery: 0.5\nnats: [nats://a:4222, nats://b:4222]\nindex: 0\n');
    vi.stubEnv('FEDLINK_INDEX', '3');
    vi.stubEnv('FEDLINK_ID', 'edge-3');
    expect(await run('client', '--config', file)).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenCalledWith(
      expect.objectContaining({
        coordinator: '10.0.0.1:50051',
        clientId: 'edge-3',
        index: 3,
        allowedModels: ['mlp'],
        link: expect.objectContaining({ metered: true, battery: 0.5 }),
        nats: expect.objectContaining({ url: 'nats://a:4222,nats://b:4222' }),
      }),
    );
  });

  it('settings - FEDLINK_NATS_URL keeps naming the NATS servers, below --nats and above the file', async () => {
    vi.stubEnv('FEDLINK_NATS_URL', 'nats://env:4222');
    expect(await run('client', '--id', 'edge-1', '--config', yamlFile('nats: nats://file:4222\n'))).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon.mock.calls[0][0].nats?.url).toBe('nats://env:4222');
    expect(await run('client', '--id', 'edge-1', '--nats', 'nats://flag:4222')).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon.mock.calls[1][0].nats?.url).toBe('nats://flag:4222');
  });

  it('settings - linkem reads its target and profile (with overrides) from the file', async () => {
    const file = yamlFile('target: 127.0.0.1:50051\nprofile: lte,up=2\nseed: 7\n');
    expect(await run('linkem', '--config', file)).toMatchObject({ code: 0, stderr: '' });
    expect(runLinkem).toHaveBeenCalledWith(expect.objectContaining({ target: { host: '127.0.0.1', port: 50051 }, profile: parseProfile('lte,up=2'), seed: 7 }), expect.anything());
  });

  it('settings - contradictions between sources are refused as they are between flags', async () => {
    const file = yamlFile('ha: true\n');
    expect(await run('coordinator', '--config', file)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^fedlink: --ha needs --store jetstream and --nats <url>/) });
    expect(runCoordinator).not.toHaveBeenCalled();
  });
});

describe('CLI settings: a bad file is one line naming the file and the key, exit 2', () => {
  afterEach(() => {
    runCoordinator.mockClear();
    vi.unstubAllEnvs();
  });
  afterAll(cleanTempDirs);

  const cases: Array<[string, string, string]> = [
    ['a misspelt key', 'drain-timout: 5s\n', 'unknown key "drain-timout" (not a setting of fedlink coordinator; did you mean drain-timeout?)'],
    ['a camelCase key', 'drainTimeout: 5s\n', 'unknown key "drainTimeout" (not a setting of fedlink coordinator; keys are flag names in kebab-case: drain-timeout)'],
    ['a command-line-only key', 'print-config: true\n', 'unknown key "print-config" (not a setting of fedlink coordinator; --print-config is for the command line only: it prints the settings and exits)'],
    ['a key of another command', 'target: 127.0.0.1:1\n', 'unknown key "target" (not a setting of fedlink coordinator; see --help for the flags; a key is a flag name without the dashes)'],
    ['a bad duration', 'drain-timeout: soon\n', 'drain-timeout: "soon" is not valid: invalid duration "soon" (use e.g. 500ms, 120s, 2m, 1h, 7d)'],
    ['a bad choice', 'store: disk\n', 'store: "disk" is not valid: allowed choices are file, jetstream, memory'],
    ['a bad number', 'port: 70000\n', 'port: 70000 is not valid: expected a port number in 0..65535'],
    ['a mapping for a value', 'port: {a: 1}\n', 'port: a mapping is not valid: expected <port>'],
    ['no value', 'port:\n', 'port: null is not valid: expected <port>'],
    ['a word for a switch', 'ha: maybe\n', 'ha: "maybe" is not valid: expected true or false'],
    ['a list for the whole file', '- port: 1\n', 'expected a mapping of settings (key: value, one per line), got a list'],
  ];

  it.each(cases)('settings - %s', async (_what, text, message) => {
    const file = yamlFile(text);
    expect(await run('coordinator', '--config', file)).toEqual({ code: 2, stdout: '', stderr: `fedlink: ${file}: ${message}\n` });
    expect(runCoordinator).not.toHaveBeenCalled();
  });

  it('settings - YAML that does not parse is one line with where it broke', async () => {
    const file = yamlFile('port: [1\n');
    const res = await run('coordinator', '--config', file);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`^fedlink: ${file}: not valid YAML: .* at line \\d+, column \\d+\\n$`));
  });

  it('settings - a file that is not there is one line naming --config and the path', async () => {
    expect(await run('coordinator', '--config', '/nonexistent/fedlink.yaml')).toEqual({ code: 2, stdout: '', stderr: 'fedlink: --config: cannot read /nonexistent/fedlink.yaml (no such file)\n' });
  });

  it('settings - an empty file sets nothing', async () => {
    expect(await run('coordinator', '--config', yamlFile(''))).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions().port).toBe(50051);
  });
});

describe('CLI settings: --print-config', () => {
  afterEach(() => {
    runCoordinator.mockClear();
    runDaemon.mockClear();
    vi.unstubAllEnvs();
  });
  afterAll(cleanTempDirs);

  it('print-config - prints each setting with where it came from, exits 0 and starts nothing', async () => {
    const file = yamlFile('port: 7000\ndrain-timeout: 30s\nstore: memory\n');
    vi.stubEnv('FEDLINK_DRAIN_TIMEOUT', '1m');
    const res = await run('coordinator', '--config', file, '--store', 'file', '--print-config');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(runCoordinator).not.toHaveBeenCalled();
    const lines = res.stdout.split('\n');
    expect(lines[0]).toBe(`# fedlink coordinator: resolved settings (flag > env > file > default); file: ${file}`);
    expect(lines).toContain('# host: (not set)');
    const line = (key: string) => lines.find((l) => l.startsWith(`${key}:`))?.replace(/\s+/g, ' ');
    expect(line('port')).toBe('port: 7000 # file');
    expect(line('drain-timeout')).toBe('drain-timeout: 1m # env FEDLINK_DRAIN_TIMEOUT');
    expect(line('store')).toBe('store: file # flag');
    expect(line('heartbeat-interval')).toBe('heartbeat-interval: 2s # default');
    expect(line('forget-clients-after')).toBe('forget-clients-after: 7d # default');
  });

  it('print-config - never prints a password or token, from a flag, a variable or a file', async () => {
    vi.stubEnv('FEDLINK_NATS_TOKEN', 'env-token-value');
    const file = yamlFile('nats: nats://127.0.0.1:4222\nnats-pass: file-pass-value\n');
    const res = await run('client', '--config', file, '--enroll-token', 'flag-token-value', '--nats-user', 'edge', '--print-config');
    expect(res.code).toBe(0);
    for (const secret of ['env-token-value', 'file-pass-value', 'flag-token-value']) expect(res.stdout).not.toContain(secret);
    const line = (key: string) => res.stdout.split('\n').find((l) => l.startsWith(`${key}:`))?.replace(/\s+/g, ' ');
    expect(line('nats-token')).toBe('nats-token: <redacted> # env FEDLINK_NATS_TOKEN');
    expect(line('nats-pass')).toBe('nats-pass: <redacted> # file');
    expect(line('enroll-token')).toBe('enroll-token: <redacted> # flag');
    expect(line('nats-user')).toBe('nats-user: edge # flag');
    expect(runDaemon).not.toHaveBeenCalled();
  });

  it('print-config - its output, read back as the config file, gives the same settings', async () => {
    const first = await run('client', '--config', path.join(EXAMPLES, 'client.yaml'), '--index', '2', '--print-config');
    expect(first.code).toBe(0);
    const again = await run('client', '--config', yamlFile(first.stdout), '--print-config');
    const settings = (text: string) => text.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\s+#.*$/, '').replace(/\s+/g, ' '));
    expect(settings(again.stdout)).toEqual(settings(first.stdout));
    expect(again.stdout).toMatch(/^index:\s+2 {2}# file$/m);
  });
});

describe('CLI settings: names', () => {
  it('settings - every setting of coordinator, client and linkem has the variable its flag name gives, shown in --help', async () => {
    for (const name of CONFIGURABLE_COMMANDS) {
      const command = subcommand(name);
      const options = settingOptions(command);
      expect(options.length, name).toBeGreaterThan(3);
      for (const option of options) {
        expect(option.envVar, option.long).toBe(envVarFor(option.long!));
        expect(option.envVar, option.long).toBe(ENV_EXCEPTIONS[option.long!] ?? `FEDLINK_${settingKey(option).replace(/-/g, '_').toUpperCase()}`);
      }
      const help = (await run(name, '--help')).stdout.replace(/\s+/g, ' ');
      for (const option of options) expect(help, option.long).toContain(option.envVar);
    }
    expect(envVarFor('--drain-timeout')).toBe('FEDLINK_DRAIN_TIMEOUT');
    expect(envVarFor('--nats')).toBe('FEDLINK_NATS_URL');
  });

  it('settings - the command-line-only flags have no variable (but --config has FEDLINK_CONFIG) and are no file keys', () => {
    for (const name of CONFIGURABLE_COMMANDS) {
      const command = subcommand(name);
      for (const option of command.options.filter((o) => o.long! in COMMAND_LINE_ONLY)) {
        expect(option.envVar, option.long).toBe(option.long === '--config' ? 'FEDLINK_CONFIG' : undefined);
        expect(settingOptions(command)).not.toContain(option);
      }
    }
  });
});

describe('CLI settings: examples/config', () => {
  afterEach(() => {
    runCoordinator.mockClear();
    runDaemon.mockClear();
    runLinkem.mockClear();
  });

  it('examples - there is one file per configurable command', () => {
    expect(readdirSync(EXAMPLES).sort()).toEqual(CONFIGURABLE_COMMANDS.map((c) => `${c}.yaml`).sort());
  });

  it.each(CONFIGURABLE_COMMANDS)('examples - %s.yaml parses and every key it sets is shown as coming from the file', async (name) => {
    const file = path.join(EXAMPLES, `${name}.yaml`);
    const command = subcommand(name);
    const settings = readConfigFile(file, settingOptions(command), `fedlink ${name}`);
    expect(settings.size).toBeGreaterThan(3);
    const printed = await run(name, '--config', file, '--print-config');
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    for (const key of settings.keys()) expect(printed.stdout, key).toMatch(new RegExp(`^${key}:.*# file$`, 'm'));
  });

  it('examples - each example starts its command with the settings it names', async () => {
    expect(await run('coordinator', '--config', path.join(EXAMPLES, 'coordinator.yaml'))).toMatchObject({ code: 0, stderr: '' });
    expect(coordinatorOptions()).toMatchObject({ host: '127.0.0.1', port: 50051, stateDir: '/var/lib/fedlink/state', drainTimeoutMs: 10_000, limits: { maxConnections: 10_000, uploadIdleMs: 180_000 } });
    expect(await run('client', '--config', path.join(EXAMPLES, 'client.yaml'))).toMatchObject({ code: 0, stderr: '' });
    expect(runDaemon).toHaveBeenCalledWith(expect.objectContaining({ clientId: 'edge-0', numPartitions: 3, allowedModels: ['mlp', 'cnn'], clipNorm: 5, maxTaskTimeMs: 3_600_000 }));
    expect(await run('linkem', '--config', path.join(EXAMPLES, 'linkem.yaml'))).toMatchObject({ code: 0, stderr: '' });
    expect(runLinkem).toHaveBeenCalledWith(expect.objectContaining({ profile: parseProfile('lte,up=2,down=10'), seed: 7 }), expect.anything());
  });
});
