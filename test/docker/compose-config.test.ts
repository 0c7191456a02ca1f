/**
 * infra/compose/compose.yaml as Debian's docker-compose 1.29 reads it: it
 * accepts the file and resolves every service, network and volume.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/images';

const COMPOSE = path.join(REPO_ROOT, 'infra/compose/compose.yaml');

/** Runs a command; resolves with its exit code and output (a missing program is code 127). */
function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('compose file', () => {
  it('compose - docker-compose 1.29 accepts the file and sees every service, network and volume', async () => {
    const res = await run('docker-compose', ['-f', COMPOSE, 'config']);
    if (res.code === 127) throw new Error('docker-compose not found: install it with `sudo apt-get install -y docker-compose`');
    expect(res.code, res.stderr).toBe(0);
    const config = parse(res.stdout) as { services: Record<string, unknown>; networks: Record<string, unknown>; volumes: Record<string, unknown> };
    expect(Object.keys(config.services).sort()).toEqual(
      ['cli', 'coordinator-a', 'coordinator-b', 'edge-0', 'edge-1', 'edge-2', 'grafana', 'linkem-0-a', 'linkem-0-b', 'linkem-1-a', 'linkem-1-b', 'linkem-2-a', 'linkem-2-b', 'nats-1', 'nats-2', 'nats-3', 'pki', 'prometheus'],
    );
    expect(Object.keys(config.networks).sort()).toEqual(['core', 'edge']);
    expect(Object.keys(config.volumes).sort()).toEqual(['nats-1', 'nats-2', 'nats-3', 'pki']);
  });
});
