/**
 * The global models this daemon fetched, by version (their sha256). A task for
 * a version it already holds (a retried round, a re-dispatch after a reconnect)
 * skips the download: on a metered or slow link that is the cheapest transfer.
 *
 * The array a version evicts is kept as a spare for the next download to be
 * assembled into: a fresh model-sized array costs a page fault per 4 KiB on
 * first write, which for a 200 MB model on a small VM is as slow as the
 * download itself.
 */

/** A small most-recently-used cache of model weights by version. */
export class ModelCache {
  private readonly entries = new Map<string, Float32Array>();
  private spareArray?: Float32Array;

  /** @param capacity how many versions to keep (each costs one model of memory). */
  constructor(private readonly capacity = 2) {}

  /** A copy of the cached weights, so training cannot alter the cached version. */
  get(version: string): Float32Array | undefined {
    const w = this.entries.get(version);
    if (!w) return undefined;
    this.entries.delete(version);
    this.entries.set(version, w);
    return w.slice();
  }

  /**
   * Keeps `weights` (verified to hash to `version`), evicting the least recently used.
   * The cache takes the array over: the caller may go on reading it, never writing.
   */
  put(version: string, weights: Float32Array): void {
    this.entries.delete(version);
    this.entries.set(version, weights);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.spareArray = this.entries.get(oldest);
      this.entries.delete(oldest);
    }
  }

  /** An evicted array of exactly `length` values to download into (handed over, contents stale), if there is one. */
  spare(length: number): Float32Array | undefined {
    const s = this.spareArray;
    if (s?.length !== length) return undefined;
    this.spareArray = undefined;
    return s;
  }

  /** Number of versions held. */
  get size(): number {
    return this.entries.size;
  }
}
