/**
 * The Store contract: what every backend (memory, files, NATS JetStream) must
 * do, run by store.contract.test.ts against each. `open()` returns a store on
 * the same backend every time (a second coordinator process would see the same
 * state), so reopening tests durability and two opens test concurrent writers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { ClientRecord, RoundRecord, RunRecord } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { Store } from '../../services/coordinator/store/store';
import { runConfig } from '../helpers/run-config';

/** A backend under test. */
export interface StoreBackend {
  /** A store on the backend (a fresh connection each call, same data). */
  open(): Promise<Store>;
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

export function model(n: number, seed: number): { weights: Float32Array; version: string } {
  const weights = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
  return { weights, version: sha256Hex(float32ToBytes(weights)) };
}

export function storeContract(name: string, make: () => Promise<StoreBackend>): void {
  describe(`store contract: ${name}`, () => {
    let backend: StoreBackend;
    const opened: Store[] = [];
    const open = async () => {
      backend ??= await make();
      const s = await backend.open();
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
      const s = await open();
      const m = model(5000, 9);
      await s.putRun(run('run-d', 1, { modelVersion: m.version }));
      await s.putModel('run-d', m.version, m.weights);
      await s.close();
      const again = await open();
      if (!backend.durable) return;
      expect((await again.getRun('run-d'))!.modelVersion).toBe(m.version);
      expect(sha256Hex(float32ToBytes((await again.getModel('run-d', m.version))!))).toBe(m.version);
    });
  });
}
