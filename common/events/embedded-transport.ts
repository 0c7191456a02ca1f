/**
 * In-process EventTransport, used when no NATS URL is given (demo, unit
 * tests). Messages go through the same JSON bytes as on NATS, so a payload
 * that works here works there, and each subscriber gets its own copy.
 * Transports that share one EmbeddedBroker see each other's messages, like
 * clients of one nats-server.
 */
import { EventBus } from '../event-bus';
import type { EventTransport, Subscription, TransportMessage, TransportStats, TransportStatus } from './event-transport';
import { createMessageQueue, DEFAULT_MAX_BACKLOG } from './message-queue';
import { decodePayload, encodePayload } from './message-codec';
import { assertValidSubject, subjectMatches } from './subject-pattern';

interface BrokerSubscriber {
  pattern: string;
  deliver(subject: string, data: Uint8Array): void;
}

/** The in-process stand-in for a nats-server: routes encoded messages to matching subscribers. */
export class EmbeddedBroker {
  private readonly subscribers = new Set<BrokerSubscriber>();

  /** Routes raw bytes to every matching subscriber, valid JSON or not (tests use it to inject malformed messages). */
  publishRaw(subject: string, data: Uint8Array): void {
    assertValidSubject(subject, false);
    for (const s of this.subscribers) if (subjectMatches(s.pattern, subject)) s.deliver(subject, data);
  }

  /** Registers a subscriber; returns its removal. */
  add(subscriber: BrokerSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }
}

/** Options of an EmbeddedTransport. */
export interface EmbeddedTransportOptions {
  /** Share one broker between transports to connect them. @default a private broker */
  broker?: EmbeddedBroker;
  /** Undelivered messages kept per subscription before the oldest are dropped. @default 10000 */
  maxBacklog?: number;
}

/** EventTransport inside one process. */
export class EmbeddedTransport implements EventTransport {
  readonly kind = 'embedded' as const;
  readonly broker: EmbeddedBroker;
  private readonly maxBacklog: number;
  private readonly statusBus = new EventBus<TransportStatus>();
  private readonly ends = new Set<() => void>();
  private state: 'new' | 'started' | 'stopped' = 'new';
  private readonly counters = { published: 0, received: 0, malformed: 0, dropped: 0 };

  constructor(options: EmbeddedTransportOptions = {}) {
    this.broker = options.broker ?? new EmbeddedBroker();
    this.maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'started';
    this.statusBus.publish({ type: 'connected' });
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const end of [...this.ends]) end();
    this.ends.clear();
    this.statusBus.closeAll();
  }

  publish(subject: string, payload: unknown): void {
    assertValidSubject(subject, false);
    const data = encodePayload(payload);
    // Same contract as NATS with no connection: not an error for the caller, just not delivered.
    if (this.state !== 'started') {
      this.counters.dropped++;
      return;
    }
    this.counters.published++;
    this.broker.publishRaw(subject, data);
  }

  subscribe(subject: string): Subscription<TransportMessage> {
    assertValidSubject(subject, true);
    let remove = () => {};
    const queue = createMessageQueue<TransportMessage>({
      maxBacklog: this.maxBacklog,
      onDrop: () => this.counters.dropped++,
      onClose: () => remove(),
    });
    if (this.state === 'stopped') {
      queue.end();
      return queue.subscription;
    }
    const unregister = this.broker.add({
      pattern: subject,
      deliver: (concrete, data) => {
        const decoded = decodePayload(data);
        if (!decoded.ok) {
          this.counters.malformed++;
          return;
        }
        this.counters.received++;
        queue.push({ subject: concrete, payload: decoded.payload });
      },
    });
    const end = () => {
      unregister();
      queue.end();
    };
    remove = () => {
      unregister();
      this.ends.delete(end);
    };
    this.ends.add(end);
    return queue.subscription;
  }

  status(): AsyncIterable<TransportStatus> {
    const sub = this.statusBus.subscribe();
    if (this.state === 'stopped') sub.close();
    return sub;
  }

  stats(): TransportStats {
    return { ...this.counters, connected: this.state === 'started' };
  }
}
