/**
 * Receives one client's update chunk by chunk. Chunks are validated (offset,
 * alignment, size, finite values) and decoded straight into a staging buffer;
 * only a complete update whose sha256 matches is folded into the round's
 * FedAvg sum. Staging makes the fold atomic: a client that drops mid-upload or
 * sends a bad checksum contributes nothing, instead of half an update.
 * Staging buffers are per upload in flight, never per selected client.
 */
import { Float32Assembler } from '../../../common/weights-codec';

/** The sink PushUpdate streams chunks into. */
export class UpdateReceiver {
  private readonly assembler: Float32Assembler;
  private settled = false;
  private firstChunkMs?: number;

  constructor(
    readonly clientId: string,
    readonly transferId: string,
    readonly numExamples: number,
    parameters: number,
    sha256: string,
    private readonly onComplete: (receiver: UpdateReceiver, values: Float32Array) => void,
    private readonly onAbort: (receiver: UpdateReceiver, reason: string, rejected: boolean) => void,
  ) {
    this.assembler = new Float32Assembler(new Float32Array(parameters), sha256);
  }

  /** Bytes accepted so far. */
  get receivedBytes(): number {
    return this.assembler.receivedBytes;
  }

  /** Bytes the whole update has. */
  get expectedBytes(): number {
    return this.assembler.target.byteLength;
  }

  /** Accepts one chunk; throws InvalidArgumentError if it is bad. */
  write(offset: number, data: Uint8Array, nowMs?: number): void {
    this.firstChunkMs ??= nowMs;
    this.assembler.write(offset, data);
  }

  /** Time since the first chunk, ms (undefined when chunks came without timestamps). */
  elapsedMs(nowMs: number): number | undefined {
    return this.firstChunkMs === undefined ? undefined : nowMs - this.firstChunkMs;
  }

  /** Verifies the whole update and folds it into the round; throws if it is incomplete or corrupt. */
  complete(): void {
    const values = this.assembler.finish();
    this.settled = true;
    this.onComplete(this, values);
  }

  /**
   * The upload broke off (`rejected` false) or its data was refused (`rejected`
   * true): nothing of it is aggregated either way.
   */
  abort(reason: string, rejected = false): void {
    if (this.settled) return;
    this.settled = true;
    this.onAbort(this, reason, rejected);
  }
}
