/**
 * Exact, order-independent aggregation through the real round code (RunDriver,
 * Round, receivers and sinks, fake fleet and clock): a refused, abandoned or
 * late upload never touches the sum, and the committed model is, bit for bit,
 * the fold of the accepted updates in client-id order, whatever order they
 * arrived in. The first four tests are the failures measured on the old
 * fold-as-it-arrives-then-undo design (issue 11).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { DEFAULT_VALUE_BOUND } from '../../common/codecs';
import { InvalidArgumentError, ResourceExhaustedError } from '../../common/errors';
import { EventBus } from '../../common/event-bus';
import { silentLogger } from '../../common/logger';
import type { ModelSpec, RoundRecord, RunRecord, TrainTask } from '../../common/types';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { RunDriver, type RunEvent } from '../../services/coordinator/rounds/run-driver';
import type { Round } from '../../services/coordinator/rounds/round';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** One upload attempt as a client makes it. */
type Attempt =
  | { kind: 'good'; values: Float32Array; n: number }
  /** Sent `values`, header sha256 of something else. */
  | { kind: 'badsha'; values: Float32Array; n: number }
  /** Header sha256 of `values`, one bit of the sent bytes flipped. */
  | { kind: 'bitflip'; values: Float32Array; n: number; bit: number }
  /** Half sent, then the call broke off and never resumed. */
  | { kind: 'abandoned'; values: Float32Array; n: number }
  /** Half sent, broke off, resumed on a new call and completed. */
  | { kind: 'resumed'; values: Float32Array; n: number }
  /** Half sent before the deadline, the rest after the round closed. */
  | { kind: 'late'; values: Float32Array; n: number };

/** A round with `clients`, each making its attempts; `order` interleaves their steps. */
interface Scenario {
  params: number;
  clients: Record<string, Attempt[]>;
  /** Client ids, one per step, in arrival order (each attempt is two steps of its client). */
  order: string[];
}

const CHUNK = 12; // bytes: three values per chunk, so every upload is several chunks

/** Plays a scenario through RunDriver and a real Round; returns the committed model and the round record. */
async function play(s: Scenario, valueBound?: number, over: Partial<RunRecord['config']> = {}): Promise<{ weights: Float32Array | undefined; round: RoundRecord; run: RunRecord }> {
  const ids = Object.keys(s.clients);
  const spec: ModelSpec = { name: 'mlp', inputShape: [1], numClasses: 1, tensors: [{ name: 'w', shape: [s.params] }] };
  const clock = new FakeClock();
  const fleet = new FakeFleet(ids);
  const store = new MemoryStore();
  const run: RunRecord = {
    runId: 'run-x', state: 'pending', model: spec, currentRound: 0, committedRounds: 0, createdAtMs: 0, updatedAtMs: 0, modelVersion: '',
    config: runConfig({ clientsPerRound: ids.length, minClients: 1, acceptFailures: true, roundDeadlineMs: 60_000, ...over }),
  };
  const tasks = new Map<string, TrainTask>();
  fleet.onDispatch = (id, task) => tasks.set(id, task);
  const driver = new RunDriver(run, new Float32Array(s.params), { store, fleet, clock, logger: silentLogger(), events: new EventBus<RunEvent>(), maxUpdateBytes: 1 << 20, selectionGraceMs: 0, valueBound });
  const done = driver.start();
  while (tasks.size < ids.length) await tick(1);
  const round = driver.currentRound!;
  const players = new Map(ids.map((id) => [id, new Player(round, id, tasks.get(id)!, s.clients[id])]));
  const late: Array<() => void> = [];
  for (const id of s.order) players.get(id)!.step(late);
  // The deadline closes the round; late uploads try to finish after it.
  clock.advance(60_001);
  for (const f of late) f();
  const finished = await done;
  const [record] = await store.listRounds('run-x');
  return { weights: finished.modelVersion ? await store.getModel('run-x', finished.modelVersion) : undefined, round: record, run: finished };
}

/** One client's side: each attempt in two steps, reacting to errors as fleet-service.ts does. */
class Player {
  private next = 0;
  private half = false;
  private token = 0;
  private receiver: ReturnType<Round['beginUpdate']> | undefined;

  constructor(
    private readonly round: Round,
    private readonly id: string,
    private readonly task: TrainTask,
    private readonly attempts: Attempt[],
  ) {}

  step(late: Array<() => void>): void {
    const k = this.next;
    const a = this.attempts[k];
    if (!a) return;
    const truth = float32ToBytes(a.values);
    const sent = Uint8Array.from(truth);
    if (a.kind === 'bitflip') sent[a.bit >> 3] ^= 1 << (a.bit & 7);
    const sha = a.kind === 'badsha' ? sha256Hex(Uint8Array.from(truth, (b) => b ^ 0xff)) : sha256Hex(truth);
    const header = { taskId: this.task.taskId, transferId: `t-${this.id}-${k}`, encoding: 'float32', totalBytes: truth.length, sha256: sha, tensors: [{ name: 'w', shape: [a.values.length] }], numExamples: a.n };
    const mid = Math.floor(sent.length / 8) * 4;
    if (!this.half) {
      this.half = true;
      this.guard(() => {
        this.receiver = this.round.beginUpdate(this.id, header);
        this.token = this.receiver.claim();
        this.send(sent, 0, mid);
        if (a.kind === 'abandoned' || a.kind === 'resumed') this.receiver.abort('connection reset', false, this.token);
      });
      return;
    }
    this.half = false;
    this.next++;
    if (a.kind === 'abandoned') return;
    const finish = () =>
      this.guard(() => {
        if (a.kind === 'resumed') {
          this.receiver = this.round.beginUpdate(this.id, header);
          this.token = this.receiver.claim();
          this.send(sent, 0, sent.length); // a resumed call re-sends from 0; the receiver skips what it has
        } else this.send(sent, mid, sent.length);
        this.receiver!.complete(this.token);
      });
    if (a.kind === 'late') late.push(finish);
    else finish();
  }

  private send(bytes: Uint8Array, from: number, to: number): void {
    for (let off = from; off < to; off += CHUNK) this.receiver!.write(off, bytes.subarray(off, Math.min(to, off + CHUNK)), undefined, this.token);
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.receiver?.abort((err as Error).message, err instanceof InvalidArgumentError || err instanceof ResourceExhaustedError, this.token);
    }
  }
}

/** Whether an attempt's upload is one the round must accept. */
function acceptable(a: Attempt): boolean {
  return (a.kind === 'good' || a.kind === 'resumed') && a.values.every((v) => Math.abs(v) <= DEFAULT_VALUE_BOUND);
}

/**
 * The reference, from the accepted updates only: FedAvg in float32, folded in client-id
 * order with weights n/Σn (rounded to float32), each product and each sum rounded to float32.
 */
function reference(s: Scenario): Float32Array | undefined {
  const accepted = Object.keys(s.clients)
    .sort()
    .flatMap((id) => s.clients[id].filter(acceptable).slice(0, 1));
  if (accepted.length === 0) return undefined;
  const total = accepted.reduce((t, a) => t + a.n, 0);
  const sum = new Float32Array(s.params);
  accepted.forEach((a, k) => {
    const w = Math.fround(a.n / total);
    for (let i = 0; i < s.params; i++) sum[i] = k === 0 ? w * a.values[i] : sum[i] + Math.fround(w * a.values[i]);
  });
  return sum;
}

/** The reference for `median`: per parameter, the median of the accepted updates' values (the mean of the middle two for an even count). */
function referenceMedian(s: Scenario): Float32Array | undefined {
  const accepted = Object.keys(s.clients).flatMap((id) => s.clients[id].filter(acceptable).slice(0, 1));
  if (accepted.length === 0) return undefined;
  return Float32Array.from({ length: s.params }, (_, i) => {
    const col = accepted.map((a) => a.values[i]).sort((x, y) => x - y);
    const mid = col.length >> 1;
    return col.length % 2 ? col[mid] : (col[mid - 1] + col[mid]) / 2;
  });
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const fill = (n: number, v: number) => new Float32Array(n).fill(v);
const inOrder = (clients: Record<string, Attempt[]>) => Object.entries(clients).flatMap(([id, as]) => as.flatMap(() => [id, id]));

describe('exact aggregation', () => {
  it('exact aggregation - a refused 1e30 upload with a wrong checksum, then the honest one: the round commits 1.0, not 0.5', async () => {
    const clients: Record<string, Attempt[]> = {
      a: [{ kind: 'good', values: fill(64, 1), n: 100 }],
      b: [{ kind: 'badsha', values: fill(64, 1e30), n: 100 }, { kind: 'good', values: fill(64, 1), n: 100 }],
    };
    const { weights, round } = await play({ params: 64, clients, order: inOrder(clients) });
    expect(round.state).toBe('committed');
    expect(round.clients.map((c) => c.state)).toEqual(['finished', 'finished']);
    expect(Array.from(weights!)).toEqual(Array.from(fill(64, 1)));
  });

  it('exact aggregation - one exponent bit flipped in transit is refused and leaves the parameter as the accepted updates say', async () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => 0.2007 + i / 1000);
    // Bit 30 of parameter 5, the exponent's top bit: 0.2057 becomes about 7e37.
    const clients: Record<string, Attempt[]> = {
      a: [{ kind: 'good', values, n: 10 }],
      b: [{ kind: 'bitflip', values, n: 10, bit: 5 * 32 + 30 }, { kind: 'good', values, n: 10 }],
    };
    const flipped = Uint8Array.from(float32ToBytes(values));
    flipped[5 * 4 + 3] ^= 1 << 6;
    expect(new Float32Array(flipped.buffer)[5]).toBeGreaterThan(1e37);
    const s = { params: 32, clients, order: inOrder(clients) };
    const { weights, round } = await play(s);
    const b = round.clients.find((c) => c.clientId === 'b')!;
    expect(b.state, b.reason).toBe('finished');
    expect(weights![5]).toBe(values[5]);
    expect(bits(weights!)).toBe(bits(reference(s)!));
  });

  it('exact aggregation - the run driver\'s value bound (--update-value-bound) refuses an update past it by name; the rest commit', async () => {
    const clients: Record<string, Attempt[]> = {
      a: [{ kind: 'good', values: fill(8, 99), n: 1 }],
      b: [{ kind: 'good', values: fill(8, 500), n: 1 }],
    };
    const { weights, round } = await play({ params: 8, clients, order: inOrder(clients) }, 100);
    const b = round.clients.find((c) => c.clientId === 'b')!;
    expect(b.state).toBe('rejected');
    expect(b.reason).toMatch(/outside the update value bound of ±100/);
    expect(Array.from(weights!)).toEqual(Array.from(fill(8, 99)));
  });

  it('exact aggregation - a refused 3e38 upload after good ones neither overflows nor fails the run: the round commits', async () => {
    const clients: Record<string, Attempt[]> = {
      a: [{ kind: 'good', values: fill(16, 2), n: 3 }],
      c: [{ kind: 'good', values: fill(16, 3), n: 1 }],
      b: [{ kind: 'badsha', values: fill(16, 3e38), n: 50 }],
    };
    const s = { params: 16, clients, order: inOrder(clients) };
    const { weights, round, run } = await play(s);
    expect(run.state).toBe('completed');
    expect(round.state).toBe('committed');
    const b = round.clients.find((c) => c.clientId === 'b')!;
    expect(b.state).toBe('rejected');
    expect(b.reason).toMatch(/outside the update value bound of ±1e\+30/);
    expect(Array.from(weights!)).toEqual(Array.from(fill(16, 2.25)));
  });

  it('exact aggregation - ordinary refused and abandoned uploads leave not one ulp behind', async () => {
    const rand = (seed: number) => Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 12.9898 + seed) * 43758.5453 % 1);
    const good: Record<string, Attempt[]> = { a: [{ kind: 'good', values: rand(1), n: 7 }], b: [{ kind: 'good', values: rand(2), n: 13 }], c: [{ kind: 'good', values: rand(3), n: 5 }] };
    const noisy: Record<string, Attempt[]> = {
      a: [{ kind: 'badsha', values: rand(9), n: 7 }, { kind: 'good', values: rand(1), n: 7 }],
      b: [{ kind: 'abandoned', values: rand(8), n: 13 }, { kind: 'bitflip', values: rand(2), n: 13, bit: 901 }, { kind: 'good', values: rand(2), n: 13 }],
      c: [{ kind: 'good', values: rand(3), n: 5 }],
      d: [{ kind: 'badsha', values: rand(4), n: 100 }],
    };
    const clean = await play({ params: 256, clients: good, order: inOrder(good) });
    const withRefusals = await play({ params: 256, clients: noisy, order: ['d', 'b', 'a', 'b', 'd', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'b'] });
    expect(bits(withRefusals.weights!)).toBe(bits(clean.weights!));
  });

  describe('property', () => {
    const specials = [3e38, -3e38, 1e30, -1e30, 1.4e-45, -1.4e-45, 1.1754942e-38, 0, -0, 1, -1, 0.1];
    // Mostly ordinary values, so most rounds accept several updates; extremes in a fifth.
    const value = fc.oneof(
      { arbitrary: fc.float({ min: -10, max: 10, noNaN: true }), weight: 8 },
      { arbitrary: fc.constantFrom(...specials), weight: 1 },
      { arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
    );
    const PARAMS = 6;
    const values = fc.array(value, { minLength: PARAMS, maxLength: PARAMS }).map((v) => Float32Array.from(v));
    const n = fc.integer({ min: 1, max: 1000 });
    const bad = fc.oneof(
      fc.record({ kind: fc.constant('badsha' as const), values, n }),
      fc.record({ kind: fc.constant('bitflip' as const), values, n, bit: fc.integer({ min: 0, max: PARAMS * 32 - 1 }) }),
      fc.record({ kind: fc.constant('abandoned' as const), values, n }),
    );
    const last = fc.oneof(
      fc.record({ kind: fc.constant('good' as const), values, n }),
      fc.record({ kind: fc.constant('resumed' as const), values, n }),
      fc.record({ kind: fc.constant('late' as const), values, n }),
    );
    const client = fc.tuple(fc.array(bad, { maxLength: 2 }), fc.option(last, { nil: undefined })).map(([b, l]): Attempt[] => (l ? [...b, l] : b));
    // Client ids deliberately unsorted, so client-id order is not insertion order.
    const scenario = fc
      .tuple(fc.array(client, { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.nat()), fc.infiniteStream(fc.nat()))
      .map(([cs, r1, r2]) => {
        const clients = Object.fromEntries(cs.map((as, k) => [`c${'zyxw'[k]}`, as]));
        const shuffle = (rng: IterableIterator<number>) => {
          // Interleave the clients' steps at random, keeping each client's own order.
          const left = Object.fromEntries(Object.entries(clients).map(([id, as]) => [id, as.length * 2]));
          const order: string[] = [];
          for (;;) {
            const open = Object.keys(left).filter((id) => left[id] > 0);
            if (open.length === 0) return order;
            const id = open[rng.next().value % open.length];
            left[id]--;
            order.push(id);
          }
        };
        return { clients, orders: [shuffle(r1), shuffle(r2)] };
      });

    it('exact aggregation - random accepted, refused, abandoned, resumed and late uploads with extreme values commit, bit for bit and in any arrival order, the fold of the accepted ones', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ clients, orders }) => {
          const want = reference({ params: PARAMS, clients, order: [] });
          const got = [];
          for (const order of orders) {
            const { weights, round } = await play({ params: PARAMS, clients, order });
            for (const c of round.clients) {
              const accepted = clients[c.clientId].some(acceptable);
              expect(c.state === 'finished', `${c.clientId}: ${c.state} ${c.reason ?? ''}`).toBe(accepted);
            }
            if (want === undefined) expect(round.state).toBe('failed');
            else expect(bits(weights!)).toBe(bits(want));
            got.push(weights && bits(weights));
          }
          expect(got[1]).toBe(got[0]);
        }),
        { numRuns: 50 },
      );
    }, 60_000);

    it('exact aggregation - the same uploads under the median strategy commit, bit for bit and in any arrival order, the median of the accepted ones', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ clients, orders }) => {
          const want = referenceMedian({ params: PARAMS, clients, order: [] });
          const got = [];
          for (const order of orders) {
            const { weights, round } = await play({ params: PARAMS, clients, order }, undefined, { strategy: 'median', strategyOptions: {} });
            if (want === undefined) expect(round.state).toBe('failed');
            else {
              expect(bits(weights!)).toBe(bits(want));
              expect(round.aggregation).toMatch(/^coordinate-wise median of \d+ update\(s\)$/);
            }
            got.push(weights && bits(weights));
          }
          expect(got[1]).toBe(got[0]);
        }),
        { numRuns: 30 },
      );
    }, 60_000);
  });
});
