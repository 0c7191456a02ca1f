/**
 * Starts the real `nats-server` binary for tests: 127.0.0.1, a random free
 * port, a temporary store dir. Every handle is tracked; an afterAll hook and a
 * process 'exit' hook kill whatever a test forgot, so no server outlives its
 * test file. A missing binary is an error that says how to install it, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll } from 'vitest';
import { MissingDependencyError } from '../../common/errors';

/** A running (or restartable) nats-server. */
export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Temporary directory for JetStream data; removed by stop(). */
  readonly storeDir: string;
  /** SIGTERM, then SIGKILL after a grace period; removes the store dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; the store dir stays for restart(). */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store dir (stopping it first if it runs). */
  restart(): Promise<void>;
  /** The tail (64 KiB) of the server's log, for asserting what it refused and why. */
  output(): string;
  /** Rewrites the config file (when started with `config`) and sends SIGHUP, as `nats-server --signal reload` does. */
  reload(config: string): Promise<void>;
}

/** Options of startNatsServer. */
export interface NatsServerOptions {
  /** @default a random free port */
  port?: number;
  /** Enables JetStream (`-js -sd <storeDir>`). @default false */
  jetstream?: boolean;
  /** Extra nats-server arguments, e.g. `['--user', 'u', '--pass', 'p']`. @default [] */
  args?: string[];
  /**
   * Configuration file text (e.g. from natsServerConfig: TLS, users). Its
   * listen address is overridden by the helper's flags, its JetStream
   * store_dir by the helper's temporary one.
   */
  config?: string;
  /** How long to wait for the server to accept connections. @default 10000 */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
const handles = new Set<{ stop(): Promise<void> }>();

// Last resort when a test runner dies between start and stop: exit hooks are synchronous, so SIGKILL only.
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Stops every server started through this module (the afterAll safety net). */
export async function stopAllNatsServers(): Promise<void> {
  await Promise.all([...handles].map((h) => h.stop()));
}

try {
  afterAll(stopAllNatsServers);
} catch {
  // Imported outside a vitest run (a benchmark): the caller stops what it starts.
}

/** Path of the nats-server binary; throws MissingDependencyError telling how to install it. */
export function findNatsServerBinary(): string {
  const fromEnv = process.env.NATS_SERVER_BIN;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new MissingDependencyError('nats-server binary not found: install it with `sudo apt-get install -y nats-server` (or set NATS_SERVER_BIN)');
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True when something accepts a TCP connection on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Resolves once the process has exited (at once if it already has). */
function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => p.once('exit', () => resolve()));
}

/** Spawns the server and waits until it accepts connections; rejects with its output if it exits or times out. */
async function launch(bin: string, args: string[], port: number, readyTimeoutMs: number, onOutput?: (chunk: string) => void): Promise<ChildProcess> {
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let output = '';
  // Keep the tail of the log for error messages; reading also keeps the pipe from filling up.
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    onOutput?.(chunk.toString());
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  proc.once('error', (err) => (spawnError = err));

  const until = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError || proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`nats-server exited before accepting connections on port ${port}${spawnError ? `: ${spawnError.message}` : ''}\n${output}`);
    }
    if (await accepts(port)) return proc;
    if (Date.now() > until) {
      proc.kill('SIGKILL');
      await exited(proc);
      throw new Error(`nats-server did not accept connections on port ${port} within ${readyTimeoutMs} ms\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts a nats-server on 127.0.0.1 and returns its handle once it accepts connections. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  const bin = findNatsServerBinary();
  const port = options.port ?? (await freePort());
  const storeDir = await mkdtemp(join(tmpdir(), 'fedlink-nats-'));
  // The config file lives next to the store dir (removed with it), not in it: JetStream owns that directory.
  const configFile = `${storeDir}.conf`;
  // nats-server refuses -sd next to a config's own store_dir ("Duplicate 'store_dir'"): move that one instead.
  const withStore = (config: string) => config.replace(/store_dir: "[^"]*"/g, `store_dir: ${JSON.stringify(storeDir)}`);
  const configStore = options.config !== undefined && /store_dir:/.test(options.config);
  if (options.config !== undefined) writeFileSync(configFile, withStore(options.config));
  const args = [
    ...(options.config !== undefined ? ['-c', configFile] : []),
    '-a', '127.0.0.1', '-p', String(port),
    ...(options.jetstream && !configStore ? ['-js', '-sd', storeDir] : []),
    ...(options.args ?? []),
  ];
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  let log = '';
  const reloads = { done: 0, failed: 0 };
  const onOutput = (chunk: string) => {
    log = (log + chunk).slice(-65_536);
    reloads.done += chunk.split('Reloaded server configuration').length - 1;
    reloads.failed += chunk.split('Failed to reload').length - 1;
  };

  let proc: ChildProcess | undefined;
  let stopped = false;

  const terminate = async (signal: 'SIGTERM' | 'SIGKILL') => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    p.kill(signal);
    if (signal === 'SIGTERM') {
      const grace = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exited(p);
      clearTimeout(grace);
    } else {
      await exited(p);
    }
  };

  const handle: NatsServerHandle = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      handles.delete(handle);
      await terminate('SIGTERM');
      await rm(storeDir, { recursive: true, force: true });
      await rm(configFile, { force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('nats-server handle was stopped; start a new one');
      await terminate('SIGTERM');
      proc = await launch(bin, args, port, readyTimeoutMs, onOutput);
    },
    output: () => log,
    async reload(config: string) {
      if (options.config === undefined) throw new Error('reload() needs a server started with a config');
      if (!proc) throw new Error('nats-server is not running');
      const before = { ...reloads };
      writeFileSync(configFile, withStore(config));
      proc.kill('SIGHUP');
      // The server logs the reload once applied (or why it was refused).
      const until = Date.now() + readyTimeoutMs;
      while (reloads.done === before.done && reloads.failed === before.failed) {
        if (Date.now() > until) throw new Error(`nats-server did not reload within ${readyTimeoutMs} ms\n${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      if (reloads.failed > before.failed) throw new Error(`nats-server refused the new config\n${log.slice(-2000)}`);
    },
  };
  handles.add(handle);
  try {
    proc = await launch(bin, args, port, readyTimeoutMs, onOutput);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

/** A running 3-node JetStream cluster started from infra/nats/node-*.conf. */
export interface NatsClusterHandle {
  /** Comma-separated client URLs of every node, for --nats. */
  readonly urls: string;
  readonly nodes: Array<{ url: string; port: number; kill(): Promise<void> }>;
  /** Stops every node and removes the store dirs. */
  stop(): Promise<void>;
}

/**
 * Starts the cluster that infra/nats/node-{1,2,3}.conf describe, as three
 * local processes: the same files, with their ports moved to free ones and
 * their store dirs to a temporary directory. Resolves once every node
 * accepts connections (JetStream may still be electing its meta leader).
 */
export async function startNatsCluster(): Promise<NatsClusterHandle> {
  const bin = findNatsServerBinary();
  const infra = join(import.meta.dirname, '../../infra/nats');
  const dir = await mkdtemp(join(tmpdir(), 'fedlink-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: 9 }, () => freePort()));
  // Client, http and route port of each node, in the files' order.
  const remap = new Map<number, number>();
  [4222, 4223, 4224, 8222, 8223, 8224, 6222, 6223, 6224].forEach((p, i) => remap.set(p, ports[i]));
  const procs: ChildProcess[] = [];
  const nodes: NatsClusterHandle['nodes'] = [];
  try {
    for (let i = 1; i <= 3; i++) {
      const text = readFileSync(join(infra, `node-${i}.conf`), 'utf8')
        .replace(/127\.0\.0\.1:(\d+)/g, (_m, p: string) => `127.0.0.1:${remap.get(Number(p)) ?? p}`)
        .replace(/store_dir: "[^"]*"/, `store_dir: "${join(dir, `n${i}`)}"`);
      const conf = join(dir, `node-${i}.conf`);
      writeFileSync(conf, text);
      const port = remap.get(4221 + i)!;
      const proc = await launch(bin, ['-c', conf], port, 15_000);
      procs.push(proc);
      nodes.push({
        url: `nats://127.0.0.1:${port}`,
        port,
        kill: async () => {
          proc.kill('SIGKILL');
          await exited(proc);
        },
      });
    }
  } catch (err) {
    for (const p of procs) p.kill('SIGKILL');
    throw err;
  }
  const handle: NatsClusterHandle = {
    urls: nodes.map((n) => n.url).join(','),
    nodes,
    async stop() {
      handles.delete(handle);
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => exited(p)));
      await rm(dir, { recursive: true, force: true });
    },
  };
  handles.add(handle);
  return handle;
}

/** Resolves once JetStream on `urls` can create an R3 bucket (a fresh cluster first elects its meta leader). */
export async function waitForJetStreamCluster(urls: string, timeoutMs = 60_000): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { Kvm } = await import('@nats-io/kv');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const nc = await connect({ servers: urls.split(',') });
    try {
      await new Kvm(nc).create('fedlink_probe', { replicas: 3 });
      return;
    } catch (err) {
      if (Date.now() > until) throw new Error(`JetStream cluster not ready after ${timeoutMs} ms: ${(err as Error).message}`);
    } finally {
      await nc.close();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
