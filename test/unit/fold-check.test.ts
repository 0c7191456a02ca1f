/**
 * The fold checks what it reads back from the spool (file-journal.ts): an
 * accepted update whose spool file changed between its arrival and round close
 * is refused, and the round folds the rest as if it had never been accepted —
 * or fails, saying why, when its rules (min_clients, accept_failures, a robust
 * rule's minimum) do not allow committing without it.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkDigest } from '../../common/chunk-check/chunk-checker';
import { FakeClock } from '../../common/clock';
import { DEFAULT_VALUE_BOUND, encodeUpdate } from '../../common/codecs';
import { DataLossError } from '../../common/errors';
import { EventBus } from '../../common/event-bus';
import { silentLogger } from '../../common/logger';
import { createRng } from '../../common/random';
import type { ModelSpec, RunConfig, RunRecord, TrainTask } from '../../common/types';
import { chunks, float32ToBytes } from '../../common/weights-codec';
import { aggregateRound } from '../../services/coordinator/aggregation/aggregate-round';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';
import { RunDriver, type RunEvent } from '../../services/coordinator/rounds/run-driver';
import { createJournal, JournalBudget } from '../../services/coordinator/rounds/update-journal';
import { encodedSink, float32Sink } from '../../services/coordinator/rounds/update-sink';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { strategy, withDefaults } from '../../services/coordinator/strategy/registry';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';

const P = 100_000;
const CHUNK = 64 * 1024;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function spool(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'fedlink-fold-check-'));
  dirs.push(d);
  return d;
}

function values(seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: P }, () => rng() * 2 - 1);
}

/** Flips one bit of the only spool file whose name ends with `suffix`. */
function corrupt(dir: string, suffix: string, at: number): void {
  const [file] = readdirSync(dir).filter((f) => f.endsWith(suffix));
  const fd = openSync(path.join(dir, file), 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] ^= 0x01;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

/** An accepted update of `v` from `clientId`, uploaded with chunk digests, journaled in `spoolDir` when given. */
function accepted(acc: StreamingFedAvg, clientId: string, n: number, v: Float32Array, spoolDir?: string): void {
  const bytes = float32ToBytes(v);
  const journal = createJournal(bytes.length, clientId, spoolDir ? { spoolDir, memoryMaxBytes: 0 } : {});
  const sink = float32Sink(P, { journal, sha256: '', chunkDigest: 'xxh64', bound: DEFAULT_VALUE_BOUND });
  for (const [offset, data] of chunks(bytes, CHUNK)) sink.write(offset, data, chunkDigest(data, offset));
  sink.finish();
  acc.add({ clientId, numExamples: n, kind: 'weights', encoding: 'float32', journal: sink.handOver() });
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('fold check', () => {
  it('fold check - an update whose spool file changed is refused with its offset, and the rest average to the bits of a round that never had it', () => {
    const dir = spool();
    const [a, b, c] = [values(1), values(2), values(3)];
    const acc = new StreamingFedAvg(P);
    accepted(acc, 'a', 30, a);
    accepted(acc, 'b', 20, b, dir);
    accepted(acc, 'c', 10, c, dir);
    corrupt(dir, '-b.journal', 3 * CHUNK + 17);
    const out = acc.average();
    expect(acc.refused).toEqual([{ clientId: 'b', offset: 3 * CHUNK, reason: expect.stringMatching(/bytes at offset 196608 do not match the digest they were written with/) }]);
    expect(acc.count).toBe(1 + 1);
    expect(readdirSync(dir).filter((f) => f.endsWith('-b.journal'))).toEqual([]); // its journal is closed

    const without = new StreamingFedAvg(P);
    accepted(without, 'a', 30, a);
    accepted(without, 'c', 10, c, spool());
    expect(bits(out).equals(bits(without.average()))).toBe(true);
    void acc.dispose();
    void without.dispose();
  });

  it('fold check - a refused delta takes its weight and its share of the global model with it', () => {
    const dir = spool();
    const global = values(20);
    const deltaOf = (v: Float32Array) => encodeUpdate(v.map((x, i) => x - global[i]), 'int8');
    const sendDelta = (acc: StreamingFedAvg, clientId: string, n: number, v: Float32Array, spoolDir?: string) => {
      const payload = deltaOf(v);
      const journal = createJournal(payload.length, clientId, spoolDir ? { spoolDir, memoryMaxBytes: 0 } : {});
      const sink = encodedSink('int8', P, payload.length, { journal, sha256: '', chunkDigest: 'xxh64', bound: DEFAULT_VALUE_BOUND });
      for (const [offset, data] of chunks(Buffer.from(payload), CHUNK)) sink.write(offset, data, chunkDigest(data, offset));
      sink.finish();
      acc.add({ clientId, numExamples: n, kind: sink.kind, encoding: 'int8', journal: sink.handOver() });
    };
    const [a, d] = [values(21), values(22)];
    const acc = new StreamingFedAvg(P);
    accepted(acc, 'a', 30, a);
    sendDelta(acc, 'd', 20, d, dir);
    corrupt(dir, '-d.journal', 1000);
    const out = acc.average(global);
    expect(acc.refused.map((r) => r.clientId)).toEqual(['d']);
    const without = new StreamingFedAvg(P);
    accepted(without, 'a', 30, a);
    expect(bits(out).equals(bits(without.average(global)))).toBe(true);
    void acc.dispose();
    void without.dispose();
  });

  it('fold check - when every accepted update is refused the average is data loss, not a model', () => {
    const dir = spool();
    const acc = new StreamingFedAvg(P);
    accepted(acc, 'a', 1, values(4), dir);
    corrupt(dir, '-a.journal', 5);
    expect(() => acc.average()).toThrow(DataLossError);
    expect(acc.refused.map((r) => r.clientId)).toEqual(['a']);
    void acc.dispose();
  });

  it('fold check - the rules that read updates whole leave a refused update out too', () => {
    const dir = spool();
    const vs = [values(5), values(6), values(7), values(8)];
    const acc = new StreamingFedAvg(P);
    vs.forEach((v, k) => accepted(acc, `c${k}`, 10, v, dir));
    corrupt(dir, '-c2.journal', 100);
    const plan = { strategy: strategy('median'), options: withDefaults('median', {}), spoolDir: dir };
    const out = aggregateRound(acc, new Float32Array(P), plan);
    expect(acc.refused.map((r) => [r.clientId, r.offset])).toEqual([['c2', 0]]);
    expect(out.note).toMatch(/median of 3 update/);
    const rest = new StreamingFedAvg(P);
    [0, 1, 3].forEach((k) => accepted(rest, `c${k}`, 10, vs[k], spool()));
    expect(bits(out.values).equals(bits(aggregateRound(rest, new Float32Array(P), { ...plan, spoolDir: spool() }).values))).toBe(true);
    void acc.dispose();
    void rest.dispose();
  });
});

describe('fold check through a round', () => {
  const SPEC: ModelSpec = { name: 'mlp', inputShape: [1], numClasses: 1, tensors: [{ name: 'w', shape: [P] }] };
  const plan = [
    { id: 'a', n: 30, v: values(11), digests: true },
    { id: 'b', n: 20, v: values(12), digests: true },
    { id: 'c', n: 10, v: values(13), digests: false }, // an older client: the sha256 of the whole
  ];

  /** Runs one round of a, b and c with every journal spooled, corrupting b's spool file once all three are accepted. */
  async function roundWithCorruptSpool(config: Partial<RunConfig>): Promise<{ run: RunRecord; store: MemoryStore; drops: string[] }> {
    const dir = spool();
    const clock = new FakeClock();
    const fleet = new FakeFleet(plan.map((p) => p.id));
    const store = new MemoryStore();
    const drops: string[] = [];
    const run: RunRecord = {
      runId: 'run-fold', state: 'pending', model: SPEC, currentRound: 0, committedRounds: 0, createdAtMs: 0, updatedAtMs: 0, modelVersion: '',
      config: runConfig({ clientsPerRound: 3, roundDeadlineMs: 600_000, ...config }),
    };
    const tasks = new Map<string, TrainTask>();
    fleet.onDispatch = (id, task) => tasks.set(id, task);
    const driver = new RunDriver(run, new Float32Array(P), {
      store, fleet, clock, logger: silentLogger(), events: new EventBus<RunEvent>(), maxUpdateBytes: 64 << 20, selectionGraceMs: 0, spoolDir: dir,
      journals: { budget: new JournalBudget(0), memoryMaxBytes: 0 },
      lifecycle: (e) => (e.type === 'client-dropped' ? drops.push(`${e.clientId}: ${e.reason}`) : undefined),
    });
    const done = driver.start();
    while (tasks.size < plan.length) await new Promise((r) => setImmediate(r));
    const round = driver.currentRound!;
    for (const { id, n, v, digests } of plan) {
      const bytes = float32ToBytes(v);
      const receiver = round.beginUpdate(id, {
        taskId: tasks.get(id)!.taskId, transferId: `t-${id}`, encoding: 'float32', totalBytes: bytes.length, tensors: SPEC.tensors, numExamples: n,
        sha256: digests ? '' : createHash('sha256').update(bytes).digest('hex'), chunkDigest: digests ? 'xxh64' : '',
      });
      for (const [offset, data] of chunks(bytes, CHUNK)) receiver.write(offset, data, undefined, undefined, digests ? chunkDigest(data, offset) : undefined);
      receiver.complete();
    }
    // Between arrival and close: one bit of b's spool file changes.
    corrupt(dir, '-b.journal', 5 * CHUNK + 3);
    for (const { id, n } of plan) {
      const m = { loss: 1, accuracy: 0.5, numExamples: n };
      round.acceptReport(id, { taskId: tasks.get(id)!.taskId, transferId: `t-${id}`, numExamples: n, train: m, localEval: m, durationMs: 1 });
    }
    const finished = await done;
    expect(readdirSync(dir)).toEqual([]); // every journal is gone, committed or not
    return { run: finished, store, drops };
  }

  it('fold check - a round commits without the update whose spool file changed, and says so', async () => {
    const { run, store, drops } = await roundWithCorruptSpool({ minClients: 2 });
    expect(run.state, run.reason).toBe('completed');
    const [record] = await store.listRounds('run-fold');
    expect(record.state).toBe('committed');
    const b = record.clients.find((c) => c.clientId === 'b')!;
    expect(b.state).toBe('rejected');
    expect(b.reason).toMatch(/^update refused at the fold: spool file .*the 65536 bytes at offset 327680 do not match the digest they were written with/);
    expect(record.aggregation).toMatch(/left out at the fold \(spool file changed on disk\): b/);
    expect(drops).toEqual([expect.stringMatching(/^b: update refused at the fold/)]);
    // The committed model is the average of a and c alone, bit for bit.
    const expected = new StreamingFedAvg(P);
    for (const p of [plan[0], plan[2]]) accepted(expected, p.id, p.n, p.v);
    const model = (await store.getModel('run-fold', run.modelVersion))!;
    expect(bits(model).equals(bits(expected.average()))).toBe(true);
    void expected.dispose();
  });

  it('fold check - a round that cannot commit without it fails with the reason, and no model is committed', async () => {
    const { run, store } = await roundWithCorruptSpool({ minClients: 3 });
    expect(run.state).toBe('failed');
    expect(run.committedRounds).toBe(0);
    const [record] = await store.listRounds('run-fold');
    expect(record.state).toBe('failed');
    expect(record.reason).toBe('the update(s) of b failed their check at the fold (spool file changed on disk); only 2 of 3 selected client(s) reported; min_clients is 3');
    expect(run.reason).toContain(record.reason);
  });
});
