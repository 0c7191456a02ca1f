/**
 * A tiny WebAssembly assembler: the encodings of the few module sections and
 * instructions fedlink's hand-written kernels use, so they are built byte by
 * byte at start-up with no toolchain (services/coordinator/aggregation/
 * wasm-kernel.ts, common/chunk-check/xxh64-module.ts). Opcode numbers are the
 * WebAssembly core and SIMD specifications'.
 */

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (32-bit range). */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of a 64-bit value. */
export function sleb64(v: bigint): number[] {
  const out: number[] = [];
  v = BigInt.asIntN(64, v);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A name (import, export): its UTF-8 length then bytes. */
export const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
/** A section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A vector: count, then the items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** `local.get i` */
export const get = (i: number): number[] => [0x20, ...uleb(i)];
/** `local.set i` */
export const set = (i: number): number[] => [0x21, ...uleb(i)];
/** `i32.const v` */
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
/** `i64.const v` */
export const i64c = (v: bigint): number[] => [0x42, ...sleb64(v)];
/** A memory instruction with its alignment (log2 bytes) and offset immediates. */
export const mem = (op: number, align: number, offset: number): number[] => [op, ...uleb(align), ...uleb(offset)];
/** A SIMD (0xfd-prefixed) instruction with its immediates. */
export const simd = (op: number, ...imm: number[]): number[] => [0xfd, ...uleb(op), ...imm];

/** `block loop (br_if exit (p >= end)) body… br loop end end`, p and end being i32 locals. */
export function whileBelow(p: number, end: number, body: number[]): number[] {
  return [0x02, 0x40, 0x03, 0x40, ...get(p), ...get(end), 0x4f /* i32.ge_u */, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
}

/** `local += k` (i32) */
export const bump = (l: number, k: number): number[] => [...get(l), ...i32c(k), 0x6a /* i32.add */, ...set(l)];

/** A function body: its locals as [count, type] runs, the instructions, `end`. */
export function func(locals: Array<[number, number]>, body: number[]): number[] {
  const code = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...body, 0x0b];
  return [...uleb(code.length), ...code];
}

/** A function type: params → results. */
export const funcType = (params: number[], results: number[]): number[] => [0x60, ...vec(params.map((t) => [t])), ...vec(results.map((t) => [t]))];

/** The module header followed by its sections. */
export const moduleBytes = (...sections: number[][]): Uint8Array => Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
