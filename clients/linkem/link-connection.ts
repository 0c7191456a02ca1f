/**
 * One proxied TCP connection: the client's socket, the socket to the target, and a
 * LinkPipe per direction. Closing follows TCP: a FIN is relayed after the data ahead of
 * it, an error or RST on one side resets the other, and an emulated reset sends RSTs both ways.
 */
import type { Socket } from 'node:net';
import type { Clock } from '../../common/clock';
import type { Rng } from '../../common/random';
import { LinkPipe, type DirectionShape } from './link-pipe';

/** Settings of a LinkConnection. */
export interface LinkConnectionOptions {
  /** Accepted from the client (down is written here). */
  client: Socket;
  /** Connected to the target (up is written here). */
  upstream: Socket;
  clock: Clock;
  rng: Rng;
  up: () => DirectionShape;
  down: () => DirectionShape;
  onBytes: (direction: 'up' | 'down', bytes: number) => void;
  /** Called once, when both sockets are gone. */
  onClose: () => void;
}

/** Sends an RST where possible (a connected TCP socket), else just destroys. */
export function hardClose(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || typeof socket.resetAndDestroy !== 'function') socket.destroy();
  else socket.resetAndDestroy();
}

/** A client↔target pair relayed through two shaped pipes. */
export class LinkConnection {
  private readonly upPipe: LinkPipe;
  private readonly downPipe: LinkPipe;
  private closed = false;

  constructor(private readonly options: LinkConnectionOptions) {
    const { client, upstream, clock, rng, onBytes } = options;
    this.upPipe = new LinkPipe({ source: client, sink: upstream, clock, rng, shape: options.up, onDeliver: (n) => onBytes('up', n) });
    this.downPipe = new LinkPipe({ source: upstream, sink: client, clock, rng, shape: options.down, onDeliver: (n) => onBytes('down', n) });
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      // An abortive close on one side is an abortive close on the other: the peer must see a reset, not a clean EOF.
      socket.on('error', () => hardClose(other));
      socket.on('close', (hadError) => {
        if (hadError) hardClose(other);
        this.maybeClosed();
      });
    }
  }

  /** Starts relaying both directions. */
  start(): void {
    this.upPipe.start();
    this.downPipe.start();
  }

  /** Emulated reset: RST to both peers, in-flight data lost (as with a real reset). */
  reset(): void {
    this.stopPipes();
    hardClose(this.options.client);
    hardClose(this.options.upstream);
  }

  /** Closes both sockets now (emulator shutdown). */
  destroy(): void {
    this.stopPipes();
    this.options.client.destroy();
    this.options.upstream.destroy();
  }

  private stopPipes(): void {
    this.upPipe.stop();
    this.downPipe.stop();
  }

  private maybeClosed(): void {
    if (this.closed || !this.options.client.destroyed || !this.options.upstream.destroyed) return;
    this.closed = true;
    this.stopPipes();
    this.options.onClose();
  }
}
