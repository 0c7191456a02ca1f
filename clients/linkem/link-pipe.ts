/**
 * One direction of one emulated connection. Each chunk is cut into slices, each slice
 * gets a departure time from the token bucket (serialisation) plus latency ± jitter
 * (propagation), and slices are delivered in order: a slice is never due before the one
 * ahead of it, because TCP never reorders a byte stream. Nothing is dropped; when more
 * than `highWaterBytes` is in flight the source is paused, so the sender's own TCP
 * window closes and memory stays bounded, exactly as on a slow real link.
 */
import type { Clock, TimerHandle } from '../../common/clock';
import type { Rng } from '../../common/random';
import type { TokenBucket } from './token-bucket';

/** How one direction is shaped right now (read per chunk, so a profile change applies to open connections). */
export interface DirectionShape {
  latencyMs: number;
  jitterMs: number;
  bucket: TokenBucket;
  /** Largest slice handed to the bucket at once; smaller slices pace more smoothly. */
  sliceBytes: number;
  /** Bytes in flight above which the source is paused (resumed at half). */
  highWaterBytes: number;
}

/** What a LinkPipe reads from and writes to (net.Socket in the proxy, PassThrough/Writable in tests). */
export interface PipeEnds {
  source: NodeJS.ReadableStream & { isPaused(): boolean };
  sink: NodeJS.WritableStream;
}

/** Settings of a LinkPipe. */
export interface LinkPipeOptions extends PipeEnds {
  clock: Clock;
  /** Jitter samples. */
  rng: Rng;
  shape: () => DirectionShape;
  /** Called with the size of every slice handed to the sink. */
  onDeliver?: (bytes: number) => void;
}

interface Slice {
  data: Buffer;
  dueAt: number;
}

/** Delays, paces and relays one byte stream, in order, with backpressure. */
export class LinkPipe {
  private readonly queue: Slice[] = [];
  private queuedBytes = 0;
  private lastDueAt = -Infinity;
  private timer: TimerHandle | undefined;
  private waitingForDrain = false;
  private pausedByUs = false;
  private sourceEnded = false;
  private stopped = false;
  private readonly onData = (chunk: Buffer | string) => this.enqueue(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  private readonly onEnd = () => {
    this.sourceEnded = true;
    this.pump();
  };
  private readonly onDrain = () => {
    this.waitingForDrain = false;
    this.pump();
  };

  constructor(private readonly options: LinkPipeOptions) {}

  /** Starts reading the source. */
  start(): void {
    this.options.source.on('data', this.onData);
    this.options.source.on('end', this.onEnd);
    this.options.source.resume();
  }

  /** Bytes accepted from the source and not yet handed to the sink. */
  get inFlightBytes(): number {
    return this.queuedBytes;
  }

  /** Stops relaying: drops what is in flight (the connection is going away), cancels the timer, detaches. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.options.source.off('data', this.onData);
    this.options.source.off('end', this.onEnd);
    this.options.sink.off('drain', this.onDrain);
  }

  private enqueue(chunk: Buffer): void {
    if (this.stopped) return;
    const { clock, rng } = this.options;
    const shape = this.options.shape();
    for (let offset = 0; offset < chunk.length; offset += shape.sliceBytes) {
      const data = chunk.subarray(offset, offset + shape.sliceBytes);
      const departAt = clock.now() + shape.bucket.reserve(data.length);
      const jitter = shape.jitterMs > 0 ? (rng() * 2 - 1) * shape.jitterMs : 0;
      const dueAt = Math.max(this.lastDueAt, departAt + Math.max(0, shape.latencyMs + jitter));
      this.lastDueAt = dueAt;
      this.queue.push({ data, dueAt });
      this.queuedBytes += data.length;
    }
    if (this.queuedBytes >= shape.highWaterBytes && !this.pausedByUs) {
      this.pausedByUs = true;
      this.options.source.pause();
    }
    this.pump();
  }

  private pump(): void {
    if (this.stopped || this.timer || this.waitingForDrain) return;
    const { clock, sink } = this.options;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const wait = head.dueAt - clock.now();
      if (wait > 0) {
        this.timer = clock.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        break;
      }
      this.queue.shift();
      this.queuedBytes -= head.data.length;
      this.options.onDeliver?.(head.data.length);
      if (!sink.write(head.data)) {
        this.waitingForDrain = true;
        sink.once('drain', this.onDrain);
        break;
      }
    }
    if (this.stopped) return;
    if (this.pausedByUs && this.queuedBytes <= this.options.shape().highWaterBytes / 2) {
      this.pausedByUs = false;
      this.options.source.resume();
    }
    // Half-close travels like data: the FIN arrives after the last byte, not before it.
    if (this.sourceEnded && this.queue.length === 0 && !this.waitingForDrain) {
      this.sourceEnded = false;
      sink.end();
    }
  }
}
