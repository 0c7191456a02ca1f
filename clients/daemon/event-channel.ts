/**
 * Fan-out of events to any number of async iterators (the nats.js `status()`
 * pattern). Each iterator sees the events pushed after it was created, in order.
 */

/** Events kept per subscriber that has not read them yet; older ones are dropped so a forgotten iterator cannot grow without bound. */
const MAX_QUEUED = 1000;

interface Subscriber<T> {
  queue: T[];
  wake?: () => void;
}

/** A closable multi-subscriber event stream. */
export class EventChannel<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private closed = false;

  /** Delivers `event` to every current subscriber. */
  push(event: T): void {
    if (this.closed) return;
    for (const sub of this.subscribers) {
      sub.queue.push(event);
      if (sub.queue.length > MAX_QUEUED) sub.queue.shift();
      sub.wake?.();
    }
  }

  /** Ends every iterator once it has drained what was already queued. */
  close(): void {
    this.closed = true;
    for (const sub of this.subscribers) sub.wake?.();
  }

  /** A new iterator over future events; subscribes immediately, not on first `next()`. */
  iterate(): AsyncIterable<T> {
    const sub: Subscriber<T> = { queue: [] };
    if (!this.closed) this.subscribers.add(sub);
    const unsubscribe = () => this.subscribers.delete(sub);
    const iterator: AsyncIterator<T> = {
      next: async () => {
        for (;;) {
          if (sub.queue.length > 0) return { value: sub.queue.shift() as T, done: false };
          if (this.closed || !this.subscribers.has(sub)) {
            unsubscribe();
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = undefined;
        }
      },
      return: async () => {
        unsubscribe();
        sub.queue.length = 0;
        sub.wake?.();
        return { value: undefined, done: true };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }
}
