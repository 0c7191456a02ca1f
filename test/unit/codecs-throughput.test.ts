import { describe, expect, it } from 'vitest';
import { createRng, normal } from '../../common/random';
import { encodeUpdate } from '../../common/codecs/encode-update';
import { createFoldingDecoder } from '../../common/codecs/folding-decoder';

// Not a benchmark (those live in test/bench): one small measurement per
// encoding at n = 1e6, printed so the figures are at hand; no timing assertion.
describe('codecs - throughput at n = 1e6', () => {
  it('codecs - prints encode and fold-decode throughput for every encoding', () => {
    const n = 1_000_000;
    const rng = createRng(1);
    const d = Float32Array.from({ length: n }, () => normal(rng) * 0.01);
    const acc = new Float64Array(n);
    const rows: string[] = [];
    for (const name of ['float32', 'float16', 'int8', 'topk:0.01', 'topk:0.01+int8']) {
      let payload = encodeUpdate(d, name); // warm-up
      const reps = 3;
      let t0 = performance.now();
      for (let r = 0; r < reps; r++) payload = encodeUpdate(d, name);
      const encodeMs = (performance.now() - t0) / reps;
      // 1 MiB chunks at an odd offset, as gRPC hands them over.
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
      const decodeMs = (performance.now() - t0) / reps;
      rows.push(
        `${name.padEnd(15)} ${String(payload.length).padStart(8)} B  ${((4 * n) / payload.length).toFixed(1).padStart(6)}×  ` +
          `encode ${encodeMs.toFixed(1).padStart(5)} ms (${(n / encodeMs / 1e3).toFixed(0).padStart(4)} M params/s)  ` +
          `fold ${decodeMs.toFixed(1).padStart(5)} ms (${(n / decodeMs / 1e3).toFixed(0).padStart(4)} M params/s, ${(payload.length / decodeMs / 1e6).toFixed(2)} GB/s of payload)`,
      );
    }
    console.log(`update codecs, n = 1e6, fold into Float64Array:\n${rows.join('\n')}`);
    expect(rows.length).toBe(5);
  });
});
