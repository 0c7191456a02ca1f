/** Lazily allocated staging buffers, one per upload in flight, for the scalar staged kernel (ScalarAccumulator). */
export class StagingSlots {
  private readonly slots: Array<Float32Array | undefined>;

  constructor(
    private readonly size: number,
    count = 1,
  ) {
    this.slots = new Array(Math.max(1, count)).fill(undefined);
  }

  /** Number of slots. */
  get count(): number {
    return this.slots.length;
  }

  /** Bytes allocated so far. */
  get bytes(): number {
    return this.slots.reduce((s, a) => s + (a?.byteLength ?? 0), 0);
  }

  /** The buffer of `slot`, allocated on first use. */
  get(slot = 0): Float32Array {
    if (slot < 0 || slot >= this.slots.length) throw new RangeError(`no staging slot ${slot} (have ${this.slots.length})`);
    return (this.slots[slot] ??= new Float32Array(this.size));
  }
}
