/**
 * The Store contract: what every backend (memory, files, NATS JetStream) must
 * do, run by store.contract.test.ts against each. `open()` returns a store on
 * the same backend every time (a second coordinator process would see the same
 * state), so reopening tests durability and two opens test concurrent writers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditRecord, EnrollmentRecord, RevocationRecord } from '../../common/auth-records';
import { InvalidArgumentError } from '../../common/errors';
import type { ClientRecord, RoundRecord, RunRecord } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { Store } from '../../services/coordinator/store/store';
import { runConfig } from '../helpers/run-config';

/** What a test may ask of {@link StoreBackend.open}. */
export interface OpenOptions {
  /** A separate data set on the same backend (its own directory or bucket prefix); stores opened with the same namespace share it. */
  namespace?: string;
  /** Passed to the store: a small one lets a test see old audit entries go. */
  auditRetention?: number;
}

/** A backend under test. */
export interface StoreBackend {
  /** A store on the backend (a fresh connection each call, same data). */
  open(options?: OpenOptions): Promise<Store>;
  /** Whether reopening sees earlier writes (false for the in-memory store, whose data dies with it). */
  durable: boolean;
  /** Tears the backend down. */
  dispose(): Promise<void>;
}

export function run(id: string, createdAtMs: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: id, state: 'running', currentRound: 1, committedRounds: 0, createdAtMs, updatedAtMs: createdAtMs, modelVersion: '',
    model: { name: 'mlp', inputShape: [784], numClasses: 10, tensors: [{ name: 'w', shape: [784, 10] }] },
    config: runConfig({ rounds: 3, clientsPerRound: 2, roundDeadlineMs: 1000, waitForClientsMs: 1000 }),
    ...over,
  };
}

function round(runId: string, r: number, attempt: number, over: Partial<RoundRecord> = {}): RoundRecord {
  return { runId, round: r, attempt, state: 'training', startedAtMs: r * 10 + attempt, deadlineMs: 99, clients: [], bytesDown: 0, bytesUp: 0, modelVersion: 'm', ...over };
}

function client(id: string): ClientRecord {
  return { clientId: id, status: 'connected', backend: 'cpu', dataset: 'fashion-mnist', datasetSize: 10, encodings: ['float32'], models: ['mlp'], connectedAtMs: 1, lastSeenMs: 2, peer: 'ipv4:127.0.0.1:1' };
}

function enrollment(tokenHash: string, over: Partial<EnrollmentRecord> = {}): EnrollmentRecord {
  return { tokenHash, clientId: `edge-${tokenHash.slice(0, 4)}`, createdAtMs: 1000, expiresAtMs: 2000, createdBy: 'alice', ...over };
}

function revocation(clientId: string, atMs: number, over: Partial<RevocationRecord> = {}): RevocationRecord {
  return { clientId, atMs, by: 'alice', reason: 'lost device', ...over };
}

function audit(i: number): AuditRecord {
  return { atMs: 1000 + i, principal: 'operator:alice', action: 'CreateRun', target: `run-${i}`, outcome: 'ok', detail: `entry ${i}`, peer: 'ipv4:127.0.0.1:1' };
}

/** A sha256-looking token hash, distinct per label. */
function tokenHash(label: string): string {
  return sha256Hex(new TextEncoder().encode(label));
}

export function model(n: number, seed: number): { weights: Float32Array; version: string } {
  const weights = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
  return { weights, version: sha256Hex(float32ToBytes(weights)) };
}

export function storeContract(name: string, make: () => Promise<StoreBackend>): void {
  describe(`store contract: ${name}`, () => {
    let backend: StoreBackend;
    const opened: Store[] = [];
    const open = async (options?: OpenOptions) => {
      backend ??= await make();
      const s = await backend.open(options);
      opened.push(s);
      return s;
    };
    afterAll(async () => {
      for (const s of opened) await s.close();
      await backend?.dispose();
    });

    it(`${name} - runs: put, get, overwrite, list oldest first; unknown is undefined`, async () => {
      const s = await open();
      await s.putRun(run('run-b', 20));
      await s.putRun(run('run-a', 10));
      await s.putRun(run('run-b', 20, { committedRounds: 2, state: 'completed' }));
      expect((await s.getRun('run-b'))?.committedRounds).toBe(2);
      expect(await s.getRun('run-nope')).toBeUndefined();
      expect((await s.listRuns()).map((r) => [r.runId, r.state])).toEqual([['run-a', 'running'], ['run-b', 'completed']]);
      // Callers cannot alias stored state.
      const got = (await s.getRun('run-a'))!;
      got.state = 'failed';
      expect((await s.getRun('run-a'))!.state).toBe('running');
    });

    it(`${name} - run ids: every stored run's id, sorted, odd characters included; none in an empty store`, async () => {
      const s = await open({ namespace: 'run-ids' });
      expect(await s.listRunIds()).toEqual([]);
      for (const [id, at] of [['run-2', 20], ['run-1', 30], ['run x/1.é', 10]] as const) await s.putRun(run(id, at));
      await s.putRun(run('run-1', 30, { state: 'completed' }));
      expect(await s.listRunIds()).toEqual(['run x/1.é', 'run-1', 'run-2']);
      expect((await s.getRun('run x/1.é'))?.runId).toBe('run x/1.é');
    });

    it(`${name} - rounds: every attempt kept in (round, attempt) order; a save replaces the same attempt`, async () => {
      const s = await open();
      for (const [r, a] of [[2, 1], [1, 2], [1, 1], [10, 1]]) await s.putRound(round('run-r', r, a));
      await s.putRound(round('run-r', 1, 2, { state: 'committed' }));
      await s.putRound(round('run-other', 1, 1));
      const rounds = await s.listRounds('run-r');
      expect(rounds.map((r) => `${r.round}/${r.attempt}/${r.state}`)).toEqual(['1/1/training', '1/2/committed', '2/1/training', '10/1/training']);
      expect(await s.listRounds('run-none')).toEqual([]);
    });

    it(`${name} - fire-and-forget saves of one record land in order: the last one wins`, async () => {
      const s = await open();
      const saves = [];
      for (let i = 1; i <= 25; i++) saves.push(s.putRound(round('run-ff', 1, 1, { bytesUp: i })));
      await Promise.all(saves);
      expect((await s.listRounds('run-ff')).map((r) => r.bytesUp)).toEqual([25]);
    });

    it(`${name} - clients: put and list by id, ids with odd characters included`, async () => {
      const s = await open();
      for (const id of ['edge-2', 'edge-1', 'edge/../3', 'édge 4']) await s.putClient(client(id));
      await s.putClient({ ...client('edge-1'), status: 'disconnected' });
      const clients = await s.listClients();
      expect(clients.map((c) => c.clientId).sort()).toEqual(['edge-1', 'edge-2', 'edge/../3', 'édge 4'].sort());
      expect(clients.find((c) => c.clientId === 'edge-1')!.status).toBe('disconnected');
    });

    it(`${name} - models: content-addressed by sha256, verified, listed, deleted`, async () => {
      const s = await open();
      const a = model(1000, 1);
      const b = model(300_000, 2);
      await s.putModel('run-m', a.version, a.weights);
      await s.putModel('run-m', b.version, b.weights);
      await s.putModel('run-m', a.version, a.weights); // idempotent
      expect(Array.from((await s.getModel('run-m', b.version))!.subarray(0, 5))).toEqual(Array.from(b.weights.subarray(0, 5)));
      expect((await s.getModel('run-m', b.version))!.length).toBe(300_000);
      expect(await s.listModels('run-m')).toEqual([a.version, b.version].sort());
      expect(await s.getModel('run-other', a.version)).toBeUndefined();
      await expect(s.putModel('run-m', a.version, b.weights)).rejects.toThrow(InvalidArgumentError);
      await s.deleteModel('run-m', a.version);
      await s.deleteModel('run-m', a.version); // absent: fine
      expect(await s.getModel('run-m', a.version)).toBeUndefined();
      expect(await s.listModels('run-m')).toEqual([b.version]);
    });

    it(`${name} - clients: deleting one forgets it; deleting an absent one is fine`, async () => {
      const s = await open();
      await s.putClient(client('gone-1'));
      await s.putClient(client('kept-1'));
      await s.deleteClient('gone-1');
      await s.deleteClient('gone-1');
      await s.deleteClient('never-there');
      const ids = (await s.listClients()).map((c) => c.clientId);
      expect(ids).toContain('kept-1');
      expect(ids).not.toContain('gone-1');
      // A save and a delete of one client fired together: the later call wins.
      await Promise.all([s.putClient(client('gone-2')), s.deleteClient('gone-2')]);
      expect((await s.listClients()).map((c) => c.clientId)).not.toContain('gone-2');
    });

    it(`${name} - enrollments: a token is taken once; unknown is undefined; an expired one is still returned (expiry is the caller's)`, async () => {
      const s = await open();
      const h = tokenHash('take-once');
      await s.putEnrollment(enrollment(h, { clientId: 'edge-7', expiresAtMs: 5 }));
      const taken = await s.takeEnrollment(h, 3000);
      expect(taken).toEqual(enrollment(h, { clientId: 'edge-7', expiresAtMs: 5 }));
      expect(taken!.usedAtMs).toBeUndefined(); // as it was before the take
      expect(await s.takeEnrollment(h, 3001)).toBeUndefined();
      expect(await s.takeEnrollment(tokenHash('never-put'), 3000)).toBeUndefined();
      // Putting a used token again does not make it usable again.
      await s.putEnrollment(enrollment(h));
      expect(await s.takeEnrollment(h, 3002)).toBeUndefined();
      // Nor is one stored as already used.
      const pre = tokenHash('stored-used');
      await s.putEnrollment(enrollment(pre, { usedAtMs: 1500 }));
      expect(await s.takeEnrollment(pre, 3000)).toBeUndefined();
    });

    it(`${name} - two concurrent takes of one token (from two stores on the backend): exactly one wins`, async () => {
      const [s1, s2] = [await open(), await open()];
      const hashes = Array.from({ length: 20 }, (_, i) => tokenHash(`race-${i}`));
      await Promise.all(hashes.map((h) => s1.putEnrollment(enrollment(h))));
      const results = await Promise.all(hashes.map((h, i) => Promise.all([s1.takeEnrollment(h, 10 + i), s2.takeEnrollment(h, 20 + i)])));
      for (const [i, pair] of results.entries()) {
        expect(pair.filter((r) => r !== undefined), hashes[i]).toHaveLength(1);
        expect(pair.find((r) => r !== undefined)!.tokenHash).toBe(hashes[i]);
      }
    });

    it(`${name} - revocations: put, a later one replaces the client's, listed oldest first`, async () => {
      const s = await open();
      await s.putRevocation(revocation('rev-b', 20));
      await s.putRevocation(revocation('rev-a', 10));
      await s.putRevocation(revocation('rev/../c', 15));
      await s.putRevocation(revocation('rev-b', 30, { reason: 'compromised' }));
      const listed = (await s.listRevocations()).filter((r) => r.clientId.startsWith('rev'));
      expect(listed).toEqual([revocation('rev-a', 10), revocation('rev/../c', 15), revocation('rev-b', 30, { reason: 'compromised' })]);
    });

    it(`${name} - audit: newest first, at most limit`, async () => {
      const s = await open({ namespace: 'audit-order' });
      expect(await s.listAudit(10)).toEqual([]);
      for (let i = 0; i < 12; i++) await s.appendAudit(audit(i));
      expect(await s.listAudit(5)).toEqual([11, 10, 9, 8, 7].map(audit));
      expect((await s.listAudit(100)).map((e) => e.detail)).toEqual(Array.from({ length: 12 }, (_, i) => `entry ${11 - i}`));
      expect(await s.listAudit(0)).toEqual([]);
    });

    it(`${name} - audit: only the newest entries up to the retention are kept`, async () => {
      const retention = 20;
      const s = await open({ namespace: 'audit-retention', auditRetention: retention });
      for (let i = 0; i < 57; i++) await s.appendAudit(audit(i));
      const newest = (from: number) => Array.from({ length: retention }, (_, i) => audit(from - i));
      expect(await s.listAudit(1000)).toEqual(newest(56));
      // Appends from a second store on the same data keep the same bound.
      const again = await open({ namespace: 'audit-retention', auditRetention: retention });
      for (let i = 57; i < 70; i++) await again.appendAudit(audit(i));
      expect(await again.listAudit(1000)).toEqual(newest(69));
      expect(await s.listAudit(3)).toEqual([69, 68, 67].map(audit));
    });

    it(`${name} - two stores on the same backend write concurrently and both see everything`, async () => {
      const [s1, s2] = [await open(), await open()];
      const writes = [];
      for (let i = 0; i < 20; i++) {
        writes.push((i % 2 ? s1 : s2).putRound(round('run-c', i + 1, 1)));
        writes.push((i % 2 ? s2 : s1).putClient(client(`c-${i}`)));
      }
      // Both hammer the same key too: one of their values wins, intact.
      for (let i = 0; i < 10; i++) writes.push((i % 2 ? s1 : s2).putRun(run('run-c', 5, { committedRounds: i })));
      await Promise.all(writes);
      for (const s of [s1, s2]) {
        expect((await s.listRounds('run-c')).map((r) => r.round)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect((await s.listClients()).filter((c) => c.clientId.startsWith('c-'))).toHaveLength(20);
        expect((await s.getRun('run-c'))!.committedRounds).toBeGreaterThanOrEqual(0);
      }
    });

    it(`${name} - what was written is there after reopening (when the backend is durable)`, async () => {
      const s = await open({ namespace: 'reopen' });
      const m = model(5000, 9);
      await s.putRun(run('run-d', 1, { modelVersion: m.version }));
      await s.putModel('run-d', m.version, m.weights);
      const [fresh, used] = [tokenHash('reopen-fresh'), tokenHash('reopen-used')];
      await s.putEnrollment(enrollment(fresh));
      await s.putEnrollment(enrollment(used));
      expect(await s.takeEnrollment(used, 1)).toBeDefined();
      await s.putRevocation(revocation('edge-revoked', 5));
      for (let i = 0; i < 3; i++) await s.appendAudit(audit(i));
      await s.close();
      const again = await open({ namespace: 'reopen' });
      if (!backend.durable) return;
      expect((await again.getRun('run-d'))!.modelVersion).toBe(m.version);
      expect(sha256Hex(float32ToBytes((await again.getModel('run-d', m.version))!))).toBe(m.version);
      expect(await again.takeEnrollment(used, 2)).toBeUndefined();
      expect(await again.takeEnrollment(fresh, 2)).toEqual(enrollment(fresh));
      expect(await again.listRevocations()).toEqual([revocation('edge-revoked', 5)]);
      expect(await again.listAudit(10)).toEqual([2, 1, 0].map(audit));
    });
  });
}
