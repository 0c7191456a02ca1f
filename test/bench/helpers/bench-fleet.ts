/**
 * A fleet for training benchmarks: daemons as separate processes (honest
 * `fedlink client`s, and Byzantine ones from byzantine-client.ts) that stay up
 * across runs, and one run at a time on a fresh coordinator (memory store) on
 * the same port, so no run inherits another's state. Logs go to files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlConnection } from '../../../clients/cli/control-client';
import { FEDLINK_BIN } from '../../../clients/demo/process-group';
import { StopWaiting, waitFor } from '../../../common/wait-for';
import type { Run__Output } from '../../../proto/gen/fedlink/v1/Run';
import type { RunConfig } from '../../../proto/gen/fedlink/v1/RunConfig';

/** The Byzantine client's process entry (run through tsx). */
export const BYZANTINE_ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'byzantine-client.ts');

/** Child processes by name, each logging to `<logDir>/<name>.log`; stopped by name or all together. */
export class BenchProcesses {
  private readonly children = new Map<string, ChildProcess>();
  /** Names of processes that exited without being asked to, with how. */
  readonly died = new Map<string, string>();
  private readonly stopping = new Set<string>();

  constructor(private readonly logDir: string) {}

  /** `fedlink <args>`. */
  fedlink(name: string, args: string[]): void {
    this.spawn(name, [FEDLINK_BIN, ...args]);
  }

  /** The Byzantine client with `args` (its --attack and every `fedlink client` flag). */
  byzantine(name: string, args: string[]): void {
    this.spawn(name, ['--import', 'tsx', BYZANTINE_ENTRY, ...args]);
  }

  private spawn(name: string, nodeArgs: string[]): void {
    const log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, nodeArgs, { env: { ...process.env, FEDLINK_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    this.died.delete(name);
    child.on('exit', (code, signal) => {
      if (this.children.get(name) === child) this.children.delete(name);
      if (!this.stopping.has(name)) this.died.set(name, signal ?? `exit ${code}`);
      log.end();
    });
    this.children.set(name, child);
  }

  /** SIGTERM (SIGKILL after `graceMs`); resolves once it has exited. */
  async stop(name: string, graceMs = 10_000): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping.add(name);
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    this.stopping.delete(name);
  }

  /** Stops every child still running. */
  async stopAll(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.children.keys()].map((name) => this.stop(name, graceMs)));
  }
}

/** How the training set is spread over the fleet. */
export interface FleetData {
  clients: number;
  /** 'iid' | 'dirichlet:<alpha>' | 'labels:<k>'. */
  partition: string;
  examplesPerClient: number;
  seed: number;
}

/** `fedlink client` flags for partition `index` of `data`, talking to `port`. */
export function clientArgs(data: FleetData, index: number, id: string, port: number): string[] {
  return [
    '--coordinator', `127.0.0.1:${port}`, '--id', id, '--partition', data.partition, '--num-partitions', String(data.clients), '--index', String(index),
    '--seed', String(data.seed), '--max-examples', String(data.clients * data.examplesPerClient), '--log-level', 'warn',
    // A fresh coordinator per run: the daemons should find it within a couple of seconds.
    '--reconnect-max', '2s',
  ];
}

/** Starts a coordinator (memory store, plaintext on loopback) named `name` on `port`. */
export function startCoordinator(procs: BenchProcesses, name: string, port: number): void {
  procs.fedlink(name, ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--store', 'memory']);
}

/** Waits until `count` clients are connected; gives up at once if one of `watch` died. */
export async function waitForClients(control: ControlConnection, procs: BenchProcesses, count: number, watch: string[], timeoutMs = 180_000): Promise<void> {
  await waitFor(
    `${count} connected clients`,
    async () => {
      const dead = watch.filter((n) => procs.died.has(n));
      if (dead.length) throw new StopWaiting(`${dead.join(', ')} exited (${dead.map((n) => procs.died.get(n)).join(', ')}); see its log`);
      const { clients } = await control.listClients();
      return clients.filter((c) => c.status === 'connected').length >= count ? true : undefined;
    },
    timeoutMs,
    500,
  );
}

/** What one run did. */
export interface RunOutcome {
  /** Test accuracy after each committed round, in order. */
  accuracies: number[];
  /** Test accuracy of the last committed round; null when none committed. */
  finalAccuracy: number | null;
  /** The run's end state ('completed', 'failed', ...), or 'refused' when the coordinator refused the config, 'timeout'. */
  state: string;
  reason: string;
  seconds: number;
}

/** Creates and starts a run of `config`, follows it to its end (or `timeoutMs`), and reports its accuracies; `onRound` sees each commit. */
export async function trainOnce(
  control: ControlConnection,
  config: RunConfig,
  timeoutMs: number,
  onRound: (round: number, accuracy: number, strategyMetrics: Record<string, number>) => void,
): Promise<RunOutcome> {
  const started = Date.now();
  let run: Run__Output;
  try {
    run = await control.createRun({ start: true, config });
  } catch (err) {
    return { accuracies: [], finalAccuracy: null, state: 'refused', reason: (err as Error).message, seconds: 0 };
  }
  // A committed round can come again with a later event (the run's end carries its last round).
  const byRound = new Map<number, number>();
  let state = 'timeout';
  let reason = '';
  const timer = setTimeout(() => control.cancelRun(run.runId).catch(() => undefined), timeoutMs);
  try {
    for await (const e of control.watchRun(run.runId)) {
      const r = e.round;
      if (r?.state === 'committed' && r.eval && !byRound.has(r.round)) {
        byRound.set(r.round, r.eval.accuracy);
        onRound(r.round, r.eval.accuracy, r.strategyMetrics ?? {});
      }
      if (e.run && ['completed', 'failed', 'cancelled'].includes(e.run.state)) {
        state = Date.now() - started >= timeoutMs && e.run.state === 'cancelled' ? 'timeout' : e.run.state;
        reason = e.run.reason;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  const accuracies = [...byRound.entries()].sort((a, b) => a[0] - b[0]).map(([, a]) => a);
  return { accuracies, finalAccuracy: accuracies.at(-1) ?? null, state, reason, seconds: (Date.now() - started) / 1000 };
}
