/**
 * The per-chunk check (common/chunk-check): XXH64 exactly as xxHash defines it
 * (published values and reference vectors over every code path: stripes, 8-, 4-
 * and 1-byte tails, seeds), and the bound check fused into the same pass
 * finding exactly what firstOutOfBound finds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFloat32Chunk, chunkDigest, digestBytes, digestFromBytes, float32OutOfBound, xxh64 } from '../../common/chunk-check/chunk-checker';
import { firstOutOfBound } from '../../common/codecs';

const bytesOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 255);
const f32 = (values: number[] | Float32Array) => new Uint8Array(Float32Array.from(values).buffer);

// Computed with xxHash's reference implementation (XXH64 over bytesOf(n) with the seed).
const VECTORS: Array<[number, bigint, bigint]> = [
  [1, 0n, 0xa96c7f0ce858bbb7n], [1, 0x10000000005n, 0xfefe180e9415e329n],
  [3, 0n, 0x56e6957632a487f9n], [3, 0x10000000005n, 0x06451d5ab910fa2an],
  [4, 0n, 0xc60d15b1e3ff8f04n], [4, 0x10000000005n, 0x08cafd12d9bed7a8n],
  [8, 0n, 0x3da5c7aa269683e0n], [8, 0x10000000005n, 0x74f957859898cf50n],
  [12, 0n, 0x8fe8ab1c1fd0666en], [12, 0xffffffffffffffffn, 0xf50cad23de843454n],
  [31, 0n, 0x4a74f3a1a39ad4a1n], [31, 0x10000000005n, 0x37ac2b0005f19402n],
  [32, 0n, 0x8d57d6a4671cc43dn], [32, 0xffffffffffffffffn, 0xa428e1465b2e4331n],
  [33, 0n, 0x62c9fd21ed857664n], [33, 0x10000000005n, 0xdb3fa5c5f24e61e7n],
  [64, 0n, 0x7bbabbc45729d17en], [64, 1n, 0xee10eee981202ce9n],
  [100, 0n, 0xefa0ad2d3e70c151n], [100, 0x10000000005n, 0xadfcabf9af969b1dn],
  [1027, 0n, 0x4568d85957e6faedn], [1027, 0xffffffffffffffffn, 0x6f6f723983c041e3n],
];

describe('chunk check', () => {
  it('chunk check - XXH64 gives the published values and the reference vectors on every length path and seed', () => {
    expect(xxh64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxh64(Buffer.from('abc'))).toBe(0x44bc2cf5ad770999n);
    expect(xxh64(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xfbcea83c8a378bf1n);
    for (const [n, seed, want] of VECTORS) expect({ n, seed, got: xxh64(bytesOf(n), seed) }).toEqual({ n, seed, got: want });
  });

  it('chunk check - the fused pass gives the same digest, and the chunk digest is XXH64 seeded with the offset in canonical big-endian bytes', () => {
    const fusable = VECTORS.filter(([n, seed]) => n % 4 === 0 && seed < 2n ** 53n);
    expect(fusable.length).toBeGreaterThan(6);
    for (const [n, seed, want] of fusable) expect(checkFloat32Chunk(bytesOf(n), Number(seed), 3.4e38).digest).toBe(want);
    const d = chunkDigest(bytesOf(100), 0x10000000005);
    expect(Buffer.from(d).toString('hex')).toBe('adfcabf9af969b1d');
    expect(digestFromBytes(d)).toBe(0xadfcabf9af969b1dn);
    expect(digestFromBytes(digestBytes(5n))).toBe(5n);
    expect(digestFromBytes(new Uint8Array(7))).toBeUndefined();
    // The seed binds bytes to their place: the same bytes at another offset have another digest.
    expect(chunkDigest(bytesOf(64), 64)).not.toEqual(chunkDigest(bytesOf(64), 128));
  });

  it('chunk check - a chunk not aligned in memory and one larger than the module memory hash like any other', () => {
    const big = bytesOf(3 << 20);
    const shifted = new Uint8Array(big.length + 1);
    shifted.set(big, 1);
    expect(xxh64(shifted.subarray(1), 9n)).toBe(xxh64(big, 9n));
    expect(checkFloat32Chunk(shifted.subarray(1, 1 + 4096), 0, 3.4e38).digest).toBe(xxh64(big.subarray(0, 4096), 0n));
  });

  it('chunk check - the bound check (alone or fused) finds the first value outside ±bound exactly where firstOutOfBound does, NaN and ±Inf included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 2e30, -1.5e30, 1e30, -1e30, 0.5)), { maxLength: 3 }),
        (n, bad) => {
          const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e29);
          for (const [at, v] of bad) if (n > 0) values[at % n] = v;
          const want = firstOutOfBound(values, 0, n, 1e30);
          const bytes = f32(values);
          const alone = float32OutOfBound(bytes, 1e30);
          const fused = checkFloat32Chunk(bytes, 0, 1e30).outOfBound;
          const expected = want < 0 ? undefined : { at: want, value: values[want] };
          expect(alone).toEqual(expected);
          expect(fused).toEqual(expected);
        },
      ),
    );
  });

  it('chunk check - a bound that is not a float32 is applied exactly: the float32 just above it is refused, the one just below kept', () => {
    const above = Math.fround(1e30); // 1.0000000150474662e30 > 1e30
    const below = new Float32Array([above]);
    new Uint32Array(below.buffer)[0] -= 1;
    expect(above).toBeGreaterThan(1e30);
    expect(float32OutOfBound(f32([0, above]), 1e30)).toEqual({ at: 1, value: above });
    expect(checkFloat32Chunk(f32([above]), 0, 1e30).outOfBound).toEqual({ at: 0, value: above });
    expect(float32OutOfBound(f32([below[0], -below[0]]), 1e30)).toBeUndefined();
    expect(float32OutOfBound(f32([3.4028234663852886e38]), 3.4028234663852886e38)).toBeUndefined();
  });
});
