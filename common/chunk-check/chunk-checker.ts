/**
 * The per-chunk check of an upload (docs/aggregation.md, "The per-chunk
 * check"): XXH64 of the chunk's bytes, seeded with the chunk's byte offset so
 * bytes are bound to the place they were sent for, sent as 8 bytes in
 * xxHash's canonical (big-endian) form. TLS already authenticates every
 * record on the wire and a client can put a correct digest on bad values, so
 * this is an error check (bugs, corrupted memory or disk, a resume splicing
 * the wrong bytes), not a cryptographic one; XXH64 runs at memory speed in
 * wasm, where sha256 is the slowest step of the coordinator's round path.
 * The coordinator runs the digest and the update value bound check in one
 * pass over the chunk (xxh64-module.ts).
 *
 * One module instance per process (thread): each call copies the chunk into
 * its memory and runs synchronously.
 */
import { firstOutOfBound } from '../codecs/value-bound';
import { Wasm, type WasmMemory } from '../wasm/api';
import { DATA, xxh64ModuleBytes } from './xxh64-module';

/** What a client announces in its hello and a coordinator in its welcome when it can use per-chunk XXH64 digests. */
export const CHUNK_XXH64_FEATURE = 'chunk-xxh64';
/** TransferHeader.chunk_digest naming per-chunk XXH64 digests (UpdateChunk.xxh64). */
export const XXH64_CHUNK_DIGEST = 'xxh64';
/** Bytes of a digest on the wire. */
export const CHUNK_DIGEST_BYTES = 8;

interface Xxh64Exports {
  memory: WasmMemory;
  xxh64(p: number, n: number, seed: bigint): bigint;
  xxh64_bound(p: number, n: number, seed: bigint, bound: number): bigint;
  bound(p: number, count: number, bound: number): number;
}

const PAGE = 65536;
let kernel: Xxh64Exports | null | undefined;

function instance(): Xxh64Exports | null {
  if (kernel === undefined) {
    try {
      const bytes = xxh64ModuleBytes();
      kernel = Wasm && Wasm.validate(bytes) ? (new Wasm.Instance(new Wasm.Module(bytes), {}).exports as Xxh64Exports) : null;
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/** Whether this runtime can compute chunk digests (WebAssembly with SIMD); without, uploads keep the whole sha256. */
export function chunkCheckAvailable(): boolean {
  return instance() !== null;
}

function load(k: Xxh64Exports, data: Uint8Array): void {
  const need = DATA + data.length;
  const have = k.memory.buffer.byteLength;
  if (need > have) k.memory.grow(Math.ceil((need - have) / PAGE));
  new Uint8Array(k.memory.buffer).set(data, DATA);
}

function required(): Xxh64Exports {
  const k = instance();
  if (!k) throw new Error('chunk digests need WebAssembly SIMD, which this runtime lacks');
  return k;
}

/** XXH64 of `data` with `seed` (unsigned 64-bit). */
export function xxh64(data: Uint8Array, seed: bigint | number = 0n): bigint {
  const k = required();
  load(k, data);
  return BigInt.asUintN(64, k.xxh64(DATA, data.length, BigInt(seed)));
}

/** The canonical 8 bytes of a digest. */
export function digestBytes(digest: bigint): Uint8Array {
  const out = new Uint8Array(CHUNK_DIGEST_BYTES);
  new DataView(out.buffer).setBigUint64(0, digest, false);
  return out;
}

/** A digest from its canonical 8 bytes; undefined when `bytes` is not 8 bytes long. */
export function digestFromBytes(bytes: Uint8Array | undefined): bigint | undefined {
  if (!bytes || bytes.length !== CHUNK_DIGEST_BYTES) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getBigUint64(0, false);
}

/** What an upload chunk carries: XXH64 of its bytes seeded with its offset, as 8 bytes. */
export function chunkDigest(data: Uint8Array, offset: number): Uint8Array {
  return digestBytes(xxh64(data, BigInt(offset)));
}

/** The largest float32 not above `bound` (> 0): testing float32 values against it in float32 is exact. */
function float32AtMost(bound: number): number {
  const f = new Float32Array([bound]);
  if (f[0] > bound) new Uint32Array(f.buffer)[0] -= 1;
  return f[0];
}

/** A float32 value outside the bound: its index in the chunk and its value. */
export interface OutOfBound {
  at: number;
  value: number;
}

function outOfBoundIn(k: Xxh64Exports, count: number, bound: number): OutOfBound {
  const values = new Float32Array(k.memory.buffer, DATA, count);
  const at = firstOutOfBound(values, 0, count, bound);
  return { at, value: values[at] };
}

/**
 * One pass over a chunk of float32 values (`data.length` a multiple of 4): its
 * XXH64 seeded with `offset`, and the first value outside ±bound (NaN and
 * ±Inf included), if any.
 */
export function checkFloat32Chunk(data: Uint8Array, offset: number, bound: number): { digest: bigint; outOfBound?: OutOfBound } {
  const k = required();
  load(k, data);
  const digest = BigInt.asUintN(64, k.xxh64_bound(DATA, data.length, BigInt(offset), float32AtMost(bound)));
  const inBound = new Int32Array(k.memory.buffer, 0, 1)[0] === 1;
  return inBound ? { digest } : { digest, outOfBound: outOfBoundIn(k, data.length / 4, bound) };
}

/**
 * The first float32 value of `data` (`data.length` a multiple of 4) outside
 * ±bound, if any: the bound check alone, in wasm SIMD where available.
 */
export function float32OutOfBound(data: Uint8Array, bound: number): OutOfBound | undefined {
  const count = data.length / 4;
  const k = instance();
  if (!k) {
    const values = data.byteOffset % 4 === 0 ? new Float32Array(data.buffer, data.byteOffset, count) : new Float32Array(data.slice().buffer);
    const at = firstOutOfBound(values, 0, count, bound);
    return at < 0 ? undefined : { at, value: values[at] };
  }
  load(k, data);
  return k.bound(DATA, count, float32AtMost(bound)) === 1 ? undefined : outOfBoundIn(k, count, bound);
}
