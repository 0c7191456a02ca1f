/**
 * For the aggregation bench's staged baseline: decodes one float32 update,
 * chunk by chunk as PushUpdate delivers it, straight into an accumulator's
 * staging slot (wasm memory for the fused kernel): each chunk is validated
 * (contiguous offset, 4-byte multiple, no overrun), copied once into place,
 * scanned for NaN/±Inf while still in cache (SIMD on the fused kernel) and
 * hashed; `fold()` checks completeness and the sha256 of the whole and only
 * then folds the slot, so a broken or corrupt upload contributes nothing.
 * Rounds check and journal uploads instead (services/coordinator/rounds/
 * update-sink.ts) and fold only at close.
 */
import { createHash, type Hash } from 'node:crypto';
import { InvalidArgumentError } from '../../../../common/errors';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** What a StagedUpdate needs of an accumulator (FedAvgAccumulator or any WeightedSum). */
export interface StagingTarget {
  readonly size: number;
  stage(slot?: number): Float32Array;
  firstNonFinite(slot: number, from: number, n: number): number;
  foldStaged(weight: number, slot?: number): void;
}

/** One update being received into a staging slot. */
export class StagedUpdate {
  private received = 0;
  private readonly hash?: Hash;
  private readonly values: Float32Array;
  private readonly bytes: Uint8Array;
  private folded = false;

  /**
   * @param expectedSha256 lowercase hex sha256 of the whole update; null skips
   *   hashing (only for callers that verify integrity some other way).
   */
  constructor(
    private readonly target: StagingTarget,
    private readonly expectedSha256: string | null,
    readonly slot = 0,
  ) {
    this.values = target.stage(slot);
    this.bytes = new Uint8Array(this.values.buffer, this.values.byteOffset, this.values.byteLength);
    if (expectedSha256 !== null) this.hash = createHash('sha256');
  }

  /** Bytes accepted so far (the offset the next chunk must start at). */
  get receivedBytes(): number {
    return this.received;
  }

  /** Bytes the whole update has. */
  get expectedBytes(): number {
    return this.bytes.length;
  }

  /** Accepts the chunk at `offset`; throws InvalidArgumentError on any inconsistency. */
  write(offset: number, data: Uint8Array): void {
    if (this.folded) throw new InvalidArgumentError('update was already folded');
    if (offset !== this.received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${this.received}`);
    if (data.length % 4 !== 0) throw new InvalidArgumentError(`chunk of ${data.length} bytes is not a whole number of float32 values`);
    if (offset + data.length > this.bytes.length) {
      throw new InvalidArgumentError(`transfer overruns its declared size of ${this.bytes.length} bytes`);
    }
    const first = offset / 4;
    const count = data.length / 4;
    // Copy first, then check the copy while it is in cache: bytes past `received`
    // are scratch until accepted, so a bad chunk changes nothing that counts.
    if (LITTLE_ENDIAN) {
      this.bytes.set(data, offset);
    } else {
      const dv = new DataView(data.buffer, data.byteOffset, data.length);
      for (let i = 0; i < count; i++) this.values[first + i] = dv.getFloat32(i * 4, true);
    }
    const bad = this.target.firstNonFinite(this.slot, first, count);
    if (bad >= 0) throw new InvalidArgumentError(`non-finite value at parameter ${bad}`);
    this.hash?.update(data);
    this.received += data.length;
  }

  /** Checks completeness and the sha256, then folds the update weighted by `weight`. */
  fold(weight: number): void {
    if (this.folded) throw new InvalidArgumentError('update was already folded');
    if (this.received !== this.bytes.length) {
      throw new InvalidArgumentError(`transfer ended after ${this.received} of ${this.bytes.length} bytes`);
    }
    if (this.hash && this.hash.digest('hex') !== this.expectedSha256) {
      throw new InvalidArgumentError('sha256 of the transfer does not match its header');
    }
    this.folded = true;
    this.target.foldStaged(weight, this.slot);
  }
}
