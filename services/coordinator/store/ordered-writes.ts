/**
 * Saves queued per key, in order, never fire-and-forget. While a save of a key
 * is in flight, later saves of that key wait, and only the newest of them runs
 * next (a record's latest state wins; an older one can never land after it).
 * Every caller either awaits its save (the promise settles with the save that
 * wrote its value, or the newer one that replaced it) or queues it with
 * `queue()`, whose failure goes to the owner's `onError`; nothing becomes an
 * unhandled rejection. `flush()` waits for everything queued so far, so an
 * owner that stops can let its last writes land first.
 */

/** A save of one value; called when its turn comes. */
export type Save = () => Promise<void>;

interface Pending {
  save: Save;
  resolve: Array<() => void>;
  reject: Array<(err: unknown) => void>;
}

/** Per-key ordered, coalescing saves; see the file comment. */
export class OrderedWrites {
  private readonly pending = new Map<string, Pending>();
  private readonly running = new Map<string, Promise<void>>();

  /** `onError` receives the failures of saves nobody awaits (queue()). */
  constructor(private readonly onError: (key: string, err: unknown) => void = () => {}) {}

  /** Queues `save` under `key`; settles once it (or a newer save of the key that replaced it) is done. */
  save(key: string, save: Save): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queued = this.pending.get(key);
      if (queued) {
        queued.save = save;
        queued.resolve.push(resolve);
        queued.reject.push(reject);
      } else {
        this.pending.set(key, { save, resolve: [resolve], reject: [reject] });
      }
      if (!this.running.has(key)) this.running.set(key, this.drain(key));
    });
  }

  /** Queues `save` without waiting for it: a failure goes to onError. */
  queue(key: string, save: Save): void {
    this.save(key, save).catch((err: unknown) => this.onError(key, err));
  }

  /** Waits until every save queued so far has settled (never rejects: failures went to their callers). */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Saves of `key` one after another until none is pending; hands each outcome to its waiters, never rejects. */
  private async drain(key: string): Promise<void> {
    try {
      for (let next = this.pending.get(key); next; next = this.pending.get(key)) {
        this.pending.delete(key);
        try {
          await next.save();
          for (const r of next.resolve) r();
        } catch (err) {
          for (const r of next.reject) r(err);
        }
      }
    } finally {
      this.running.delete(key);
    }
  }
}
