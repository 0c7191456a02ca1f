/**
 * A Float32Array that grows as rows stream in (doubling, so appending n values
 * costs O(n)), for readers that do not know the row count in advance.
 */

/** Appends floats; `values()` trims to what was written. */
export class FloatColumn {
  private data: Float32Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float32Array(Math.max(1, initialCapacity));
  }

  /** Values written so far. */
  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) this.grow(this.size + 1);
    this.data[this.size++] = value;
  }

  /** Appends every value of `values`. */
  pushAll(values: ArrayLike<number>): void {
    if (this.size + values.length > this.data.length) this.grow(this.size + values.length);
    for (let i = 0; i < values.length; i++) this.data[this.size + i] = values[i];
    this.size += values.length;
  }

  /** A view of the values, or a trimmed copy when the spare capacity is worth giving back. */
  values(): Float32Array {
    // Up to half the buffer may be spare after doubling: copy once rather than hold it for the run.
    return this.size === this.data.length ? this.data : this.data.slice(0, this.size);
  }

  private grow(needed: number): void {
    let capacity = this.data.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Float32Array(capacity);
    next.set(this.data.subarray(0, this.size));
    this.data = next;
  }
}
