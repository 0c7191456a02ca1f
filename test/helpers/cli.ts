/** Runs the real `fedlink` executable as a separate process, as a user would. */
import { execFile } from 'node:child_process';
import { FEDLINK_BIN } from '../../clients/demo/process-group';

/** Result of one CLI invocation. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fedlink <args>` and resolves with its exit code and output (never rejects). */
export function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [FEDLINK_BIN, ...args],
      { timeout: options.timeoutMs ?? 60_000, env: { ...process.env, ...options.env }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export { waitFor } from '../../common/wait-for';
