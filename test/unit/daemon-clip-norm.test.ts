/**
 * Client-side clipping (`fedlink client --clip-norm`): the pure scaling on fixed
 * and random arrays, the option's validation, and what a session really uploads
 * with each encoding (against the fake Fleet server).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { clipUpdate, clipWeights, l2Norm } from '../../clients/daemon/clip-update';
import { FeedbackStore } from '../../clients/daemon/encodings';
import { compileDaemonOptions } from '../../clients/daemon/options';
import type { SessionEvent } from '../../clients/daemon/session';
import { decodeDense } from '../../common/codecs';
import { InvalidArgumentError } from '../../common/errors';
import { FakeFleet, MODEL, connectedSession, taskMessage, waitFor } from '../helpers/fake-fleet-server';

/** A raw float32 upload's values (little-endian, as float32ToBytes writes them). */
const bytesToFloat32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot / (l2Norm(a) * l2Norm(b));
};

describe('clip update', () => {
  it('clip update - scales an update over the bound to at most the bound, keeping its direction', () => {
    const delta = Float32Array.from([3, -4, 0, 12]); // norm 13
    const original = delta.slice();
    const out = clipUpdate(delta, 6.5);
    expect(out).toMatchObject({ norm: 13, clipped: true });
    expect(out.scale).toBeCloseTo(0.5, 6);
    expect(l2Norm(delta)).toBeLessThanOrEqual(6.5);
    expect(l2Norm(delta)).toBeCloseTo(6.5, 5);
    for (let i = 0; i < delta.length; i++) expect(delta[i]).toBeCloseTo(original[i] / 2, 5);
    expect(cosine(delta, original)).toBeCloseTo(1, 9);
  });

  it('clip update - leaves an update within the bound untouched, bit for bit', () => {
    const delta = Float32Array.from([0.1, -0.2, 0.3]);
    const before = Buffer.from(delta.buffer.slice(0));
    expect(clipUpdate(delta, 1)).toEqual({ norm: expect.closeTo(Math.hypot(0.1, 0.2, 0.3), 6), scale: 1, clipped: false });
    expect(Buffer.from(delta.buffer).equals(before)).toBe(true);
    // Exactly on the bound is within it; a zero update is not divided by its zero norm.
    expect(clipUpdate(Float32Array.from([3, 4]), 5).clipped).toBe(false);
    const zero = new Float32Array(4);
    expect(clipUpdate(zero, 1)).toEqual({ norm: 0, scale: 1, clipped: false });
    expect(Array.from(zero)).toEqual([0, 0, 0, 0]);
  });

  it('clip update - on any update and bound, the stored float32 result never exceeds the bound and points the same way', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 300 }),
        fc.double({ min: 1e-6, max: 1e4, noNaN: true }),
        (values, bound) => {
          const delta = Float32Array.from(values);
          const original = delta.slice();
          const out = clipUpdate(delta, bound);
          expect(l2Norm(delta)).toBeLessThanOrEqual(bound * (out.clipped ? 1 : Infinity));
          if (out.clipped) {
            expect(l2Norm(delta)).toBeGreaterThan(bound * (1 - 1e-5));
            for (let i = 0; i < delta.length; i++) expect(Math.sign(delta[i]) === Math.sign(original[i]) || delta[i] === 0).toBe(true);
          } else {
            expect(Array.from(delta)).toEqual(Array.from(original));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('clip weights - rewrites the new weights as global + the clipped delta, and leaves them be within the bound', () => {
    const global = Float32Array.from([1, 1, 1]);
    const trained = Float32Array.from([4, 5, 1]); // delta (3, 4, 0), norm 5
    expect(clipWeights(global, trained, 1)).toMatchObject({ norm: 5, clipped: true });
    expect(trained[0]).toBeCloseTo(1.6, 5);
    expect(trained[1]).toBeCloseTo(1.8, 5);
    expect(trained[2]).toBe(1);
    const near = Float32Array.from([1.5, 1, 1]);
    expect(clipWeights(global, near, 1)).toEqual({ norm: 0.5, scale: 1, clipped: false });
    expect(Array.from(near)).toEqual([1.5, 1, 1]);
  });
});

describe('daemon options - clip norm', () => {
  const base = { coordinator: '127.0.0.1:50051', clientId: 'edge-1' };

  it('daemon options - a clip norm is kept when finite and positive, absent by default', () => {
    expect(compileDaemonOptions(base).clipNorm).toBeUndefined();
    expect(compileDaemonOptions({ ...base, clipNorm: 2.5 }).clipNorm).toBe(2.5);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('daemon options - a clip norm of %s is refused in one line', (clipNorm) => {
    expect(() => compileDaemonOptions({ ...base, clipNorm })).toThrow(InvalidArgumentError);
    expect(() => compileDaemonOptions({ ...base, clipNorm })).toThrow(/^clip norm must be a finite number > 0, got /);
  });
});

describe('daemon session - clip norm', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  async function session(clipNorm: number, feedback?: FeedbackStore) {
    const fleet = await new FakeFleet().start();
    cleanups.push(() => fleet.stop());
    const s = await connectedSession(fleet, { clipNorm, feedback });
    cleanups.push(s.stop);
    return { fleet, ...s };
  }

  function uploaded(fleet: FakeFleet, index: number): { encoding: string; bytes: Buffer } {
    const chunks = fleet.pushes[index].chunks;
    return { encoding: chunks[0].header!.encoding, bytes: Buffer.concat(chunks.map((c) => c.data)) };
  }

  const finished = (events: SessionEvent[]) => events.filter((e) => e.type === 'task-finished');

  it('daemon session - float32: the raw upload is global + the clipped delta, and the task says it clipped', async () => {
    const { fleet, trainer, events } = await session(0.5);
    trainer.step = (i) => (i % 2 === 0 ? 1 : -1); // delta norm √10 ≈ 3.16
    fleet.send(taskMessage({ updateEncoding: 'float32' }));
    await waitFor(() => fleet.of('result').length === 1, 'result');
    const { encoding, bytes } = uploaded(fleet, 0);
    expect(encoding).toBe('float32');
    const sent = bytesToFloat32(bytes);
    const delta = Float32Array.from(sent, (w, i) => w - MODEL[i]);
    expect(l2Norm(delta)).toBeLessThanOrEqual(0.5 * (1 + 1e-6));
    expect(l2Norm(delta)).toBeGreaterThan(0.5 * (1 - 1e-5));
    expect(cosine(delta, Float32Array.from(MODEL, (_, i) => (i % 2 === 0 ? 1 : -1)))).toBeCloseTo(1, 6);
    expect(finished(events)[0]).toMatchObject({ clip: { norm: expect.closeTo(Math.sqrt(10), 5), clipped: true } });
  });

  it('daemon session - an update under the bound goes out exactly as trained', async () => {
    const { fleet, trainer, events } = await session(100);
    trainer.step = (i) => i / 10;
    fleet.send(taskMessage({ updateEncoding: 'float32' }));
    await waitFor(() => fleet.of('result').length === 1, 'result');
    expect(Array.from(bytesToFloat32(uploaded(fleet, 0).bytes))).toEqual(Array.from(trainer.outputs[0]));
    expect(finished(events)[0]).toMatchObject({ clip: { clipped: false, scale: 1 } });
  });

  it('daemon session - int8: the encoded delta decodes to the clipped one within the quantisation step', async () => {
    const { fleet, trainer } = await session(1);
    trainer.step = (i) => Math.sin(i + 1) * 3;
    fleet.send(taskMessage({ updateEncoding: 'int8' }));
    await waitFor(() => fleet.of('result').length === 1, 'result');
    const { encoding, bytes } = uploaded(fleet, 0);
    expect(encoding).toBe('int8');
    const decoded = decodeDense('int8', bytes, MODEL.length);
    const trained = Float32Array.from(MODEL, (_, i) => Math.sin(i + 1) * 3);
    const scale = 1 / l2Norm(trained);
    const maxAbs = Math.max(...Array.from(trained, (v) => Math.abs(v * scale)));
    for (let i = 0; i < MODEL.length; i++) expect(Math.abs(decoded[i] - trained[i] * scale)).toBeLessThanOrEqual(maxAbs / 127 / 2 + 1e-6);
    expect(l2Norm(decoded)).toBeLessThanOrEqual(1 + Math.sqrt(MODEL.length) * (maxAbs / 127 / 2));
    expect(l2Norm(decoded)).toBeGreaterThan(0.9);
  });

  it('daemon session - topk with error feedback: what is sent is clipped, and the residual never carries what clipping cut', async () => {
    const feedback = new FeedbackStore();
    const { fleet, trainer } = await session(1, feedback);
    trainer.step = (i) => (i + 1) / 10; // norm ≈ 1.96, top 3 of 10: parameters 7..9
    fleet.send(taskMessage({ updateEncoding: 'topk:0.25' }));
    await waitFor(() => fleet.of('result').length === 1, 'result');
    const sent = decodeDense('topk:0.25', uploaded(fleet, 0).bytes, MODEL.length);
    expect(l2Norm(sent)).toBeLessThanOrEqual(1);
    const scale = 1 / Math.sqrt(Array.from({ length: 10 }, (_, i) => ((i + 1) / 10) ** 2).reduce((a, b) => a + b));
    for (const i of [7, 8, 9]) expect(sent[i]).toBeCloseTo(((i + 1) / 10) * scale, 5);
    // Residual + sent is the clipped update: its norm is the bound, not the trained delta's.
    const residual = feedback.peek('run-1', 10)!.residual();
    expect(l2Norm(Float32Array.from(sent, (v, i) => v + residual[i]))).toBeCloseTo(1, 4);
  });
});
