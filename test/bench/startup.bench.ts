/**
 * CLI start-up benchmark: the process time (user + system CPU) of
 * `fedlink --help` and of `fedlink clients list` against a live coordinator,
 * through the compiled build (what users run) and through the sources with tsx
 * (what every command paid before the build), against a bare `node -e 0` in
 * the same run. Each child reports its own process.cpuUsage() at exit, so the
 * figure is CPU spent, not wall time on a shared machine. Ends with one JSON line.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FEDLINK_BIN } from '../../clients/demo/process-group';
import { startCoordinator } from '../../services/coordinator/main';
import { packagePath } from '../../common/package-root';
import { silentLogger } from '../../common/logger';

const RUNS = 12;
const execFileAsync = promisify(execFile);

// A preload that writes the child's CPU time (µs) to the file named by FEDLINK_BENCH_CPU when it exits.
const PRELOAD = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); writeFileSync(process.env.FEDLINK_BENCH_CPU, String(u.user + u.system)); });",
)}`;

// Asynchronous: the coordinator answering `clients list` runs in this process.
async function cpuMs(args: string[], env: NodeJS.ProcessEnv, out: string): Promise<number> {
  const res = await execFileAsync(process.execPath, ['--import', PRELOAD, ...args], { env: { ...process.env, ...env, FEDLINK_BENCH_CPU: out } });
  if (res.stderr) throw new Error(`${args.join(' ')}: ${res.stderr}`);
  return Number(readFileSync(out, 'utf8')) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  execFileSync(process.execPath, [packagePath('bin', 'build.mjs'), '--quiet']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fedlink-startup-'));
  const coordinator = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
  try {
    const address = `127.0.0.1:${coordinator.port}`;
    const out = path.join(dir, 'cpu');
    const cases: Array<{ name: string; args: string[]; env?: NodeJS.ProcessEnv }> = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'fedlink --help (compiled)', args: [FEDLINK_BIN, '--help'] },
      { name: 'fedlink clients list (compiled)', args: [FEDLINK_BIN, 'clients', 'list', '--coordinator', address] },
      { name: 'fedlink --help (sources, tsx)', args: [FEDLINK_BIN, '--help'], env: { FEDLINK_FROM_SOURCE: '1' } },
      { name: 'fedlink clients list (sources, tsx)', args: [FEDLINK_BIN, 'clients', 'list', '--coordinator', address], env: { FEDLINK_FROM_SOURCE: '1' } },
    ];
    const rows: Array<{ name: string; ms: number }> = [];
    for (const c of cases) {
      await cpuMs(c.args, c.env ?? {}, out); // warm the page cache
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) samples.push(await cpuMs(c.args, c.env ?? {}, out));
      rows.push({ name: c.name, ms: median(samples) });
    }
    const bare = rows[0].ms;
    console.log(`CLI start-up, process time (user + system), median of ${RUNS} (target: under 400 ms):`);
    for (const r of rows) console.log(`  ${r.name.padEnd(38)} ${r.ms.toFixed(0).padStart(5)} ms  ${(r.ms / bare).toFixed(1)}x bare node`);
    console.log(JSON.stringify({ bench: 'startup', runs: RUNS, processMs: Object.fromEntries(rows.map((r) => [r.name, Math.round(r.ms)])) }));
  } finally {
    await coordinator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
