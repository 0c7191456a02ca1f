/** The Store contract, run against every backend; plus the file store's crash safety with a real kill -9. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { openFileStore } from '../../services/coordinator/store/file-store';
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
