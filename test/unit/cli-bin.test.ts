import { spawnSync } from 'node:child_process';
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
