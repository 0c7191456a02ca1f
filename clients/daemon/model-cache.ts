/**
 * The global models this daemon fetched, by version (their sha256). A task for
 * a version it already holds (a retried round, a re-dispatch after a reconnect)
 * skips the download: on a metered or slow link that is the cheapest transfer.
 */

/** A small most-recently-used cache of model weights by version. */
export class ModelCache {
  private readonly entries = new Map<string, Float32Array>();

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

  /** Keeps `weights` (verified to hash to `version`), evicting the least recently used. */
  put(version: string, weights: Float32Array): void {
    this.entries.delete(version);
    this.entries.set(version, weights.slice());
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Number of versions held. */
  get size(): number {
    return this.entries.size;
  }
}
