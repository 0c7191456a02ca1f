/** The docker CLI, for what the tests do as an operator would (kill, inspect, exec) and for builds. */
import { execFile } from 'node:child_process';

/** Result of one docker invocation. */
export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `docker <args>` and resolves with its exit code and output (never rejects). */
export function docker(args: string[], options: { timeoutMs?: number } = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Runs `docker <args>` and resolves with its stdout; rejects with its stderr when it exits non-zero. */
export async function dockerOk(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const res = await docker(args, options);
  if (res.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${res.code}: ${res.stderr.trim() || res.stdout.trim()}`);
  return res.stdout;
}
