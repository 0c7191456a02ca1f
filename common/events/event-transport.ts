/**
 * The port both event transports implement: the in-process one (demo, unit
 * tests, no NATS URL) and the NATS one. Callers publish plain JSON values on
 * subjects from `subjects.ts` and validate what they receive with `payloads.ts`.
 * Losing the server degrades the transport (messages buffered or dropped and
 * counted), it never makes publish throw.
 */
import type { Subscription } from '../event-bus';

export type { Subscription };

/** A received message: the concrete subject (wildcards resolved) and its JSON-decoded payload. */
export interface TransportMessage {
  subject: string;
  payload: unknown;
}

/** Connection changes, a union tagged by `type` (nats.js style). */
export type TransportStatus =
  | { type: 'connected' }
  | { type: 'disconnected' }
  | { type: 'reconnecting' }
  | { type: 'reconnected' }
  | { type: 'error'; error: Error };

/** Counters since start, for logs, metrics and tests. */
export interface TransportStats {
  /** Messages handed to the connection (including those buffered while disconnected). */
  published: number;
  /** Messages delivered to subscriptions. */
  received: number;
  /** Received messages that were not valid JSON, dropped. */
  malformed: number;
  /** Published messages that could not be sent or buffered, plus received ones a slow subscriber's backlog pushed out. */
  dropped: number;
  connected: boolean;
}

/** Publish/subscribe of JSON events on NATS-style subjects. */
export interface EventTransport {
  readonly kind: 'embedded' | 'nats';
  /** Connects; if the server is down it keeps retrying in the background and still resolves. */
  start(): Promise<void>;
  /** Idempotent: flushes what it can, closes the connection, ends every subscription and status iterator. */
  stop(): Promise<void>;
  /** JSON-encodes and sends; never throws because the server is down. Throws InvalidArgumentError for an invalid subject or a payload JSON cannot encode. */
  publish(subject: string, payload: unknown): void;
  /** Subscribes (`*` matches one token, `>` one or more trailing tokens); invalid JSON is counted as malformed and skipped. */
  subscribe(subject: string): Subscription<TransportMessage>;
  /** Connection changes from now on; ends when the transport stops. */
  status(): AsyncIterable<TransportStatus>;
  /** Current counters. */
  stats(): TransportStats;
}
