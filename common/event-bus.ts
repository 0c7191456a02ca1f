/**
 * In-process publish/subscribe with async-iterable subscriptions. The port the
 * NATS-backed bus will implement too; subscribers that fall behind keep a
 * bounded backlog (oldest dropped) so a slow watcher never grows memory.
 */

/** A subscription: iterate it, or close it to stop. */
export interface Subscription<T> extends AsyncIterable<T> {
  close(): void;
}

/** Typed in-process event bus. */
export class EventBus<T> {
  private readonly subscribers = new Set<{ push(v: T): void; end(): void }>();

  /** Delivers `event` to every current subscriber. */
  publish(event: T): void {
    for (const s of this.subscribers) s.push(event);
  }

  /** Subscribes; events published after this call are delivered in order. */
  subscribe(options: { maxBacklog?: number } = {}): Subscription<T> {
    const maxBacklog = options.maxBacklog ?? 1000;
    const backlog: T[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const sub = {
      push(v: T) {
        backlog.push(v);
        if (backlog.length > maxBacklog) backlog.shift();
        wake?.();
      },
      end() {
        closed = true;
        wake?.();
      },
    };
    this.subscribers.add(sub);
    const close = () => {
      this.subscribers.delete(sub);
      sub.end();
    };
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (backlog.length) yield backlog.shift() as T;
            if (closed) return;
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        } finally {
          close();
        }
      },
    };
  }

  /** Ends every subscription (shutdown). */
  closeAll(): void {
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
  }
}
