/**
 * The embedded durable store: plain files under a state directory, so a
 * single-node coordinator (and the demo) survives a restart or a kill -9.
 *
 *   <dir>/runs/<run>.json
 *   <dir>/rounds/<run>/<round>-<attempt>.json
 *   <dir>/clients/<client>.json
 *   <dir>/models/<run>/<sha256>.f32        content-addressed checkpoints
 *   <dir>/enrollments/<hash>.json          EnrollmentRecord, by token hash
 *   <dir>/enrollments/<hash>.used          marker: the token was taken (and when)
 *   <dir>/revocations/<client>.json
 *   <dir>/audit/<segment>.jsonl            append-only, see file-audit-log.ts
 *
 * Taking an enrollment creates its `.used` marker with O_CREAT|O_EXCL (the
 * `wx` flag): the kernel lets exactly one creator succeed, so two coordinator
 * processes on the same directory (on a local filesystem) can never both take
 * one token. The marker is never removed: a token hash once used stays used.
 *
 * Every write goes to a temporary file in the same directory, is fsynced, and
 * is renamed over the old one: a process killed mid-write leaves the previous
 * version readable and at worst a stray temporary file (ignored, and swept at
 * open unless its writer, another process on the same dir, is still alive).
 * Model files are verified against their sha256 before the rename and again
 * when read. Writes of the same key are serialised and coalesced (the
 * latest value wins), so fire-and-forget saves of a changing round record
 * cannot land out of order.
 */
import { open, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { TMP_MARK, writeFileAtomic } from '../../../common/atomic-file';
import path from 'node:path';
import type { AuditRecord, EnrollmentRecord, RevocationRecord } from '../../../common/auth-records';
import type { ClientRecord, RoundRecord, RunId, RunRecord } from '../../../common/types';
import { FileAuditLog } from './file-audit-log';
import { checkVersion, versionedBytes, weightsFromStored } from './model-bytes';
import { OrderedWrites } from './ordered-writes';
import { AUDIT_RETENTION, type Store, type StoreOptions } from './store';
import { makeDir } from '../../../common/make-dir';


/** Store backed by files under `dir`; see the file comment. */
export class FileStore implements Store {
  readonly kind = 'file';
  /** Writes by file, in order; every caller awaits its own. */
  private readonly writes = new OrderedWrites();

  private readonly audit: FileAuditLog;

  constructor(
    readonly dir: string,
    options: StoreOptions = {},
  ) {
    this.audit = new FileAuditLog(path.join(dir, 'audit'), options.auditRetention ?? AUDIT_RETENTION);
  }

  /** Creates the directories and sweeps temporary files left by a killed writer. */
  async open(): Promise<this> {
    for (const sub of ['runs', 'rounds', 'clients', 'models', 'enrollments', 'revocations']) await makeDir(path.join(this.dir, sub));
    await sweep(this.dir);
    await this.audit.open();
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.writes.flush(), this.audit.close().catch(() => {})]);
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

  async listRunIds(): Promise<RunId[]> {
    return (await jsonNames(path.join(this.dir, 'runs'))).map((n) => unsafe(n.slice(0, -'.json'.length))).sort();
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

  deleteClient(clientId: string): Promise<void> {
    // Through the write queue, so a save of the same client still in flight cannot land after the delete.
    return this.write(path.join(this.dir, 'clients', `${safe(clientId)}.json`), () => undefined);
  }

  putEnrollment(e: EnrollmentRecord): Promise<void> {
    return this.write(this.enrollmentFile(e.tokenHash, '.json'), json(e));
  }

  async takeEnrollment(tokenHash: string, atMs: number): Promise<EnrollmentRecord | undefined> {
    const e = await readJson<EnrollmentRecord>(this.enrollmentFile(tokenHash, '.json'));
    if (!e || e.usedAtMs !== undefined) return undefined;
    let handle;
    try {
      handle = await open(this.enrollmentFile(tokenHash, '.used'), 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined; // another take won
      throw err;
    }
    try {
      // The marker's existence is what counts; its content (when) is for people reading the directory.
      await handle.writeFile(JSON.stringify({ usedAtMs: atMs }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return e;
  }

  putRevocation(r: RevocationRecord): Promise<void> {
    return this.write(path.join(this.dir, 'revocations', `${safe(r.clientId)}.json`), json(r));
  }

  async listRevocations(): Promise<RevocationRecord[]> {
    const all = await readAll<RevocationRecord>(path.join(this.dir, 'revocations'));
    return all.sort((a, b) => a.atMs - b.atMs || a.clientId.localeCompare(b.clientId));
  }

  appendAudit(e: AuditRecord): Promise<void> {
    return this.audit.append(e);
  }

  listAudit(limit: number): Promise<AuditRecord[]> {
    return this.audit.list(limit);
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
    await removeFile(this.modelFile(runId, version));
  }

  async listModels(runId: RunId): Promise<string[]> {
    const names = await readdir(path.join(this.dir, 'models', safe(runId))).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.f32') && !n.includes(TMP_MARK)).map((n) => n.slice(0, -4)).sort();
  }

  private enrollmentFile(tokenHash: string, ext: '.json' | '.used'): string {
    return path.join(this.dir, 'enrollments', `${safe(tokenHash)}${ext}`);
  }

  private modelFile(runId: RunId, version: string): string {
    return path.join(this.dir, 'models', safe(runId), `${version}.f32`);
  }

  /**
   * Writes `value()` to `file` atomically (or deletes the file when it is
   * undefined), in order per file; see ordered-writes.ts.
   */
  private write(file: string, value: () => Uint8Array | undefined, verifySha?: string): Promise<void> {
    return this.writes.save(file, () => {
      const bytes = value();
      return bytes ? writeFileAtomic(file, bytes, verifySha) : removeFile(file);
    });
  }
}

/** Opens a FileStore at `dir`. */
export function openFileStore(dir: string, options: StoreOptions = {}): Promise<FileStore> {
  return new FileStore(dir, options).open();
}

async function removeFile(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

/** Removes temporary files left by killed writers; not those of another live process on the same dir, which is mid-write. */
async function sweep(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  await Promise.all(
    entries
      .filter((e) => e.isFile() && e.name.includes(TMP_MARK) && !writerAlive(e.name))
      .map((e) => rm(path.join(e.parentPath, e.name), { force: true })),
  );
}

/** Whether the temporary file `name` (…`.tmp-<pid>-<n>`, see atomic-file.ts) belongs to another process that is still running. */
function writerAlive(name: string): boolean {
  const pid = Number(/\.tmp-(\d+)-\d+$/.exec(name)?.[1]);
  // Our own pid means a predecessor's file (a restarted container reuses its pid): we have written nothing yet.
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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

/** The record files of a directory (none if it does not exist), temporary files left out. */
async function jsonNames(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.json') && !n.includes(TMP_MARK));
}

async function readAll<T>(dir: string): Promise<T[]> {
  const out = await Promise.all((await jsonNames(dir)).map((n) => readJson<T>(path.join(dir, n))));
  return out.filter((x): x is Awaited<T> => x !== undefined) as T[];
}

/** Ids become file names: anything outside a safe set is %-escaped, so no id can climb out of its directory. */
function safe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The id a file name was made from by safe(). */
function unsafe(name: string): string {
  return name.replace(/%([0-9a-f]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
