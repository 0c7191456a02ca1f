/** The real CLI run inside the test process (so vi.mock of the process commands applies), its output collected. */
import { vi } from 'vitest';

/** What one CLI call returned and printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `fedlink <args>` in-process and collects its output. */
export async function runCliInProcess(...args: string[]): Promise<CliRun> {
  const { main } = await import('../../clients/cli/main');
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) } };
  const code = await main(['node', 'fedlink', ...args], io);
  return { code, stdout, stderr };
}

/** Runs `fedlink <args>` in-process with these environment variables set for the call only. */
export async function runCliWithEnv(args: string[], env: Record<string, string>): Promise<CliRun> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    return await runCliInProcess(...args);
  } finally {
    vi.unstubAllEnvs();
  }
}
