/**
 * XXH64 (xxHash's 64-bit hash, exactly as its specification defines it) as a
 * small WebAssembly module, with the update value bound check fused into the
 * same pass: a chunk is read once, its 64-bit lanes feeding the four XXH64
 * accumulators and its f32x4 lanes the bound test (|x| ≤ bound; NaN fails).
 * JavaScript has no 64-bit multiply, wasm does; and a chunk in wasm memory is
 * cache-hot for both. The module owns its memory: the chunk goes at DATA,
 * the bound verdict is written at address 0.
 *
 * Exports:
 *   xxh64(p, n, seed: i64) -> i64                 XXH64 of bytes [p, p+n)
 *   xxh64_bound(p, n, seed: i64, b: f32) -> i64   the same, and mem[0] = 1 iff every
 *                                                 float32 of [p, p+n) has |x| ≤ b (n % 4 == 0)
 *   bound(p, count, b: f32) -> i32                1 iff every one of `count` float32 at p has |x| ≤ b
 */
import { bump, F32, func, funcType, get, I32, I64, i32c, i64c, mem, name, section, set, simd, uleb, V128, vec, whileBelow, moduleBytes } from '../wasm/assembler';

/** Where a chunk is copied to (bytes 0..3 hold the bound verdict; 64 keeps v128 loads aligned). */
export const DATA = 64;

const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I64_ADD = 0x7c;
const I64_MUL = 0x7e;
const I64_XOR = 0x85;
const I64_SHR_U = 0x88;
const I64_ROTL = 0x89;
const I64_EXTEND_I32_U = 0xad;
const F32_ABS = 0x8b;
const F32_LE = 0x5f;
const IF = [0x04, 0x40];
const I32_GE_U = 0x4f;
const ELSE = 0x05;
const END = 0x0b;
const i64Load = (o = 0) => mem(0x29, 3, o);
const i64Load32U = (o = 0) => mem(0x35, 2, o);
const i64Load8U = (o = 0) => mem(0x31, 0, o);
const f32Load = (o = 0) => mem(0x2a, 2, o);
const i32Store = (o = 0) => mem(0x36, 2, o);
const v128Load = (o = 0) => simd(0x00, ...uleb(4), ...uleb(o));
const I32X4_SPLAT = simd(0x11);
const F32X4_SPLAT = simd(0x13);
const V128_AND = simd(0x4e);
const I32X4_ALL_TRUE = simd(0xa3);
const F32X4_LE = simd(0x45);
const F32X4_ABS = simd(0xe0);

/** XXH64's round: rotl(acc + input·P2, 31)·P1, for instructions leaving acc and input on the stack. */
const round = (acc: number[], input: number[]) => [...acc, ...input, ...i64c(P2), I64_MUL, I64_ADD, ...i64c(31n), I64_ROTL, ...i64c(P1), I64_MUL];
/** h = (h ^ round(0, v))·P1 + P4 */
const mergeRound = (h: number, v: number) => [...get(h), ...round(i64c(0n), get(v)), I64_XOR, ...i64c(P1), I64_MUL, ...i64c(P4), I64_ADD, ...set(h)];
/** Lanes of the f32x4 at p+o within ±bound as all-ones, others (NaN included) zero; the bound splat is local `bv`. */
const lanesInBound = (p: number, o: number, bv: number) => [...get(p), ...v128Load(o), ...F32X4_ABS, ...get(bv), ...F32X4_LE];

/**
 * The XXH64 body; with `bound`, the bound test rides along. Params: 0 p, 1 n, 2 seed,
 * (3 bound). Locals: end, q (i32), v1..v4, h (i64), and with bound bv, ok (v128), okScalar (i32).
 */
function xxh64Body(bound: boolean): number[] {
  const [p, n, seed] = [0, 1, 2];
  const b = 3;
  const base = bound ? 4 : 3;
  const [end, q, v1, v2, v3, v4, h, bv, ok, okScalar] = [base, base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, base + 9];
  const v = [v1, v2, v3, v4];
  const stripeCheck = bound ? [...get(ok), ...lanesInBound(p, 0, bv), ...lanesInBound(p, 16, bv), ...V128_AND, ...V128_AND, ...set(ok)] : [];
  const locals: Array<[number, number]> = [[2, I32], [5, I64], ...(bound ? ([[2, V128], [1, I32]] as Array<[number, number]>) : [])];
  const body = [
    ...(bound ? [...get(b), ...F32X4_SPLAT, ...set(bv), ...i32c(-1), ...I32X4_SPLAT, ...set(ok), ...i32c(1), ...set(okScalar)] : []),
    // Accumulators: seed + P1 + P2, seed + P2, seed, seed − P1.
    ...get(seed), ...i64c(P1 + P2), I64_ADD, ...set(v1),
    ...get(seed), ...i64c(P2), I64_ADD, ...set(v2),
    ...get(seed), ...set(v3),
    ...get(seed), ...i64c(-P1), I64_ADD, ...set(v4),
    // 32-byte stripes.
    ...get(p), ...get(n), ...i32c(-32), I32_AND, I32_ADD, ...set(end),
    ...whileBelow(p, end, [...v.flatMap((acc, i) => [...round(get(acc), [...get(p), ...i64Load(8 * i)]), ...set(acc)]), ...stripeCheck, ...bump(p, 32)]),
    // h: the accumulators merged (n ≥ 32), else seed + P5; then + n.
    ...get(n), ...i32c(32), I32_GE_U, ...IF,
    ...get(v1), ...i64c(1n), I64_ROTL, ...get(v2), ...i64c(7n), I64_ROTL, I64_ADD, ...get(v3), ...i64c(12n), I64_ROTL, I64_ADD, ...get(v4), ...i64c(18n), I64_ROTL, I64_ADD, ...set(h),
    ...v.flatMap((acc) => mergeRound(h, acc)),
    ELSE, ...get(seed), ...i64c(P5), I64_ADD, ...set(h), END,
    ...get(h), ...get(n), I64_EXTEND_I32_U, I64_ADD, ...set(h),
    // The rest (n mod 32 bytes): with bound, its float32 values are tested one by one first.
    ...get(p), ...get(n), ...i32c(31), I32_AND, I32_ADD, ...set(end),
    ...(bound
      ? [...get(p), ...set(q), ...whileBelow(q, end, [...get(okScalar), ...get(q), ...f32Load(), F32_ABS, ...get(b), F32_LE, I32_AND, ...set(okScalar), ...bump(q, 4)])]
      : []),
    // 8 bytes at a time: h = rotl(h ^ round(0, k), 27)·P1 + P4.
    ...get(p), ...get(n), ...i32c(24), I32_AND, I32_ADD, ...set(q),
    ...whileBelow(p, q, [...get(h), ...round(i64c(0n), [...get(p), ...i64Load()]), I64_XOR, ...i64c(27n), I64_ROTL, ...i64c(P1), I64_MUL, ...i64c(P4), I64_ADD, ...set(h), ...bump(p, 8)]),
    // 4 bytes: h = rotl(h ^ k·P1, 23)·P2 + P3.
    ...get(n), ...i32c(4), I32_AND, ...IF,
    ...get(h), ...get(p), ...i64Load32U(), ...i64c(P1), I64_MUL, I64_XOR, ...i64c(23n), I64_ROTL, ...i64c(P2), I64_MUL, ...i64c(P3), I64_ADD, ...set(h), ...bump(p, 4),
    END,
    // Single bytes: h = rotl(h ^ b·P5, 11)·P1.
    ...whileBelow(p, end, [...get(h), ...get(p), ...i64Load8U(), ...i64c(P5), I64_MUL, I64_XOR, ...i64c(11n), I64_ROTL, ...i64c(P1), I64_MUL, ...set(h), ...bump(p, 1)]),
    // Avalanche.
    ...get(h), ...get(h), ...i64c(33n), I64_SHR_U, I64_XOR, ...i64c(P2), I64_MUL, ...set(h),
    ...get(h), ...get(h), ...i64c(29n), I64_SHR_U, I64_XOR, ...i64c(P3), I64_MUL, ...set(h),
    ...get(h), ...get(h), ...i64c(32n), I64_SHR_U, I64_XOR, ...set(h),
    ...(bound ? [...i32c(0), ...get(ok), ...I32X4_ALL_TRUE, ...get(okScalar), I32_AND, ...i32Store()] : []),
    ...get(h),
  ];
  return func(locals, body);
}

// bound(p, count, b): params 0 p, 1 count, 2 b; locals 3 end, 4 bv, 5 ok (v128), 6 okScalar.
const boundOnly = func([[1, I32], [2, V128], [1, I32]], [
  ...get(2), ...F32X4_SPLAT, ...set(4), ...i32c(-1), ...I32X4_SPLAT, ...set(5), ...i32c(1), ...set(6),
  ...get(0), ...get(1), ...i32c(-16), I32_AND, ...i32c(2), 0x74 /* i32.shl */, I32_ADD, ...set(3),
  ...whileBelow(0, 3, [
    ...get(5),
    ...lanesInBound(0, 0, 4), ...lanesInBound(0, 16, 4), ...V128_AND,
    ...lanesInBound(0, 32, 4), ...lanesInBound(0, 48, 4), ...V128_AND,
    ...V128_AND, ...V128_AND, ...set(5),
    ...bump(0, 64),
  ]),
  ...get(3), ...get(1), ...i32c(15), I32_AND, ...i32c(2), 0x74, I32_ADD, ...set(3),
  ...whileBelow(0, 3, [...get(6), ...get(0), ...f32Load(), F32_ABS, ...get(2), F32_LE, I32_AND, ...set(6), ...bump(0, 4)]),
  ...get(5), ...I32X4_ALL_TRUE, ...get(6), I32_AND,
]);

/** Export names, in function index order. */
export const XXH64_FUNCTIONS = ['xxh64', 'xxh64_bound', 'bound'] as const;

/** The module's bytes: its own memory of `pages` 64 KiB pages (growable), exported with the functions above. */
export function xxh64ModuleBytes(pages = 1): Uint8Array {
  const types = section(1, vec([funcType([I32, I32, I64], [I64]), funcType([I32, I32, I64, F32], [I64]), funcType([I32, I32, F32], [I32])]));
  const functions = section(3, vec([[0], [1], [2]]));
  const memory = section(5, vec([[0x00, ...uleb(pages)]]));
  const exports = section(7, vec([[...name('memory'), 0x02, 0], ...XXH64_FUNCTIONS.map((f, i) => [...name(f), 0x00, i])]));
  const code = section(10, vec([xxh64Body(false), xxh64Body(true), boundOnly]));
  return moduleBytes(types, functions, memory, exports, code);
}
