import { describe, expect, it } from 'vitest';
import { encodeUpdate, encodedBytes } from '../../common/codecs';
import { InvalidArgumentError } from '../../common/errors';
import { sha256Hex } from '../../common/weights-codec';
import { checkCompressionPolicy, chooseEncoding, encodingKind, uploadMs } from '../../services/coordinator/compression/choose-encoding';
import { encodedSink } from '../../services/coordinator/rounds/update-sink';

const ALL = ['float32', 'float16', 'int8', 'topk', 'topk+int8'];
const N = 199_210;

describe('compression choice', () => {
  it('compression - auto picks the lightest-loss encoding whose upload fits the budget', () => {
    const base = { policy: 'auto', supported: ALL, parameterCount: N, rttMs: 50 };
    // 800 KB at 100 Mbit/s is 64 ms: float32 fits anything.
    expect(chooseEncoding({ ...base, upMbps: 100, uploadBudgetMs: 10_000 })).toBe('float32');
    // At 1 Mbit/s: float32 6.4 s, float16 3.2 s, int8 1.6 s.
    expect(chooseEncoding({ ...base, upMbps: 1, uploadBudgetMs: 4_000 })).toBe('float16');
    expect(chooseEncoding({ ...base, upMbps: 1, uploadBudgetMs: 2_000 })).toBe('int8');
    expect(chooseEncoding({ ...base, upMbps: 0.05, uploadBudgetMs: 10_000 })).toBe('topk:0.1+int8');
    expect(chooseEncoding({ ...base, upMbps: 0.05, uploadBudgetMs: 5_000 })).toBe('topk:0.01+int8');
    // Nothing fits: the smallest there is.
    expect(chooseEncoding({ ...base, upMbps: 0.001, uploadBudgetMs: 1 })).toBe('topk:0.01+int8');
    expect(uploadMs('int8', { parameterCount: N, upMbps: 1, rttMs: 50 })).toBeCloseTo((encodedBytes('int8', N) * 8) / 1e3 + 50, 6);
  });

  it('compression - asks only for what the client supports, and a fixed setting falls back to float32', () => {
    expect(chooseEncoding({ policy: 'auto', supported: ['float32', 'int8'], parameterCount: N, upMbps: 0.01, uploadBudgetMs: 10 })).toBe('int8');
    expect(chooseEncoding({ policy: 'topk:0.01+int8', supported: ['float32'], parameterCount: N, uploadBudgetMs: 10 })).toBe('float32');
    expect(chooseEncoding({ policy: 'int8', supported: ALL, parameterCount: N, uploadBudgetMs: 10 })).toBe('int8');
    expect(encodingKind('topk:0.01+int8')).toBe('topk+int8');
    expect(encodingKind('topk:0.5')).toBe('topk');
  });

  it('compression - run settings are validated and normalised', () => {
    expect(checkCompressionPolicy('')).toBe('float32');
    expect(checkCompressionPolicy('auto')).toBe('auto');
    expect(checkCompressionPolicy('topk:0.010+int8')).toBe('topk:0.01+int8');
    expect(() => checkCompressionPolicy('zip')).toThrow(InvalidArgumentError);
    expect(() => checkCompressionPolicy('topk:2')).toThrow(InvalidArgumentError);
  });

  it('update sink - decodes an encoded delta onto the global model as chunks stream in, checking the sha256', () => {
    const global = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const delta = Float32Array.from({ length: 1000 }, (_, i) => (i % 7) * 0.01 - 0.03);
    const payload = encodeUpdate(delta, 'int8');
    const sink = encodedSink('int8', global, payload.length, sha256Hex(payload));
    for (let off = 0; off < payload.length; off += 97) sink.write(off, payload.subarray(off, Math.min(payload.length, off + 97)));
    const weights = sink.finish();
    let maxErr = 0;
    for (let i = 0; i < 1000; i++) maxErr = Math.max(maxErr, Math.abs(weights[i] - (global[i] + delta[i])));
    expect(maxErr).toBeLessThan(0.03 / 127 + 1e-6);
    // The global model it decoded onto is untouched.
    expect(global[1]).toBe(Math.fround(Math.sin(1)));
    const bad = encodedSink('int8', global, payload.length, '0'.repeat(64));
    bad.write(0, payload);
    expect(() => bad.finish()).toThrow(/sha256/);
    const gap = encodedSink('int8', global, payload.length, sha256Hex(payload));
    expect(() => gap.write(8, payload.subarray(8))).toThrow(/offset 8, expected 0/);
  });
});
