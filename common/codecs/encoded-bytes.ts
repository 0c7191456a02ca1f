/**
 * Payload size of an encoding for n parameters, without encoding anything:
 * what an upload-time prediction needs. Exact for dense encodings; for top-k
 * the index bytes depend on where the kept values are, so this is the expected
 * size when they are spread at random (gaps roughly geometric with mean n/k).
 */
import { DEFAULT_INT8_BLOCK_SIZE, type Encoding, toEncoding, topkCount } from './encoding';
import { HEADER_BYTES, int8Bytes } from './header';

/** Bytes of an encoded update of `n` parameters (expected value for top-k). */
export function encodedBytes(encoding: Encoding | string, n: number, blockSize = DEFAULT_INT8_BLOCK_SIZE): number {
  const enc = toEncoding(encoding);
  switch (enc.kind) {
    case 'float32':
      return HEADER_BYTES + 4 * n;
    case 'float16':
      return HEADER_BYTES + 2 * n;
    case 'int8':
      return HEADER_BYTES + int8Bytes(n, blockSize);
    case 'topk': {
      const k = topkCount(enc.fraction!, n);
      if (k === 0) return HEADER_BYTES;
      // A varint takes one more byte for each of 2^7, 2^14, 2^21, 2^28 the gap reaches; P(gap ≥ m) ≈ (1 − k/n)^(m−1).
      const q = 1 - k / n;
      let perIndex = 1;
      for (const m of [2 ** 7, 2 ** 14, 2 ** 21, 2 ** 28]) perIndex += q ** (m - 1);
      const values = enc.values === 'int8' ? int8Bytes(k, blockSize) : 4 * k;
      return HEADER_BYTES + Math.round(k * perIndex) + values;
    }
  }
}
