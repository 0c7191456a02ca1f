/**
 * Dense decoding, for the client (to know exactly what the receiver will
 * reconstruct) and for tests. The coordinator folds instead; see
 * `folding-decoder.ts`.
 */
import type { Encoding } from './encoding';
import { createFoldingDecoder } from './folding-decoder';

/** The n values a receiver reconstructs from `payload` (zeros where top-k sent nothing). */
export function decodeDense(encoding: Encoding | string, payload: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const decoder = createFoldingDecoder(encoding, n, out, 1);
  decoder.push(payload);
  decoder.finish();
  return out;
}
