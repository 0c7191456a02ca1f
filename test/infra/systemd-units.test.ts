/**
 * infra/systemd: both units pass `systemd-analyze verify` with nothing to
 * say, rate under 3 in `systemd-analyze security` (issue 13: from 8.4), and
 * run a command line the real CLI accepts once systemd has filled in its
 * variables from the example environment files. What would start is mocked.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../clients/cli/main';
import type { CoordinatorOptions } from '../../services/coordinator/options';
import type { DaemonOptions } from '../../clients/daemon/options';
import { MissingDependencyError } from '../../common/errors';
import { createTestPki, type TestPki } from '../helpers/pki';
import { execStart, parseEnvFile, parseUnit, serviceEnvironment, stateDirectories } from './systemd-unit';
import { runCliWithEnv as runCli } from '../helpers/cli-in-process';

const runCoordinator = vi.fn(async (_options: CoordinatorOptions) => {});
vi.mock('../../services/coordinator/main', () => ({ runCoordinator }));
const runDaemon = vi.fn(async (_options: DaemonOptions) => {});
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));

const SYSTEMD = path.resolve(__dirname, '../../infra/systemd');
const FEDLINK_BIN = path.resolve(__dirname, '../../bin/fedlink.mjs');
/** The most `systemd-analyze security` may rate a unit. */
const MAX_EXPOSURE = 3;

/** Each unit, the instance it is checked as, and the example environment file it ships with. */
const UNITS = [
  { file: 'fedlink-coordinator.service', instance: '', as: 'fedlink-coordinator.service', envFile: '/etc/fedlink/coordinator.env', example: 'coordinator.env.example' },
  { file: 'fedlink-client@.service', instance: 'edge-1', as: 'fedlink-client@edge-1.service', envFile: '/etc/fedlink/client-edge-1.env', example: 'client.env.example' },
];

/** Path of systemd-analyze; a missing one fails (CI installs it: infra/install-system-deps.sh). */
function systemdAnalyze(): string {
  const found = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new MissingDependencyError('systemd-analyze not found: apt-get install systemd');
  return found;
}

let work: string;
let pki: TestPki;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'fedlink-systemd-'));
  pki = await createTestPki();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  pki?.remove();
});

/** The unit copied under its instance name, so systemd reads it as it would be enabled. */
function instanceCopy(unit: (typeof UNITS)[number], edit: (text: string) => string = (t) => t): string {
  const file = path.join(work, unit.as);
  writeFileSync(file, edit(readFileSync(path.join(SYSTEMD, unit.file), 'utf8')));
  return file;
}

/** The overall exposure `systemd-analyze security --offline=true` gives a unit file. */
function exposure(file: string): number {
  const res = spawnSync(systemdAnalyze(), ['security', '--offline=true', '--no-pager', file], { encoding: 'utf8' });
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(res.stdout);
  if (!m) throw new Error(`no exposure level in systemd-analyze's output: ${res.stdout}${res.stderr}`);
  return Number(m[1]);
}


describe.each(UNITS)('infra/systemd/$file', (unit) => {
  it('verify - systemd-analyze verify finds nothing to say (the checkout standing in for the installed fedlink)', () => {
    // verify insists the command exists; the test host has no installed fedlink, so point at the checkout's.
    const file = instanceCopy(unit, (t) => t.replace(/^ExecStart=fedlink /m, `ExecStart=${FEDLINK_BIN} `));
    const res = spawnSync(systemdAnalyze(), ['verify', '--man=no', file], { encoding: 'utf8' });
    expect(`${res.stdout}${res.stderr}`.trim()).toBe('');
    expect(res.status).toBe(0);
  });

  it(`security - systemd-analyze security rates it under ${MAX_EXPOSURE}`, () => {
    expect(exposure(instanceCopy(unit))).toBeLessThan(MAX_EXPOSURE);
  });

  it('exec - its command line, with the example environment file in place (a first start: the enrollment token set), parses with the real CLI', async () => {
    const parsed = parseUnit(readFileSync(path.join(SYSTEMD, unit.file), 'utf8'));
    const example = readFileSync(path.join(SYSTEMD, unit.example), 'utf8').replace(/^#(FEDLINK_ENROLL_TOKEN=)/m, '$1');
    // The credentials directory (%d) holds what LoadCredential= copies there: the test PKI's files.
    const ctx = { instance: unit.instance, credentialsDir: pki.dir };
    const env = serviceEnvironment(parsed, ctx, { [unit.envFile]: example });
    const [stateDir] = stateDirectories(parsed, ctx);
    const state = path.join(work, 'state');
    const caFile = path.join(work, 'ca.crt');
    writeFileSync(caFile, pki.ca.certPem);
    const [bin, ...args] = execStart(parsed, ctx, env);
    expect(bin).toBe('fedlink');
    // The state directory it is given is the one StateDirectory= makes (moved here, with the CA file).
    expect(args).toContain(stateDir);
    const moved: Record<string, string> = { '/etc/fedlink/ca.crt': caFile, [stateDir]: state };
    runCoordinator.mockClear();
    runDaemon.mockClear();
    const res = await runCli(args.map((a) => moved[a] ?? a), env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const credentials = parsed.Service.LoadCredential?.map((c) => c.split(':')[0]) ?? [];
    if (args[0] === 'coordinator') {
      expect(runCoordinator.mock.calls.at(-1)?.[0]).toMatchObject({ stateDir: state, tls: expect.anything(), ca: expect.anything() });
      // The credentials it reads are the ones the unit hands over.
      expect(credentials.sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    } else {
      const file = parseEnvFile(example);
      expect(runDaemon.mock.calls.at(-1)?.[0]).toMatchObject({
        clientId: 'edge-1',
        stateDir: state,
        coordinator: file.FEDLINK_COORDINATOR,
        numPartitions: Number(file.FEDLINK_NUM_PARTITIONS),
        index: Number(file.FEDLINK_INDEX),
        enrollToken: file.FEDLINK_ENROLL_TOKEN,
      });
      expect(file.FEDLINK_ENROLL_TOKEN).toBeDefined();
    }
  });

  it('env - every variable of the example file is one the unit passes on or the CLI reads', async () => {
    const parsed = parseUnit(readFileSync(path.join(SYSTEMD, unit.file), 'utf8'));
    const command = parsed.Service.ExecStart.join(' ');
    const subcommand = execStart(parsed, { instance: unit.instance, credentialsDir: '/run/credentials' }, {})[1];
    let help = '';
    await main(['node', 'fedlink', subcommand, '--help'], { stdout: { write: (s: string) => ((help += s), true) }, stderr: { write: () => true } });
    const example = readFileSync(path.join(SYSTEMD, unit.example), 'utf8');
    // Commented-out lines too: uncommenting them must work.
    const names = [...example.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    const unused = names.filter((n) => !command.includes(`\${${n}}`) && !help.replace(/\s+/g, ' ').includes(`env: ${n}`));
    expect(unused).toEqual([]);
  });
});

describe('infra/systemd/fedlink-client@.service restarts', () => {
  it('exec - after enrollment, with the token removed, the daemon starts on the certificate in its state directory', async () => {
    const unit = UNITS[1];
    const parsed = parseUnit(readFileSync(path.join(SYSTEMD, unit.file), 'utf8'));
    const example = readFileSync(path.join(SYSTEMD, unit.example), 'utf8');
    const state = path.join(work, 'enrolled-state');
    const creds = await pki.client('edge-1');
    mkdirSync(path.join(state, 'tls'), { recursive: true });
    writeFileSync(path.join(state, 'tls', 'ca.crt'), creds.caPem);
    writeFileSync(path.join(state, 'tls', 'tls.crt'), creds.certPem);
    writeFileSync(path.join(state, 'tls', 'tls.key'), creds.keyPem);
    const ctx = { instance: unit.instance };
    const env = serviceEnvironment(parsed, ctx, { [unit.envFile]: example });
    expect(env.FEDLINK_ENROLL_TOKEN).toBeUndefined();
    const [stateDir] = stateDirectories(parsed, ctx);
    const caFile = path.join(work, 'ca.crt');
    writeFileSync(caFile, pki.ca.certPem);
    const moved: Record<string, string> = { '/etc/fedlink/ca.crt': caFile, [stateDir]: state };
    const args = execStart(parsed, ctx, env).slice(1).map((a) => moved[a] ?? a);
    runDaemon.mockClear();
    const res = await runCli(args, env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(runDaemon).toHaveBeenCalledTimes(1);
  });
});

describe('infra/systemd checks', () => {
  it('security - a unit without hardening is rated above the limit', () => {
    const file = path.join(work, 'unhardened.service');
    writeFileSync(file, '[Service]\nExecStart=/bin/true\nDynamicUser=yes\n');
    expect(exposure(file)).toBeGreaterThan(MAX_EXPOSURE);
  });

  it('verify - a misspelt setting is reported', () => {
    const file = instanceCopy(UNITS[0], (t) => t.replace(/^ExecStart=fedlink /m, `ExecStart=${FEDLINK_BIN} `).replace('ProtectHome=yes', 'ProtectHomes=yes'));
    const res = spawnSync(systemdAnalyze(), ['verify', '--man=no', file], { encoding: 'utf8' });
    expect(res.stderr).toMatch(/Unknown key 'ProtectHomes'/);
  });
});
