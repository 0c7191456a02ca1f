import { describe, expect, it } from 'vitest';
import { encodedBytes } from '../../common/codecs';
import { InvalidArgumentError } from '../../common/errors';
import { checkCompressionPolicy, chooseEncoding, encodingKind, uploadMs } from '../../services/coordinator/compression/choose-encoding';
import { markSparseAverage } from '../../services/coordinator/compression/sparse-average';

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

  it('compression - per-parameter averaging only for clients with the feature, and only in rounds where everyone sends top-k', () => {
    const features: Record<string, string[] | undefined> = { a: ['sparse-average'], b: [], c: ['sparse-average'], d: undefined };
    const mark = (encodings: Record<string, string>) =>
      Object.fromEntries(markSparseAverage(Object.entries(encodings).map(([clientId, encoding]) => ({ clientId, encoding })), (id) => features[id]).map((s) => [s.clientId, s.sparseAverage]));
    expect(mark({ a: 'topk:0.01+int8', b: 'topk:0.01', c: 'topk:0.05', d: 'topk:0.01' })).toEqual({ a: true, b: false, c: true, d: false });
    // One dense client in the round: plain averaging for everyone, residuals kept.
    expect(mark({ a: 'topk:0.01+int8', c: 'float32' })).toEqual({ a: false, c: false });
    expect(mark({ a: 'int8', c: 'topk:0.01' })).toEqual({ a: false, c: false });
    expect(mark({})).toEqual({});
  });
});
