import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { formatEncoding, isLossy, parseEncoding, topkCount } from '../../common/codecs/encoding';
import { encodedBytes } from '../../common/codecs/encoded-bytes';
import { encodeUpdate } from '../../common/codecs/encode-update';

describe('codecs - encoding names', () => {
  it('codecs - parses every encoding name into a descriptor and formats it back', () => {
    expect(parseEncoding('float32')).toEqual({ kind: 'float32' });
    expect(parseEncoding('float16')).toEqual({ kind: 'float16' });
    expect(parseEncoding('int8')).toEqual({ kind: 'int8' });
    expect(parseEncoding('topk:0.01')).toEqual({ kind: 'topk', fraction: 0.01, values: 'float32' });
    expect(parseEncoding('topk:0.05+int8')).toEqual({ kind: 'topk', fraction: 0.05, values: 'int8' });
    expect(parseEncoding('topk:1')).toEqual({ kind: 'topk', fraction: 1, values: 'float32' });
    expect(parseEncoding('topk:1e-3').fraction).toBe(0.001);
    for (const name of ['float32', 'float16', 'int8', 'topk:0.01', 'topk:0.25+int8', 'topk:1']) expect(formatEncoding(parseEncoding(name))).toBe(name);
    expect(formatEncoding(parseEncoding('topk:0.010'))).toBe('topk:0.01');
  });

  it('codecs - rejects unknown names and top-k fractions outside (0, 1]', () => {
    for (const bad of ['', 'float64', 'INT8', 'topk', 'topk:', 'topk:0', 'topk:1.5', 'topk:-0.1', 'topk:abc', 'topk:0.1+int4', 'topk:0.1 ', 'int8+topk:0.1']) {
      expect(() => parseEncoding(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => formatEncoding({ kind: 'topk', fraction: 0 })).toThrow(InvalidArgumentError);
    expect(() => encodeUpdate(new Float32Array(4), { kind: 'topk', fraction: 2 })).toThrow(InvalidArgumentError);
  });

  it('codecs - keeps max(1, round(fraction × n)) values, never more than n', () => {
    expect(topkCount(0.01, 1000)).toBe(10);
    expect(topkCount(0.01, 10)).toBe(1);
    expect(topkCount(1, 7)).toBe(7);
    expect(topkCount(0.5, 0)).toBe(0);
  });

  it('codecs - marks every encoding but float32 and plain top-k 1 as lossy', () => {
    expect(isLossy(parseEncoding('float32'))).toBe(false);
    expect(isLossy(parseEncoding('topk:1'))).toBe(false);
    for (const name of ['float16', 'int8', 'topk:0.5', 'topk:1+int8']) expect(isLossy(parseEncoding(name))).toBe(true);
  });

  it('codecs - predicts payload sizes: exact for dense encodings, close for top-k', () => {
    const n = 100_003;
    const delta = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.01);
    for (const name of ['float32', 'float16', 'int8']) expect(encodedBytes(name, n)).toBe(encodeUpdate(delta, name).length);
    for (const name of ['topk:0.01', 'topk:0.01+int8', 'topk:0.2']) {
      const actual = encodeUpdate(delta, name).length;
      expect(Math.abs(encodedBytes(name, n) - actual) / actual, name).toBeLessThan(0.05);
    }
  });
});
