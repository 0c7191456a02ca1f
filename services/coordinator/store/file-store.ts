/**
 * The embedded durable store: plain files under a state directory, so a
 * single-node coordinator (and the demo) survives a restart or a kill -9.
 *
 *   <dir>/runs/<run>.json
 *   <dir>/rounds/<run>/<round>-<attempt>.json
 *   <dir>/clients/<client>.json
 *   <dir>/models/<run>/<sha256>.f32        content-addressed checkpoints
 *
 * Every write goes to a temporary file in the same directory, is fsynced, and
 * is renamed over the old one: a process killed mid-write leaves the previous
 * version readable and at worst a stray temporary file (ignored, and swept at
 * open). Model files are verified against their sha256 before the rename and
 * again when read. Writes of the same key are serialised and coalesced (the
 * latest value wins), so fire-and-forget saves of a changing round record
 * cannot land out of order.
 */
import { mkdir, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { TMP_MARK, writeFileAtomic } from '../../../common/atomic-file';
import path from 'node:path';
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';
import { checkVersion, versionedBytes, weightsFromStored } from './model-bytes';
import type { Store } from './store';


/** Store backed by files under `dir`; see the file comment. */
export class FileStore implements Store {
  readonly kind = 'file';
  private readonly pending = new Map<string, { value: () => Uint8Array; waiters: Array<() => void>; fail: Array<(e: unknown) => void> }>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(readonly dir: string) {}

  /** Creates the directories and sweeps temporary files left by a killed writer. */
  async open(): Promise<this> {
    for (const sub of ['runs', 'rounds', 'clients', 'models']) await mkdir(path.join(this.dir, sub), { recursive: true });
    await sweep(this.dir);
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => p.catch(() => {})));
  }

  putRun(run: RunRecord): Promise<void> {
    return this.write(path.join(this.dir, 'runs', `${safe(run.runId)}.json`), json(run));
  }

  async getRun(runId: RunId): Promise<RunRecord | undefined> {
    return readJson<RunRecord>(path.join(this.dir, 'runs', `${safe(runId)}.json`));
  }

  async listRuns(): Promise<RunRecord[]> {
    const runs = await readAll<RunRecord>(path.join(this.dir, 'runs'));
    return runs.sort((a, b) => a.createdAtMs - b.createdAtMs || a.runId.localeCompare(b.runId));
  }

  putRound(round: RoundRecord): Promise<void> {
    return this.write(path.join(this.dir, 'rounds', safe(round.runId), `${round.round}-${round.attempt}.json`), json(round));
  }

  async listRounds(runId: RunId): Promise<RoundRecord[]> {
    const rounds = await readAll<RoundRecord>(path.join(this.dir, 'rounds', safe(runId)));
    return rounds.sort((a, b) => a.round - b.round || a.attempt - b.attempt);
  }

  putClient(client: ClientRecord): Promise<void> {
    return this.write(path.join(this.dir, 'clients', `${safe(client.clientId)}.json`), json(client));
  }

  async listClients(): Promise<ClientRecord[]> {
    const clients = await readAll<ClientRecord>(path.join(this.dir, 'clients'));
    return clients.sort((a, b) => a.clientId.localeCompare(b.clientId));
  }

  async putModel(runId: RunId, version: string, weights: Float32Array): Promise<void> {
    const bytes = versionedBytes(version, weights);
    await this.write(this.modelFile(runId, version), () => bytes, version);
  }

  async getModel(runId: RunId, version: string): Promise<Float32Array | undefined> {
    checkVersion(version);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.modelFile(runId, version));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return weightsFromStored(version, bytes, `${this.dir} (run ${runId})`);
  }

  async deleteModel(runId: RunId, version: string): Promise<void> {
    checkVersion(version);
    await unlink(this.modelFile(runId, version)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async listModels(runId: RunId): Promise<string[]> {
    const names = await readdir(path.join(this.dir, 'models', safe(runId))).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.f32') && !n.includes(TMP_MARK)).map((n) => n.slice(0, -4)).sort();
  }

  private modelFile(runId: RunId, version: string): string {
    return path.join(this.dir, 'models', safe(runId), `${version}.f32`);
  }

  /**
   * Writes `value()` to `file` atomically. While a write of the key is in
   * progress, later values wait; only the newest of them is written next.
   */
  private write(file: string, value: () => Uint8Array, verifySha?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queued = this.pending.get(file);
      if (queued) {
        queued.value = value;
        queued.waiters.push(resolve);
        queued.fail.push(reject);
      } else {
        this.pending.set(file, { value, waiters: [resolve], fail: [reject] });
      }
      // drain() hands every write failure to the callers waiting on it; it never rejects itself.
      if (!this.running.has(file)) void this.drain(file, verifySha);
    });
  }

  private async drain(file: string, verifySha?: string): Promise<void> {
    for (let next = this.pending.get(file); next; next = this.pending.get(file)) {
      this.pending.delete(file);
      const job = writeFileAtomic(file, next.value(), verifySha);
      this.running.set(file, job);
      try {
        await job;
        for (const w of next.waiters) w();
      } catch (err) {
        for (const f of next.fail) f(err);
      } finally {
        this.running.delete(file);
      }
    }
  }
}

/** Opens a FileStore at `dir`. */
export function openFileStore(dir: string): Promise<FileStore> {
  return new FileStore(dir).open();
}

async function sweep(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  await Promise.all(
    entries.filter((e) => e.isFile() && e.name.includes(TMP_MARK)).map((e) => rm(path.join(e.parentPath, e.name), { force: true })),
  );
}

function json(value: unknown): () => Uint8Array {
  const text = JSON.stringify(value);
  return () => Buffer.from(text);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readAll<T>(dir: string): Promise<T[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out = await Promise.all(names.filter((n) => n.endsWith('.json') && !n.includes(TMP_MARK)).map((n) => readJson<T>(path.join(dir, n))));
  return out.filter((x): x is Awaited<T> => x !== undefined) as T[];
}

/** Ids become file names: anything outside a safe set is %-escaped, so no id can climb out of its directory. */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
