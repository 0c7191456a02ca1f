/**
 * Client-side error feedback for lossy encodings (Seide et al. 2014,
 * Karimireddy et al. 2019): what an encoding drops this round is added to the
 * next round's delta, so over rounds nothing is lost, only delayed:
 *
 *   compensated_t = delta_t + residual_{t-1}
 *   residual_t    = compensated_t − decoded(encode(compensated_t))
 *
 * hence Σ_t sent_t + residual_T = Σ_t delta_t (up to float32 rounding).
 *
 * Persistence format (`toBytes`), little-endian: magic "EF" (0x45 0x46),
 * version 1, one zero byte, u32 n, then n × f32 residual.
 */
import { InvalidArgumentError } from '../errors';
import type { Encoding } from './encoding';
import { createFoldingDecoder } from './folding-decoder';

const HEADER_BYTES = 8;

/** Per-client residual of what lossy encodings did not send. */
export class ErrorFeedback {
  private readonly r: Float32Array;

  /** @param n parameter count of the model. */
  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`parameter count must be a non-negative integer, got ${n}`);
    this.r = new Float32Array(n);
  }

  /** delta + residual, into `out` (a new array unless given; `out` may be `delta` itself). */
  compensate(delta: Float32Array, out: Float32Array = new Float32Array(this.n)): Float32Array {
    this.checkLength(delta, 'delta');
    this.checkLength(out, 'output');
    const r = this.r;
    for (let i = 0; i < r.length; i++) out[i] = delta[i] + r[i];
    return out;
  }

  /** Records what was sent: residual = compensated − sent, where `sent` is what the receiver decodes. */
  record(compensated: Float32Array, sent: Float32Array): void {
    this.checkLength(compensated, 'compensated update');
    this.checkLength(sent, 'sent update');
    const r = this.r;
    for (let i = 0; i < r.length; i++) r[i] = compensated[i] - sent[i];
  }

  /**
   * Like `record`, decoding `payload` (weight −1) into a copy of `compensated`
   * that becomes the residual, so a bad payload leaves the residual as it was.
   */
  recordPayload(compensated: Float32Array, encoding: Encoding | string, payload: Uint8Array): void {
    this.checkLength(compensated, 'compensated update');
    const next = Float32Array.from(compensated);
    const decoder = createFoldingDecoder(encoding, this.n, next, -1);
    decoder.push(payload);
    decoder.finish();
    this.r.set(next);
  }

  /** The current residual (a live view: copy it to keep it). */
  residual(): Float32Array {
    return this.r;
  }

  /** Forgets the residual (e.g. when the client drops out of a run). */
  reset(): void {
    this.r.fill(0);
  }

  /** The residual as bytes, for persistence across daemon restarts. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(HEADER_BYTES + 4 * this.n);
    const dv = new DataView(out.buffer);
    dv.setUint8(0, 0x45);
    dv.setUint8(1, 0x46);
    dv.setUint8(2, 1);
    dv.setUint32(4, this.n, true);
    // Codecs run on little-endian hosts only (see encode-update.ts), so the residual's bytes are already LE.
    out.set(new Uint8Array(this.r.buffer, this.r.byteOffset, this.r.byteLength), HEADER_BYTES);
    return out;
  }

  /** Restores a residual written by `toBytes`; throws InvalidArgumentError on a malformed or non-finite one. */
  static fromBytes(bytes: Uint8Array, expectedN?: number): ErrorFeedback {
    if (bytes.length < HEADER_BYTES) throw new InvalidArgumentError(`error feedback state of ${bytes.length} bytes is truncated`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    if (dv.getUint8(0) !== 0x45 || dv.getUint8(1) !== 0x46 || dv.getUint8(2) !== 1 || dv.getUint8(3) !== 0) {
      throw new InvalidArgumentError('error feedback state does not start with the "EF" v1 header');
    }
    const n = dv.getUint32(4, true);
    if (expectedN !== undefined && n !== expectedN) throw new InvalidArgumentError(`error feedback state is for ${n} parameters, the model has ${expectedN}`);
    if (bytes.length !== HEADER_BYTES + 4 * n) throw new InvalidArgumentError(`error feedback state for ${n} parameters must be ${HEADER_BYTES + 4 * n} bytes, got ${bytes.length}`);
    const ef = new ErrorFeedback(n);
    new Uint8Array(ef.r.buffer).set(bytes.subarray(HEADER_BYTES));
    for (let i = 0; i < n; i++) {
      const v = ef.r[i];
      if (v - v !== 0) throw new InvalidArgumentError(`error feedback state has non-finite value ${v} at parameter ${i}`);
    }
    return ef;
  }

  private checkLength(a: Float32Array, what: string): void {
    if (a.length !== this.n) throw new InvalidArgumentError(`${what} has ${a.length} values, expected ${this.n}`);
  }
}
