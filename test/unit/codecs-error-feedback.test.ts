import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { createRng, normal } from '../../common/random';
import { decodeDense } from '../../common/codecs/decode-dense';
import { encodeUpdate } from '../../common/codecs/encode-update';
import { ErrorFeedback } from '../../common/codecs/error-feedback';

function delta(n: number, rng: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => normal(rng) * 0.01);
}

describe('codecs - error feedback', () => {
  for (const name of ['topk:0.01+int8', 'topk:0.05', 'int8', 'float16']) {
    it(`codecs - ${name}: over 30 rounds, what was sent plus the final residual adds up to the true deltas`, () => {
      const n = 4000;
      const rng = createRng(11);
      const ef = new ErrorFeedback(n);
      const sumDelta = new Float64Array(n);
      const sumSent = new Float64Array(n);
      for (let round = 0; round < 30; round++) {
        const d = delta(n, rng);
        const compensated = ef.compensate(d);
        const payload = encodeUpdate(compensated, name);
        const sent = decodeDense(name, payload, n);
        ef.record(compensated, sent);
        for (let i = 0; i < n; i++) {
          sumDelta[i] += d[i];
          sumSent[i] += sent[i];
        }
      }
      const r = ef.residual();
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(sumSent[i] + r[i] - sumDelta[i]));
      // Only float32 rounding of compensate/record is lost: a few ulps of values ~0.05 per round.
      expect(worst).toBeLessThan(1e-7);
      // And feedback matters: without it top-k would have lost most of the mass.
      if (name.startsWith('topk')) expect(Math.max(...r.map(Math.abs))).toBeGreaterThan(0.01);
    });
  }

  it('codecs - a coordinate too small to make the top-k is sent once its residual has grown', () => {
    const n = 1000;
    const ef = new ErrorFeedback(n);
    const d = new Float32Array(n);
    d.fill(0.01, 0, 10); // top 1 % = 10 values, always these
    d[500] = 0.004;
    let sentAt = -1;
    for (let round = 0; round < 5 && sentAt < 0; round++) {
      const c = ef.compensate(d);
      const payload = encodeUpdate(c, 'topk:0.01');
      const sent = decodeDense('topk:0.01', payload, n);
      ef.record(c, sent);
      if (sent[500] !== 0) sentAt = round;
    }
    expect(sentAt).toBe(2); // residual 0.004, 0.008, then 0.012 > 0.01
  });

  it('codecs - recordPayload gives the residual record gives with the decoded update, and a bad payload leaves it alone', () => {
    const n = 3000;
    const rng = createRng(5);
    const a = new ErrorFeedback(n);
    let b = a;
    for (let round = 0; round < 3; round++) {
      b = ErrorFeedback.fromBytes(a.toBytes());
      const c = a.compensate(delta(n, rng));
      const payload = encodeUpdate(c, 'topk:0.1+int8');
      a.record(c, decodeDense('topk:0.1+int8', payload, n));
      b.recordPayload(c, 'topk:0.1+int8', payload);
      // recordPayload rounds once (c − scale·q), record twice (the decoded float32, then the difference): within an ulp of c.
      for (let i = 0; i < n; i++) if (Math.abs(b.residual()[i] - a.residual()[i]) > 2 ** -23 * Math.abs(c[i])) expect(b.residual()[i]).toBe(a.residual()[i]);
    }
    const before = Float32Array.from(b.residual());
    expect(() => b.recordPayload(new Float32Array(n), 'int8', new Uint8Array(16))).toThrow(InvalidArgumentError);
    expect(b.residual()).toEqual(before);
  });

  it('codecs - compensates in place when given the delta as output', () => {
    const ef = new ErrorFeedback(3);
    ef.record(Float32Array.of(1, 2, 3), Float32Array.of(1, 0, 3));
    const d = Float32Array.of(0.5, 0.5, 0.5);
    expect(ef.compensate(d, d)).toBe(d);
    expect(Array.from(d)).toEqual([0.5, 2.5, 0.5]);
  });

  it('codecs - persists the residual through toBytes and fromBytes, and rejects damaged state', () => {
    const ef = new ErrorFeedback(5);
    ef.record(Float32Array.of(1, -2, 3, 0.25, 0), new Float32Array(5));
    const bytes = ef.toBytes();
    expect(bytes.length).toBe(8 + 20);
    expect(Array.from(ErrorFeedback.fromBytes(bytes, 5).residual())).toEqual([1, -2, 3, 0.25, 0]);
    expect(() => ErrorFeedback.fromBytes(bytes, 6)).toThrow(/for 5 parameters/);
    expect(() => ErrorFeedback.fromBytes(bytes.subarray(0, 27))).toThrow(InvalidArgumentError);
    expect(() => ErrorFeedback.fromBytes(bytes.subarray(0, 4))).toThrow(/truncated/);
    const wrongMagic = Uint8Array.from(bytes);
    wrongMagic[0] = 0;
    expect(() => ErrorFeedback.fromBytes(wrongMagic)).toThrow(/header/);
    const nan = Uint8Array.from(bytes);
    new DataView(nan.buffer).setFloat32(8 + 8, NaN, true);
    expect(() => ErrorFeedback.fromBytes(nan)).toThrow(/non-finite/);
  });

  it('codecs - after a top-k upload, the residual is dropped where the next global model moved and kept where it did not', () => {
    const n = 2000;
    const rng = createRng(8);
    const ef = new ErrorFeedback(n);
    const global = delta(n, rng);
    const c = ef.compensate(delta(n, rng));
    const payload = encodeUpdate(c, 'topk:0.05+int8');
    ef.recordPayload(c, 'topk:0.05+int8', payload, global);
    const residual = Float32Array.from(ef.residual());
    // Another client's step (and this one's own) moved every tenth parameter.
    const next = Float32Array.from(global, (g, i) => (i % 10 === 0 ? g + 0.001 : g));
    const nonZeroMoved = residual.filter((r, i) => i % 10 === 0 && r !== 0).length;
    expect(ef.dropDelivered(next)).toBe(nonZeroMoved);
    for (let i = 0; i < n; i++) expect(ef.residual()[i]).toBe(i % 10 === 0 ? 0 : residual[i]);
    // The new global is now the base: an upload that never lands drops nothing more against it.
    const kept = Float32Array.from(ef.residual());
    expect(ef.dropDelivered(next)).toBe(0);
    expect(ef.residual()).toEqual(kept);
    // The base survives a restart (state v2); a reset forgets it.
    const restored = ErrorFeedback.fromBytes(ef.toBytes(), n);
    expect(restored.residual()).toEqual(kept);
    const moved = Float32Array.from(next, (g, i) => (i === 1 ? g + 1 : g));
    expect(restored.dropDelivered(moved)).toBe(kept[1] !== 0 ? 1 : 0);
    expect(restored.residual()[1]).toBe(0);
    restored.reset();
    expect(restored.toBytes().length).toBe(8 + 4 * n);
  });

  it('codecs - a dense encoding keeps no base: its residual (rounding error) is kept whole however the model moves', () => {
    const n = 500;
    const rng = createRng(9);
    const ef = new ErrorFeedback(n);
    const global = delta(n, rng);
    const c = ef.compensate(delta(n, rng));
    ef.recordPayload(c, 'int8', encodeUpdate(c, 'int8'), global);
    const residual = Float32Array.from(ef.residual());
    expect(residual.some((r) => r !== 0)).toBe(true);
    expect(ef.dropDelivered(Float32Array.from(global, (g) => g + 1))).toBe(0);
    expect(ef.residual()).toEqual(residual);
    expect(ef.toBytes().length).toBe(8 + 4 * n);
  });

  it('codecs - state v2 (residual and base) round-trips and rejects a wrong length or a non-finite base', () => {
    const ef = new ErrorFeedback(4);
    const c = Float32Array.of(1, -2, 3, 0.25);
    ef.recordPayload(c, 'topk:0.5', encodeUpdate(c, 'topk:0.5'), Float32Array.of(5, 6, 7, 8));
    const bytes = ef.toBytes();
    expect(bytes[2]).toBe(2);
    expect(bytes.length).toBe(8 + 32);
    expect(Array.from(ErrorFeedback.fromBytes(bytes, 4).residual())).toEqual([1, 0, 0, 0.25]);
    expect(() => ErrorFeedback.fromBytes(bytes.subarray(0, 8 + 16))).toThrow(/v2 for 4 parameters must be 40 bytes/);
    const nan = Uint8Array.from(bytes);
    new DataView(nan.buffer).setFloat32(8 + 16 + 4, Infinity, true);
    expect(() => ErrorFeedback.fromBytes(nan)).toThrow(/non-finite base value/);
    expect(() => ef.dropDelivered(new Float32Array(3))).toThrow(InvalidArgumentError);
  });

  it('codecs - checks the lengths it is given', () => {
    const ef = new ErrorFeedback(4);
    expect(() => ef.compensate(new Float32Array(3))).toThrow(InvalidArgumentError);
    expect(() => ef.record(new Float32Array(4), new Float32Array(5))).toThrow(InvalidArgumentError);
    expect(() => new ErrorFeedback(-1)).toThrow(InvalidArgumentError);
  });
});
