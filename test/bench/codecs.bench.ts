/**
 * Update codecs benchmark: encode and fold-decode throughput of every update
 * encoding at n = 1e6, the payload fed in 1 MiB chunks at an odd offset as gRPC
 * hands them over, folded into a Float64Array. Prints each encoding's figures
 * and its speed against float32 measured in the same run, then one JSON line.
 */
import { createRng, normal } from '../../common/random';
import { encodeUpdate } from '../../common/codecs/encode-update';
import { createFoldingDecoder } from '../../common/codecs/folding-decoder';

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  const n = 1_000_000;
  const rng = createRng(1);
  const d = Float32Array.from({ length: n }, () => normal(rng) * 0.01);
  const acc = new Float64Array(n);
  const rows: Array<{ encoding: string; payloadBytes: number; encodeMs: number; foldMs: number }> = [];
  for (const name of ['float32', 'float16', 'int8', 'topk:0.01', 'topk:0.01+int8']) {
    let payload = encodeUpdate(d, name); // warm-up
    const reps = 3;
    let t0 = performance.now();
    for (let r = 0; r < reps; r++) payload = encodeUpdate(d, name);
    const encodeMs = (performance.now() - t0) / reps;
    const shifted = new Uint8Array(payload.length + 1);
    shifted.set(payload, 1);
    const bytes = shifted.subarray(1);
    const decode = () => {
      const decoder = createFoldingDecoder(name, n, acc, 0.1);
      for (let p = 0; p < bytes.length; p += 1 << 20) decoder.push(bytes.subarray(p, p + (1 << 20)));
      decoder.finish();
    };
    decode();
    t0 = performance.now();
    for (let r = 0; r < reps; r++) decode();
    rows.push({ encoding: name, payloadBytes: payload.length, encodeMs, foldMs: (performance.now() - t0) / reps });
  }
  const base = rows[0];
  console.log('update codecs, n = 1e6, fold into Float64Array (speed against float32 in this run):');
  for (const r of rows) {
    console.log(
      `  ${r.encoding.padEnd(15)} ${String(r.payloadBytes).padStart(8)} B  ${((4 * n) / r.payloadBytes).toFixed(1).padStart(6)}×  ` +
        `encode ${r.encodeMs.toFixed(1).padStart(5)} ms (${(n / r.encodeMs / 1e3).toFixed(0).padStart(4)} M params/s, ${(base.encodeMs / r.encodeMs).toFixed(2)}× float32)  ` +
        `fold ${r.foldMs.toFixed(1).padStart(5)} ms (${(n / r.foldMs / 1e3).toFixed(0).padStart(4)} M params/s, ${(r.payloadBytes / r.foldMs / 1e6).toFixed(2)} GB/s of payload, ${(base.foldMs / r.foldMs).toFixed(2)}× float32)`,
    );
  }
  console.log(JSON.stringify({ bench: 'codecs', n, rows }));
}
