/**
 * Publishes held while there is no NATS connection, bounded in bytes. When
 * full, the oldest go first: for presence and link reports the newest state is
 * what matters after an outage.
 */

/** One held publish. */
export interface HeldPublish {
  subject: string;
  data: Uint8Array;
}

/** A FIFO of encoded publishes with a byte budget. */
export class PublishBuffer {
  private readonly items: HeldPublish[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Holds a publish; returns the ones pushed out to stay within the budget (the caller counts them). */
  push(item: HeldPublish): HeldPublish[] {
    this.items.push(item);
    this.bytes += item.data.length;
    const evicted: HeldPublish[] = [];
    while (this.bytes > this.maxBytes && this.items.length) {
      const oldest = this.items.shift()!;
      this.bytes -= oldest.data.length;
      evicted.push(oldest);
    }
    return evicted;
  }

  /** Empties the buffer, returning what it held, oldest first. */
  take(): HeldPublish[] {
    this.bytes = 0;
    return this.items.splice(0);
  }
}
