/** The Store contract, run against every backend; plus the file store's crash safety with a real kill -9. */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { openFileStore } from '../../services/coordinator/store/file-store';
import { FencedError, fencedStore } from '../../services/coordinator/ha/fenced-store';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { openJetStreamStore } from '../../services/coordinator/store/jetstream-store';
import { startNatsServer } from '../helpers/nats-server';
import { storeContract, type OpenOptions } from './store-suite';

storeContract('memory', async () => {
  // One store per namespace: "reopening" one hands back the same instance.
  const stores = new Map<string, MemoryStore>();
  const open = async (o: OpenOptions = {}) => {
    const ns = o.namespace ?? '';
    if (!stores.has(ns)) stores.set(ns, new MemoryStore({ auditRetention: o.auditRetention }));
    return stores.get(ns)!;
  };
  return { open, durable: false, dispose: async () => {} };
});

storeContract('file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-store-'));
  return {
    open: (o: OpenOptions = {}) => openFileStore(o.namespace ? path.join(dir, o.namespace) : dir, { auditRetention: o.auditRetention }),
    durable: true,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

storeContract('fenced memory (lease held)', async () => {
  const stores = new Map<string, MemoryStore>();
  const open = async (o: OpenOptions = {}) => {
    const ns = o.namespace ?? '';
    if (!stores.has(ns)) stores.set(ns, new MemoryStore({ auditRetention: o.auditRetention }));
    return fencedStore(stores.get(ns)!, { held: true });
  };
  return { open, durable: false, dispose: async () => {} };
});

describe('fenced store', () => {
  it('fenced store - without the lease every auth-record write is refused and reads still answer', async () => {
    const inner = new MemoryStore();
    const fence = { held: true };
    const s = fencedStore(inner, fence);
    const e = { tokenHash: 'h1', clientId: 'edge-1', createdAtMs: 1, expiresAtMs: 2, createdBy: 'alice' };
    await s.putEnrollment(e);
    await s.putRevocation({ clientId: 'edge-2', atMs: 1, by: 'alice', reason: 'r' });
    await s.appendAudit({ atMs: 1, principal: 'p', action: 'a', target: 't', outcome: 'ok', detail: 'd', peer: 'x' });
    fence.held = false;
    await expect(s.putEnrollment({ ...e, tokenHash: 'h2' })).rejects.toThrow(FencedError);
    await expect(s.takeEnrollment('h1', 5)).rejects.toThrow(FencedError);
    await expect(s.putRevocation({ clientId: 'edge-3', atMs: 1, by: 'alice', reason: 'r' })).rejects.toThrow(FencedError);
    await expect(s.appendAudit({ atMs: 2, principal: 'p', action: 'a', target: 't', outcome: 'ok', detail: 'd', peer: 'x' })).rejects.toThrow(FencedError);
    await expect(s.deleteClient('edge-1')).rejects.toThrow(FencedError);
    expect((await s.listRevocations()).map((r) => r.clientId)).toEqual(['edge-2']);
    expect(await s.listAudit(10)).toHaveLength(1);
    // The refused take did not use the token up.
    expect(await inner.takeEnrollment('h1', 6)).toEqual(e);
  });
});

/**
 * Runs test/helpers/store-writer.ts against a store, waits until it is rewriting
 * (large checkpoints and records), kills it with SIGKILL a few ms into a write,
 * and resolves with the version of the first checkpoint it made durable.
 */
async function killWriterMidWrite(kind: 'file' | 'jetstream', where: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../helpers/store-writer.ts'), kind, where], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const firstVersion = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /ready (\w+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before it was ready: ${err}`)));
  });
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      if (/writing [3-9]/.test(d.toString())) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
  });
  await new Promise((r) => setTimeout(r, 20 + Math.random() * 60));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return firstVersion;
}

describe('file store crash safety', () => {
  it('file store - a writer killed with SIGKILL mid-write leaves the previous state readable and nothing half-written visible', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-torn-'));
    try {
      const firstVersion = await killWriterMidWrite('file', dir);
      const leftovers = readdirSync(dir, { recursive: true }).map(String).filter((n) => n.includes('.tmp-'));

      const store = await openFileStore(dir);
      // Opening swept whatever temporary file the kill left behind.
      expect(readdirSync(dir, { recursive: true }).map(String).filter((n) => n.includes('.tmp-'))).toEqual([]);
      const runRecord = await store.getRun('run-torn');
      expect(runRecord, 'the run record parses').toBeDefined();
      // Whatever version the record names is complete and verifies; so does every listed checkpoint.
      for (const version of new Set([runRecord!.modelVersion, firstVersion, ...(await store.listModels('run-torn'))])) {
        const weights = await store.getModel('run-torn', version);
        expect(weights, version).toBeDefined();
        expect(sha256Hex(float32ToBytes(weights!))).toBe(version);
      }
      expect(runRecord!.committedRounds).toBeGreaterThanOrEqual(2);
      await store.close();
      // At most the one write in flight was left as a temporary file (swept above).
      expect(leftovers.length).toBeLessThanOrEqual(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Starts test/helpers/auth-store-process.ts; `next(re)` resolves with the first stdout line matching `re` from then on. */
function authStoreProcess(args: string[]): { child: ChildProcess; next: (re: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../helpers/auth-store-process.ts'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const next = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(out);
        if (!m) return;
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        out = out.slice(m.index + m[0].length);
        resolve(m);
      };
      const onData = (d: Buffer) => {
        out += d.toString();
        check();
      };
      const onExit = (code: number | null) => reject(new Error(`auth-store-process ${args[0]} exited (${code}) before printing ${re}: ${err}`));
      child.stdout!.on('data', onData);
      child.once('exit', onExit);
      check();
    });
  return { child, next };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

const tokenHash = (label: string) => sha256Hex(new TextEncoder().encode(label));

describe('file store auth records across processes', () => {
  it('file store - a coordinator restarted on the same dir (the first killed with SIGKILL) sees its enrollments, revocations and audit log', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-auth-restart-'));
    const first = authStoreProcess(['write', dir]);
    try {
      await first.next(/done\n/);
      await kill(first.child);
      const store = await openFileStore(dir);
      try {
        expect(await store.takeEnrollment(tokenHash('restart-used'), 10)).toBeUndefined();
        expect(await store.takeEnrollment(tokenHash('restart-fresh'), 10)).toMatchObject({ clientId: 'edge-7', expiresAtMs: 2, createdBy: 'alice' });
        expect(await store.listRevocations()).toEqual([{ clientId: 'edge-9', atMs: 3, by: 'alice', reason: 'lost' }]);
        expect((await store.listAudit(10)).map((e) => e.detail)).toEqual(['entry 2', 'entry 1', 'entry 0']);
      } finally {
        await store.close();
      }
    } finally {
      await kill(first.child);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('file store - two coordinator processes taking the same tokens at once: each token is taken by exactly one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-auth-race-'));
    const n = 200;
    const takers: Array<ReturnType<typeof authStoreProcess>> = [];
    try {
      const setup = await openFileStore(dir);
      for (let i = 0; i < n; i++) await setup.putEnrollment({ tokenHash: tokenHash(`race-${i}`), clientId: `edge-${i}`, createdAtMs: 1, expiresAtMs: 2, createdBy: 'alice' });
      await setup.close();
      takers.push(authStoreProcess(['take', dir, String(n)]), authStoreProcess(['take', dir, String(n)]));
      await Promise.all(takers.map((t) => t.next(/ready\n/)));
      const results = takers.map((t) => t.next(/won (\[.*\])\n/));
      for (const t of takers) t.child.stdin!.write('go\n');
      const [a, b] = (await Promise.all(results)).map((m) => JSON.parse(m[1]) as number[]);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    } finally {
      for (const t of takers) await kill(t.child);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('file store - an audit line torn by a kill is skipped, and appends after reopening read back whole', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-auth-torn-'));
    try {
      const entry = (i: number) => ({ atMs: i, principal: 'p', action: 'a', target: 't', outcome: 'ok', detail: `entry ${i}`, peer: 'x' });
      const before = await openFileStore(dir);
      for (let i = 0; i < 3; i++) await before.appendAudit(entry(i));
      await before.close();
      const segment = readdirSync(path.join(dir, 'audit')).filter((n) => n.endsWith('.jsonl')).sort().at(-1)!;
      appendFileSync(path.join(dir, 'audit', segment), '{"atMs":3,"principal":"p","act'); // a write cut short
      const after = await openFileStore(dir);
      await after.appendAudit(entry(4));
      expect((await after.listAudit(10)).map((e) => e.detail)).toEqual(['entry 4', 'entry 2', 'entry 1', 'entry 0']);
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('file store - opening sweeps temporary files of dead writers but not those of another live process writing to the same dir', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-sweep-'));
    try {
      await (await openFileStore(dir)).close();
      // process.ppid: the test runner, alive and not us. A pid above Linux's pid_max (2^22) is no process.
      const live = path.join(dir, 'runs', `a.json.tmp-${process.ppid}-1`);
      const dead = path.join(dir, 'runs', `b.json.tmp-${2 ** 22 + 7}-1`);
      const ours = path.join(dir, 'runs', `c.json.tmp-${process.pid}-1`);
      for (const f of [live, dead, ours]) appendFileSync(f, 'partial');
      await (await openFileStore(dir)).close();
      expect(readdirSync(path.join(dir, 'runs')).sort()).toEqual([path.basename(live)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

storeContract('jetstream', async () => {
  const server = await startNatsServer({ jetstream: true });
  return {
    open: (o: OpenOptions = {}) =>
      openJetStreamStore({ servers: server.url, name: 'store-contract', prefix: o.namespace ? `ns_${o.namespace.replace(/-/g, '_')}` : undefined, auditRetention: o.auditRetention }),
    durable: true,
    dispose: () => server.stop(),
  };
});

describe('jetstream store crash safety', () => {
  it('jetstream store - a writer killed with SIGKILL mid-write leaves the previous state readable and no half-written checkpoint visible', async () => {
    const server = await startNatsServer({ jetstream: true });
    try {
      const firstVersion = await killWriterMidWrite('jetstream', server.url);
      const store = await openJetStreamStore({ servers: server.url, name: 'torn-check' });
      try {
        const runRecord = await store.getRun('run-torn');
        expect(runRecord).toBeDefined();
        expect(runRecord!.committedRounds).toBeGreaterThanOrEqual(2);
        for (const version of new Set([runRecord!.modelVersion, firstVersion, ...(await store.listModels('run-torn'))])) {
          const weights = await store.getModel('run-torn', version);
          expect(weights, version).toBeDefined();
          expect(sha256Hex(float32ToBytes(weights!))).toBe(version);
        }
      } finally {
        await store.close();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});
