/**
 * Starts fedlink processes (coordinator, daemons) as separate OS processes, as
 * a user would, with their logs in files; stops them all on the way out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { packagePath } from '../../common/package-root';

/** The `fedlink` executable shim. */
export const FEDLINK_BIN = packagePath('bin', 'fedlink.mjs');

/** A set of child processes that are stopped together. */
export class ProcessGroup {
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly logDir: string) {}

  /** Spawns `fedlink <args>` with stdout/stderr appended to `<logDir>/<name>.log`. */
  start(name: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    const log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [FEDLINK_BIN, ...args], {
      env: { ...process.env, FEDLINK_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.on('exit', () => {
      this.children.delete(name);
      log.end();
    });
    this.children.set(name, child);
    return child;
  }

  /** The running child of that name, if any. */
  get(name: string): ChildProcess | undefined {
    return this.children.get(name);
  }

  /** SIGTERM to everyone, SIGKILL to whoever is still there after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.children.values()].map((child) => stopChild(child, graceMs)));
  }

  /** SIGTERM to one child (SIGKILL after `graceMs`); resolves when it has exited. */
  async stop(name: string, graceMs = 10_000): Promise<void> {
    const child = this.children.get(name);
    if (child) await stopChild(child, graceMs);
  }
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
