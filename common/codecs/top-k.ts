/**
 * Top-k selection by magnitude, without sorting the whole update.
 *
 * 1. Sample s = min(n, 16384) magnitudes (deterministic stride + jitter), sort
 *    the sample (O(s log s)), and take a threshold t a few standard deviations
 *    below the sample's estimate of the k-th largest magnitude.
 * 2. One scan collects the indices with |x| ≥ t (in index order): about k·(1+ε)
 *    candidates. If the sample was unlucky and fewer than k pass, all n indices
 *    become candidates (still correct, just slower).
 * 3. Quickselect (Hoare partition, median-of-three) on the candidates'
 *    magnitudes finds the exact k-th largest magnitude τ: expected O(|C|).
 * 4. One pass over the candidates keeps |x| > τ, then the first (lowest-index)
 *    values with |x| = τ until there are k. Candidates are already in index
 *    order, so the result is ascending with no sort.
 *
 * Expected cost O(n + s log s + k) against O(n log n) for a full sort; for
 * n = 1e6, k = 1e4 this is one pass over the update plus small change.
 * Ties are broken towards the lower index, so the result is deterministic.
 */

const SAMPLE_SIZE = 16384;

/** Indices (ascending) of the `k` values of largest magnitude; ties go to the lower index. */
export function selectTopK(values: Float32Array, k: number): Uint32Array {
  const n = values.length;
  if (k >= n) return identity(n);
  if (k <= 0) return new Uint32Array(0);
  const candidates = n > 4 * SAMPLE_SIZE && k < n / 8 ? sampleCandidates(values, k) : undefined;
  const cand = candidates ?? identity(n);
  const mags = new Float32Array(cand.length);
  for (let j = 0; j < cand.length; j++) mags[j] = Math.abs(values[cand[j]]);
  // k-th largest among candidates = element at rank (|C| - k) in ascending order.
  const tau = quickselect(mags, cand.length - k);
  let above = 0;
  for (let j = 0; j < cand.length; j++) if (Math.abs(values[cand[j]]) > tau) above++;
  let ties = k - above;
  const out = new Uint32Array(k);
  let o = 0;
  for (let j = 0; j < cand.length; j++) {
    const i = cand[j];
    const m = Math.abs(values[i]);
    if (m > tau || (m === tau && ties-- > 0)) out[o++] = i;
  }
  return out;
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Indices with magnitude at or above a sampled threshold, or undefined if fewer than k pass. */
function sampleCandidates(values: Float32Array, k: number): Uint32Array | undefined {
  const n = values.length;
  const s = SAMPLE_SIZE;
  const sample = new Float32Array(s);
  const stride = n / s;
  let seed = 0x9e3779b9 ^ n;
  for (let j = 0; j < s; j++) {
    // xorshift jitter within each stride so periodic structure in the layout does not bias the sample.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const i = Math.min(n - 1, Math.floor(j * stride + ((seed >>> 0) / 4294967296) * stride));
    sample[j] = Math.abs(values[i]);
  }
  sample.sort();
  // Expected number of sampled values above the k-th largest is s·k/n; go ~4σ further down.
  const expected = (s * k) / n;
  const rank = Math.min(s - 1, Math.ceil(expected + 4 * Math.sqrt(expected) + 2));
  const threshold = sample[s - 1 - rank];
  let cap = Math.min(n, Math.ceil((k * (rank + 1)) / Math.max(expected, 1e-9)) + 1024);
  let out = new Uint32Array(cap);
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (Math.abs(values[i]) >= threshold) {
      if (c === cap) {
        cap = Math.min(n, cap * 2);
        const grown = new Uint32Array(cap);
        grown.set(out);
        out = grown;
      }
      out[c++] = i;
    }
  }
  return c >= k ? out.subarray(0, c) : undefined;
}

/** Rearranges `a` so a[r] is the value of rank r (ascending) and returns it. Expected O(len). */
function quickselect(a: Float32Array, r: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot guards against sorted and reverse-sorted input.
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r];
  }
  return a[r];
}
