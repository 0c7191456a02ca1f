import { describe, expect, it } from 'vitest';
import { ModelCache } from '../../clients/daemon/model-cache';

describe('daemon model cache', () => {
  it('model cache - a hit is a copy, so training cannot alter the cached version', () => {
    const cache = new ModelCache(2);
    cache.put('v1', Float32Array.of(1, 2, 3));
    const got = cache.get('v1')!;
    got[0] = 99;
    expect(cache.get('v1')).toEqual(Float32Array.of(1, 2, 3));
    expect(cache.get('v2')).toBeUndefined();
  });

  it('model cache - the least recently used version is evicted and its array handed out once as a spare of its length', () => {
    const cache = new ModelCache(2);
    const v2 = Float32Array.of(2, 2);
    cache.put('v1', Float32Array.of(1, 1));
    cache.put('v2', v2);
    expect(cache.spare(2)).toBeUndefined();
    cache.get('v1'); // v1 is now the most recently used
    cache.put('v3', Float32Array.of(3, 3)); // evicts v2
    expect(cache.size).toBe(2);
    expect(cache.get('v2')).toBeUndefined();
    expect(cache.get('v1')).toEqual(Float32Array.of(1, 1));
    expect(cache.spare(3)).toBeUndefined(); // wrong length: not handed out
    expect(cache.spare(2)).toBe(v2);
    expect(cache.spare(2)).toBeUndefined(); // handed out once
  });
});
