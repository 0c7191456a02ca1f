import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/fedlink.mjs');

describe('bin/fedlink.mjs', () => {
  it('runs as a real process: --help lists the commands and exits 0', () => {
    const res = spawnSync(process.execPath, [bin, '--help'], { cwd: root, encoding: 'utf8', timeout: 15_000 });
    expect(res.status).toBe(0);
    for (const command of ['coordinator', 'client', 'runs', 'rounds', 'clients']) expect(res.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(res.stderr).toBe('');
  });

  it('runs as a real process: a wrong flag exits 2 with one line on stderr', () => {
    const res = spawnSync(process.execPath, [bin, 'runs', 'list', '--nope'], { cwd: root, encoding: 'utf8', timeout: 15_000 });
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe("fedlink: unknown option '--nope'\n");
  });
});

/**
 * Spawns the CLI with stdout on a pipe whose reader goes away: after the first line (`| head -1`), or
 * before reading anything (`| true`, or a `head` that exits before the writer's next write).
 */
async function readerGoesAway(args: string[], after: 'first line' | 'nothing'): Promise<{ line: string; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let line = '';
  if (after === 'nothing') {
    child.stdout.destroy();
  } else {
    let buffered = '';
    line = await new Promise<string>((resolve) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        buffered += s;
        const end = buffered.indexOf('\n');
        if (end >= 0) {
          child.stdout.destroy();
          resolve(buffered.slice(0, end));
        }
      });
    });
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  return { line, code, stderr };
}

describe('a reader that closes stdout early (fedlink ... | head -1)', () => {
  it('--help after the first line ends with exit 0 and nothing on stderr', async () => {
    const res = await readerGoesAway(['--help'], 'first line');
    expect(res.line).toMatch(/^Usage: fedlink/);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  }, 30_000);

  it('a closed pipe before the first write ends quietly with exit 0, no EPIPE stack trace', async () => {
    for (const args of [['--help'], ['runs', 'create', '--help']]) {
      const res = await readerGoesAway(args, 'nothing');
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
    }
  }, 30_000);
});

describe('a path under /proc (where a recursive mkdir used to spin for ever)', () => {
  it('pki init --dir /proc/nope ends as a real process with one line and exit 2', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [bin, 'pki', 'init', '--dir', '/proc/nope/deeper', '--host', 'localhost'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('fedlink: cannot create directory /proc/nope/deeper: no such file\n');
    expect(code).toBe(2);
  });

  it('coordinator --state-dir /proc/nope ends as a real process with one line and exit 2 (it used to hang, silent)', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [bin, 'coordinator', '--port', '0', '--state-dir', '/proc/nope'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('fedlink: cannot create the state directory /proc/nope: no such file\n');
    expect(code).toBe(2);
  });
});

describe('the compiled build', () => {
  it('bin/fedlink.mjs runs dist/ and finds package.json and the protos from there', () => {
    const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;
    const res = spawnSync(process.execPath, [bin, '--version'], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 15_000 });
    expect(res.status).toBe(0);
    expect(res.stdout.trim()).toBe(version);
    expect(existsSync(path.join(root, 'dist/fedlink.js'))).toBe(true);
  });

  it('loads nothing of tsx or esbuild, which are development dependencies', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
    expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining(['tsx', 'esbuild']));
    const compiled = readdirSync(path.join(root, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(compiled.length).toBeGreaterThan(1);
    for (const file of compiled) expect(readFileSync(path.join(root, 'dist', file), 'utf8')).not.toMatch(/from ["'](tsx|esbuild)[/"']/);
  });

  it('without dist/ says how to build, in one line, and exits 1', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fedlink-bin-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(bin, path.join(dir, 'bin/fedlink.mjs'));
      const res = spawnSync(process.execPath, [path.join(dir, 'bin/fedlink.mjs'), '--help'], { encoding: 'utf8', timeout: 15_000 });
      expect(res.status).toBe(1);
      expect(res.stderr).toMatch(/^fedlink: not built: run `npm run build`.*\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
