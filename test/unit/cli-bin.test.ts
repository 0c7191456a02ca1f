import { spawnSync } from 'node:child_process';
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
