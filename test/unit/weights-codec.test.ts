import { describe, expect, it } from 'vitest';
import { chunks, Float32Assembler, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { InvalidArgumentError } from '../../common/errors';

function transfer(values: Float32Array, chunkBytes: number) {
  const bytes = float32ToBytes(values);
  return { bytes, sha: sha256Hex(bytes), parts: [...chunks(bytes, chunkBytes)] };
}

describe('weights codec', () => {
  it('weights codec - round-trips float32 weights through chunks and checks the sha256', () => {
    const values = Float32Array.from({ length: 1001 }, (_, i) => (i - 500) / 7);
    const { sha, parts } = transfer(values, 64);
    expect(parts.length).toBe(Math.ceil((1001 * 4) / 64));
    const asm = new Float32Assembler(new Float32Array(values.length), sha);
    for (const [offset, data] of parts) asm.write(offset, data);
    expect(Array.from(asm.finish())).toEqual(Array.from(values));
  });

  it('weights codec - encodes little-endian bytes', () => {
    const bytes = float32ToBytes(Float32Array.from([1]));
    expect([...bytes]).toEqual([0x00, 0x00, 0x80, 0x3f]);
  });

  it('weights codec - rejects gaps, replays, misalignment, overruns, NaN and Inf', () => {
    const values = Float32Array.from([1, 2, 3, 4]);
    const { sha, bytes } = transfer(values, 8);
    const fresh = () => new Float32Assembler(new Float32Array(4), sha);
    expect(() => fresh().write(8, bytes.subarray(8, 16))).toThrow(/offset 8, expected 0/);
    const replay = fresh();
    replay.write(0, bytes.subarray(0, 8));
    expect(() => replay.write(0, bytes.subarray(0, 8))).toThrow(InvalidArgumentError);
    expect(() => fresh().write(0, bytes.subarray(0, 6))).toThrow(/whole number/);
    expect(() => fresh().write(0, Buffer.concat([bytes, bytes.subarray(0, 4)]))).toThrow(/overruns/);
    expect(() => fresh().write(0, float32ToBytes(Float32Array.from([1, Number.NaN])))).toThrow(/non-finite/);
    expect(() => fresh().write(0, float32ToBytes(Float32Array.from([Number.POSITIVE_INFINITY])))).toThrow(/non-finite/);
  });

  it('weights codec - rejects an incomplete transfer and a checksum mismatch', () => {
    const values = Float32Array.from([1, 2, 3, 4]);
    const { bytes } = transfer(values, 8);
    const short = new Float32Assembler(new Float32Array(4), sha256Hex(bytes));
    short.write(0, bytes.subarray(0, 8));
    expect(() => short.finish()).toThrow(/after 8 of 16 bytes/);
    const wrong = new Float32Assembler(new Float32Array(4), '0'.repeat(64));
    wrong.write(0, bytes);
    expect(() => wrong.finish()).toThrow(/sha256/);
  });

  it('weights codec - decodes chunks that are not 4-byte aligned in memory', () => {
    const values = Float32Array.from([1.5, -2.25, 3.125]);
    const bytes = float32ToBytes(values);
    const unaligned = Buffer.alloc(bytes.length + 1).subarray(1);
    bytes.copy(unaligned);
    const asm = new Float32Assembler(new Float32Array(3), sha256Hex(bytes));
    asm.write(0, unaligned);
    expect(Array.from(asm.finish())).toEqual([1.5, -2.25, 3.125]);
  });
});
