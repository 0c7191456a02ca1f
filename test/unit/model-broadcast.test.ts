import { describe, expect, it } from 'vitest';
import { decodeDense } from '../../common/codecs';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { ModelBroadcast } from '../../services/coordinator/model-broadcast';

describe('model broadcast', () => {
  it('model broadcast - encodes a version to float16 once however many clients fetch it', () => {
    const weights = Float32Array.from({ length: 10_000 }, (_, i) => Math.sin(i) * 0.1);
    const version = sha256Hex(float32ToBytes(weights));
    const b = new ModelBroadcast();
    const first = b.serve(version, weights, 'float16');
    for (let i = 0; i < 5; i++) expect(b.serve(version, weights, 'float16')).toBe(first);
    expect(b.size).toBe(1);
    expect(first.bytes.length).toBe(16 + 2 * 10_000);
    expect(first.sha256).toBe(sha256Hex(first.bytes));
    const decoded = decodeDense('float16', first.bytes, 10_000);
    for (let i = 0; i < 10_000; i++) expect(Math.abs(decoded[i] - weights[i])).toBeLessThanOrEqual(Math.abs(weights[i]) * 2 ** -11 + 2 ** -25);
  });

  it('model broadcast - serves float32 as a view under the version hash, and keeps only a few encoded versions', () => {
    const b = new ModelBroadcast(2);
    const w = Float32Array.from([1, 2, 3]);
    const served = b.serve('v0', w, 'float32');
    expect(served.sha256).toBe('v0');
    expect(served.bytes.buffer).toBe(w.buffer);
    for (const v of ['v1', 'v2', 'v3']) b.serve(v, w, 'float16');
    expect(b.size).toBe(2);
  });
});
