/**
 * The consumer side of one subscription: a bounded FIFO behind an async
 * iterator. Producers only enqueue, so a publisher is never re-entered by a
 * subscriber's code; a subscriber that falls behind loses its oldest messages
 * (counted) instead of growing memory without bound.
 */
import type { Subscription } from '../event-bus';

/** Default number of undelivered messages a subscription keeps. */
export const DEFAULT_MAX_BACKLOG = 10_000;

/** Producer handle of a queue plus the subscription its consumer iterates. */
export interface MessageQueue<T> {
  /** Enqueues for the consumer; ignored once ended. */
  push(value: T): void;
  /** Ends the queue after what is already enqueued has been consumed (transport shutdown). */
  end(): void;
  readonly subscription: Subscription<T>;
}

/** Creates a queue; `onDrop` is told about backlog overflow, `onClose` runs once when the consumer closes or stops iterating. */
export function createMessageQueue<T>(options: { maxBacklog?: number; onDrop?: () => void; onClose?: () => void } = {}): MessageQueue<T> {
  const maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  const backlog: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let closed = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const end = () => {
    ended = true;
    notify();
  };
  const close = () => {
    // Closing by the consumer means "no more", so undelivered messages go too.
    backlog.length = 0;
    end();
    if (closed) return;
    closed = true;
    options.onClose?.();
  };

  return {
    push(value) {
      if (ended) return;
      backlog.push(value);
      if (backlog.length > maxBacklog) {
        backlog.shift();
        options.onDrop?.();
      }
      notify();
    },
    end,
    subscription: {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (backlog.length) yield backlog.shift() as T;
            if (ended) return;
            await new Promise<void>((r) => (wake = r));
          }
        } finally {
          close();
        }
      },
    },
  };
}
