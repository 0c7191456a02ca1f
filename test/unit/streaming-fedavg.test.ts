/**
 * The round's FedAvg: uploads are checked and journaled as they arrive, only
 * accepted ones are folded (at average time, in client-id order), and anything
 * else never touches the sum.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDense, DEFAULT_VALUE_BOUND, encodeUpdate } from '../../common/codecs';
import { InvalidArgumentError } from '../../common/errors';
import { createRng } from '../../common/random';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';
import type { StreamingKernel } from '../../services/coordinator/aggregation/streaming-sum';
import { createJournal, type JournalOptions } from '../../services/coordinator/rounds/update-journal';
import { encodedSink, float32Sink, type UpdateSink } from '../../services/coordinator/rounds/update-sink';

const spool = mkdtempSync(path.join(tmpdir(), 'fedlink-spool-test-'));
afterAll(() => rmSync(spool, { recursive: true, force: true }));

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
}

/** Streams `payload` into `sink` in chunks of random sizes (multiples of 4 when `aligned`). */
function stream(sink: UpdateSink, payload: Uint8Array, seed: number, upTo = payload.length, aligned = true): void {
  const rng = createRng(seed);
  for (let off = 0; off < upTo; ) {
    let len = 1 + Math.floor(rng() * 5000);
    if (aligned) len = Math.max(4, len - (len % 4));
    len = Math.min(len, upTo - off);
    sink.write(off, payload.subarray(off, off + len));
    off += len;
  }
}

function rawSink(values: Float32Array, journal: JournalOptions = {}, bound = DEFAULT_VALUE_BOUND): { sink: UpdateSink; bytes: Uint8Array } {
  const bytes = float32ToBytes(values);
  const target = { journal: createJournal(bytes.length, 'test', journal), sha256: sha256Hex(bytes), bound };
  return { sink: float32Sink(values.length, target), bytes };
}

function encSink(encoding: string, n: number, payload: Uint8Array, sparseAverage = false): UpdateSink {
  return encodedSink(encoding, n, payload.length, { journal: createJournal(payload.length, 'x', {}), sha256: sha256Hex(payload), bound: DEFAULT_VALUE_BOUND, sparseAverage });
}

let nextClient = 0;
/** Hands a finished sink's update to the accumulator, as a round does when an upload is verified. */
function accept(fedavg: StreamingFedAvg, sink: UpdateSink, numExamples: number, encoding = 'float32', clientId = `c${String(nextClient++).padStart(4, '0')}`): void {
  fedavg.add({ clientId, numExamples, kind: sink.kind, encoding, journal: sink.handOver() });
}

function reference(updates: Array<{ values: Float32Array; n: number }>): Float64Array {
  const out = new Float64Array(updates[0].values.length);
  const total = updates.reduce((s, u) => s + u.n, 0);
  for (const u of updates) for (let i = 0; i < out.length; i++) out[i] += (u.n * u.values[i]) / total;
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each<StreamingKernel>(['wasm-simd', 'scalar'])('streaming fedavg on %s', (kernel) => {
  const N = 10_007;

  it('streaming fedavg - chunked uploads with unequal weights average to the weighted reference', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    expect(fedavg.kernel).toBe(kernel);
    const updates = [3, 1, 40].map((n, k) => ({ values: randomArray(N, 10 + k), n }));
    // Interleaved: every upload is in flight at once, as on a real round.
    const sinks = updates.map((u, k) => ({ ...rawSink(u.values), k }));
    for (const s of sinks) stream(s.sink, s.bytes, s.k, Math.floor(s.bytes.length / 8) * 4);
    for (const s of sinks) {
      const from = Math.floor(s.bytes.length / 8) * 4;
      s.sink.write(from, s.bytes.subarray(from));
      s.sink.finish();
      accept(fedavg, s.sink, updates[s.k].n);
    }
    expect(fedavg.count).toBe(3);
    expect(fedavg.weight).toBe(44);
    expect(maxDiff(fedavg.average(), reference(updates))).toBeLessThan(1e-6);
  });

  it('streaming fedavg - a single update averages back to itself', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const values = randomArray(N, 7, 3);
    const { sink, bytes } = rawSink(values);
    stream(sink, bytes, 1);
    sink.finish();
    accept(fedavg, sink, 123);
    expect(maxDiff(fedavg.average(), values)).toBeLessThan(1e-6);
  });

  it('streaming fedavg - the result reserved at round open is the average, and the caller owns it', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    fedavg.reserveResult();
    const values = randomArray(N, 8, 2);
    const { sink, bytes } = rawSink(values);
    stream(sink, bytes, 1);
    sink.finish();
    accept(fedavg, sink, 5);
    const first = fedavg.average();
    expect(maxDiff(first, values)).toBeLessThan(1e-6);
    const kept = first.slice();
    // A second average is written to a new array, never over the one already handed out.
    const second = fedavg.average();
    expect(second).not.toBe(first);
    expect(first).toEqual(kept);
    expect(second).toEqual(kept);
  });

  it('streaming fedavg - a broken-off upload (in memory or spooled to a file) leaves no trace', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const kept = { values: randomArray(N, 1), n: 5 };
    const a = rawSink(kept.values);
    const dropped = rawSink(randomArray(N, 2, 100), { spoolDir: spool, memoryMaxBytes: 0 });
    stream(dropped.sink, dropped.bytes, 3, 24_000);
    expect(readdirSync(spool).length).toBe(1); // the journal went to the spool dir
    stream(a.sink, a.bytes, 4);
    a.sink.finish();
    accept(fedavg, a.sink, kept.n);
    dropped.sink.discard();
    dropped.sink.discard(); // idempotent
    expect(readdirSync(spool)).toEqual([]);
    expect(fedavg.average()).toEqual(kept.values);
  });

  it('streaming fedavg - a chunk with a NaN is refused whole and changes nothing', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const values = randomArray(N, 5);
    const bad = values.slice();
    bad[1500] = Number.NaN;
    const good = rawSink(values);
    stream(good.sink, good.bytes, 9);
    good.sink.finish();
    accept(fedavg, good.sink, 2);
    const b = rawSink(bad);
    b.sink.write(0, b.bytes.subarray(0, 4000));
    expect(() => b.sink.write(4000, b.bytes.subarray(4000, 8000))).toThrow(/non-finite value NaN at parameter 1500/);
    expect(() => b.sink.write(4000, b.bytes.subarray(4000, 8000))).toThrow(InvalidArgumentError); // the sink stays dead
    b.sink.discard();
    expect(maxDiff(fedavg.average(), values)).toBe(0);
  });

  it('streaming fedavg - encoded deltas fold into the sum next to raw weights; a broken-off one leaves no trace', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const global = randomArray(N, 20);
    const delta = randomArray(N, 21, 0.05);
    const raw = { values: randomArray(N, 22), n: 30 };
    const r = rawSink(raw.values);
    stream(r.sink, r.bytes, 5);
    r.sink.finish();
    accept(fedavg, r.sink, raw.n);
    for (const encoding of ['int8', 'topk:0.1+int8', 'float16']) {
      const payload = encodeUpdate(delta, encoding);
      // A second upload that breaks off half-way and is dropped must leave no trace.
      const gone = encSink(encoding, N, payload);
      stream(gone, payload, 6, Math.floor(payload.length / 2), false);
      gone.discard();
    }
    const payload = encodeUpdate(delta, 'int8');
    const sink = encSink('int8', N, payload);
    stream(sink, payload, 7, payload.length, false);
    sink.finish();
    accept(fedavg, sink, 10, 'int8');
    const want = reference([raw, { values: Float32Array.from(global, (g, i) => g + delta[i]), n: 10 }]);
    // int8 of a ±0.05 delta quantises to 0.05/127 per value, a quarter of it at weight 10/40.
    expect(maxDiff(fedavg.average(global), want)).toBeLessThan(0.05 / 127 / 4 + 1e-5);
    expect(() => fedavg.average()).toThrow(/global model/);
  });

  it('streaming fedavg - top-k deltas are averaged per parameter over the weight that sent it; a broken-off one leaves no count', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const global = randomArray(N, 30);
    const raw = { values: randomArray(N, 31), n: 30 };
    const dense = { delta: randomArray(N, 32, 0.05), n: 10 };
    const sparse = [
      { delta: randomArray(N, 33, 0.05), n: 20, encoding: 'topk:0.05' },
      { delta: randomArray(N, 34, 0.05), n: 5, encoding: 'topk:0.05+int8' },
    ];
    const sinkOf = (encoding: string, payload: Uint8Array) => encSink(encoding, N, payload, true);
    const r = rawSink(raw.values);
    stream(r.sink, r.bytes, 8);
    r.sink.finish();
    accept(fedavg, r.sink, raw.n);
    const densePayload = encodeUpdate(dense.delta, 'float16');
    const d = sinkOf('float16', densePayload);
    stream(d, densePayload, 9, densePayload.length, false);
    d.finish();
    accept(fedavg, d, dense.n, 'float16');
    for (const [k, u] of sparse.entries()) {
      // A top-k upload of the same client that breaks off first must leave neither values nor counts.
      const gonePayload = encodeUpdate(randomArray(N, 40 + k, 0.05), u.encoding);
      const gone = sinkOf(u.encoding, gonePayload);
      stream(gone, gonePayload, 10 + k, Math.floor(gonePayload.length * 0.7), false);
      const payload = encodeUpdate(u.delta, u.encoding);
      const sink = sinkOf(u.encoding, payload);
      stream(sink, payload, 12 + k, payload.length, false);
      gone.discard();
      sink.finish();
      expect(sink.kind).toBe('sparse-delta');
      accept(fedavg, sink, u.n, u.encoding);
    }
    // The reference: per parameter, the weighted mean of the updates that carry it.
    const sent = sparse.map((u) => decodeDense(u.encoding, encodeUpdate(u.delta, u.encoding), N));
    const halves = decodeDense('float16', densePayload, N);
    const want = new Float64Array(N);
    let onlyDense = 0;
    for (let j = 0; j < N; j++) {
      let num = raw.n * raw.values[j] + dense.n * (global[j] + halves[j]);
      let den = raw.n + dense.n;
      sparse.forEach((u, k) => {
        if (sent[k][j] !== 0) {
          num += u.n * (global[j] + sent[k][j]);
          den += u.n;
        }
      });
      if (den === raw.n + dense.n) onlyDense++;
      want[j] = num / den;
    }
    expect(onlyDense).toBeGreaterThan(N / 2);
    expect(maxDiff(fedavg.average(global), want)).toBeLessThan(1e-5);
  });

  /** Two top-k uploads (7 and 3 examples) streamed and committed as their sinks say; returns what each sent, dense. */
  function twoTopK(fedavg: StreamingFedAvg, encoding: string, seed: number, sparseAverage: boolean): Float32Array[] {
    const uploads = [
      { delta: randomArray(N, seed + 1, 0.05), n: 7 },
      { delta: randomArray(N, seed + 2, 0.05), n: 3 },
    ].map((u) => ({ ...u, payload: encodeUpdate(u.delta, encoding) }));
    for (const [k, u] of uploads.entries()) {
      const sink = encSink(encoding, N, u.payload, sparseAverage);
      stream(sink, u.payload, seed + k, u.payload.length, false);
      sink.finish();
      expect(sink.kind).toBe(sparseAverage ? 'sparse-delta' : 'delta');
      accept(fedavg, sink, u.n, encoding);
    }
    return uploads.map((u) => decodeDense(encoding, u.payload, N));
  }

  it('streaming fedavg - with only top-k deltas, a parameter one client sent takes its whole step and one nobody sent keeps the global value exactly', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const global = randomArray(N, 50);
    const [a, b] = twoTopK(fedavg, 'topk:0.01+int8', 50, true);
    const avg = fedavg.average(global);
    let single = 0;
    for (let j = 0; j < N; j++) {
      if (a[j] === 0 && b[j] === 0) expect(avg[j]).toBe(global[j]);
      else if (a[j] !== 0 && b[j] !== 0) expect(Math.abs(avg[j] - (global[j] + (7 * a[j] + 3 * b[j]) / 10))).toBeLessThan(1e-6);
      else {
        // Not 7/10 or 3/10 of it, as a plain average over both clients would give.
        expect(Math.abs(avg[j] - (global[j] + a[j] + b[j]))).toBeLessThan(1e-6);
        single++;
      }
    }
    expect(single).toBeGreaterThan(Math.round(0.01 * N));
  });

  it('streaming fedavg - a top-k delta from a client without per-parameter averaging is averaged like a dense one', () => {
    const fedavg = new StreamingFedAvg(N, { kernel });
    const global = randomArray(N, 60);
    const [a, b] = twoTopK(fedavg, 'topk:0.01', 60, false);
    const want = Float64Array.from(global, (g, j) => g + (7 * a[j] + 3 * b[j]) / 10);
    expect(maxDiff(fedavg.average(global), want)).toBeLessThan(1e-6);
  });

  it('streaming fedavg - a corrupt checksum, a gap and an overrun are refused', () => {
    const fedavg = new StreamingFedAvg(100, { kernel });
    const values = randomArray(100, 1);
    const bytes = float32ToBytes(values);
    const wrong = float32Sink(100, { journal: createJournal(400, 'x', {}), sha256: '0'.repeat(64), bound: DEFAULT_VALUE_BOUND });
    wrong.write(0, bytes);
    expect(() => wrong.finish()).toThrow(/sha256/);
    expect(() => wrong.handOver()).toThrow(InvalidArgumentError);
    wrong.discard();
    const gap = rawSink(values).sink;
    expect(() => gap.write(8, bytes.subarray(8))).toThrow(/offset 8, expected 0/);
    const over = rawSink(values).sink;
    expect(() => over.write(0, new Uint8Array(404))).toThrow(/overruns/);
    expect(() => fedavg.average()).toThrow(/no updates/);
  });

  it('streaming fedavg - a value beyond the bound is refused naming it; bounded values near float32 max average without overflow', () => {
    const fedavg = new StreamingFedAvg(8, { kernel });
    const big = rawSink(new Float32Array(8).fill(3e38));
    expect(() => big.sink.write(0, big.bytes)).toThrow(/value 3\.0000000054977558e\+38 at parameter 0 is outside the update value bound of ±1e\+30/);
    for (const n of [1, 1, 1]) {
      const { sink, bytes } = rawSink(new Float32Array(8).fill(3e38), {}, 3.4e38);
      sink.write(0, bytes);
      sink.finish();
      accept(fedavg, sink, n);
    }
    // The weights sum to 1, so the sum never leaves the range of the values.
    expect(fedavg.average()[0]).toBeCloseTo(3e38, -32);
  });

  it('streaming fedavg - both kernels give the same bits, and the fold order is the client ids, not the order of add', () => {
    const updates = [5, 17, 1, 300].map((n, k) => ({ values: randomArray(N, 70 + k, 10 ** (k - 2)), n, id: `client-${'dcba'[k]}` }));
    const results = [[0, 1, 2, 3], [3, 1, 0, 2]].flatMap((order) =>
      (['wasm-simd', 'scalar'] as const).map((kern) => {
        const fedavg = new StreamingFedAvg(N, { kernel: kern });
        for (const k of order) {
          const { sink, bytes } = rawSink(updates[k].values);
          stream(sink, bytes, k);
          sink.finish();
          accept(fedavg, sink, updates[k].n, 'float32', updates[k].id);
        }
        return fedavg.average();
      }),
    );
    for (const r of results.slice(1)) expect(Buffer.from(r.buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
  });
});

describe('update journal', () => {
  it('journal - small updates stay in memory, large ones spool to a file that is removed on close', () => {
    const dir = path.join(spool, 'nested');
    const small = createJournal(1000, 'a', { spoolDir: dir });
    small.append(new Uint8Array(1000));
    expect(existsSync(dir)).toBe(false);
    const big = createJournal(3 << 20, 'b/../c', { spoolDir: dir, memoryMaxBytes: 1 << 20 });
    const data = Uint8Array.from({ length: 3 << 20 }, (_, i) => i % 251);
    big.append(data.subarray(0, 1 << 20));
    big.append(data.subarray(1 << 20));
    expect(readdirSync(dir)).toHaveLength(1);
    expect(readdirSync(dir)[0]).not.toContain('/');
    const back: number[] = [];
    let same = true;
    big.replay((offset, bytes) => {
      back.push(offset);
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== data[offset + i]) same = false;
    });
    expect(back).toEqual([0, 1 << 20, 2 << 20]);
    expect(same).toBe(true);
    big.close();
    expect(readdirSync(dir)).toEqual([]);
  });
});
