/**
 * Server-sent events on one HTTP response: the framing, and a stream that
 * drops a page which stops reading (its EventSource reconnects and reloads)
 * instead of buffering for it without bound.
 */
import type { ServerResponse } from 'node:http';

/** The events the dashboard's stream carries (static/app.js listens for each; a test checks it). */
export const DASHBOARD_EVENTS = {
  /** A run changed, and one of its rounds when that is what changed: `{ run, round? }`. */
  run: 'run',
  /** The clients view changed: every known client, as `/api/clients` answers. */
  clients: 'clients',
} as const;

/** The name of a dashboard event. */
export type DashboardEventName = (typeof DASHBOARD_EVENTS)[keyof typeof DASHBOARD_EVENTS];

/** One event, framed: its name, one `data:` line of JSON (JSON text never holds a raw newline), a blank line. */
export function sseFrame(event: DashboardEventName, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A comment line: keeps proxies and load balancers from closing a quiet stream. */
export const SSE_KEEPALIVE = ': keep-alive\n\n';

/** Bytes a page may leave unread before its stream is closed. @default 4 MiB */
export const DEFAULT_MAX_UNREAD_BYTES = 4 << 20;

/** One open event stream to one page. */
export class SseStream {
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxUnreadBytes = DEFAULT_MAX_UNREAD_BYTES,
    private readonly onClose: () => void = () => {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and friends buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
    // The page reconnects after this long if the stream breaks, ms.
    res.write('retry: 2000\n\n');
    res.on('close', () => this.close());
  }

  /** Whether the stream still takes events. */
  get open(): boolean {
    return !this.closed;
  }

  /** Writes a framed event or comment; a page that lets too much pile up is cut off. */
  send(frame: string): void {
    if (this.closed) return;
    if (this.res.writableLength > this.maxUnreadBytes) return this.close();
    this.res.write(frame);
  }

  /** Ends the stream; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
    this.onClose();
  }
}
