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
 * Top-k residuals are also dropped where another client delivered them. The
 * coordinator averages a top-k parameter over the clients that sent it
 * (streaming-fedavg.ts), so a parameter sent by one client of ten moves the
 * global model by that client's whole accumulated value, which stands for
 * everyone's. A client that kept its own accumulated value there would send it
 * again later and move the model a second time: measured, the accumulated
 * overshoot undoes the gain (Fashion-MNIST 2NN, top-k 1 %: 9 points lost
 * after 10 rounds, instead of 4 with the plain average). So after a top-k
 * upload the client keeps the global model it trained from (`base`), and
 * before the next update `dropDelivered(newGlobal)` zeroes the residual where
 * the model has moved since: those parameters were delivered (by its own
 * upload, up to int8 rounding, or by another client's). Where it has not moved
 * the residual carries on as above. Dense encodings move every parameter, so
 * their residual (rounding error only) is kept whole and no base is kept.
 *
 * Persistence format (`toBytes`), little-endian: magic "EF" (0x45 0x46),
 * version (1: residual only; 2: residual and base), one zero byte, u32 n,
 * then n × f32 residual, then for version 2 n × f32 base.
 */
import { InvalidArgumentError } from '../errors';
import { type Encoding, toEncoding } from './encoding';
import { createFoldingDecoder } from './folding-decoder';

const HEADER_BYTES = 8;

/** Per-client residual of what lossy encodings did not send. */
export class ErrorFeedback {
  private readonly r: Float32Array;
  /** The global model the residual is current against, kept only after top-k uploads (see the file comment). */
  private base: Float32Array | undefined;

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
   * For a top-k encoding, `trainedFrom` (the global model the update is a
   * delta from) is kept as the base for `dropDelivered`; otherwise none is kept.
   */
  recordPayload(compensated: Float32Array, encoding: Encoding | string, payload: Uint8Array, trainedFrom?: Float32Array): void {
    this.checkLength(compensated, 'compensated update');
    if (trainedFrom) this.checkLength(trainedFrom, 'global model');
    const next = Float32Array.from(compensated);
    const decoder = createFoldingDecoder(encoding, this.n, next, -1);
    decoder.push(payload);
    decoder.finish();
    this.r.set(next);
    if (!trainedFrom || toEncoding(encoding).kind !== 'topk') this.base = undefined;
    else if (this.base) this.base.set(trainedFrom); // the same model size (checked): reuse the array
    else this.base = Float32Array.from(trainedFrom);
  }

  /**
   * Zeroes the residual wherever `global` differs from the base kept by the
   * last top-k `recordPayload` (see the file comment), and makes `global` the
   * new base, so an update that never reaches the aggregate is not dropped
   * twice. Returns how many parameters were dropped; a no-op (0) with no base.
   */
  dropDelivered(global: Float32Array): number {
    this.checkLength(global, 'global model');
    const base = this.base;
    if (!base) return 0;
    const r = this.r;
    let dropped = 0;
    for (let i = 0; i < r.length; i++) {
      if (global[i] !== base[i]) {
        if (r[i] !== 0) dropped++;
        r[i] = 0;
      }
    }
    base.set(global);
    return dropped;
  }

  /** The current residual (a live view: copy it to keep it). */
  residual(): Float32Array {
    return this.r;
  }

  /** Forgets the residual (e.g. when the client drops out of a run). */
  reset(): void {
    this.r.fill(0);
    this.base = undefined;
  }

  /** The residual as bytes, for persistence across daemon restarts. */
  toBytes(): Uint8Array {
    const base = this.base;
    const out = new Uint8Array(HEADER_BYTES + (base ? 8 : 4) * this.n);
    const dv = new DataView(out.buffer);
    dv.setUint8(0, 0x45);
    dv.setUint8(1, 0x46);
    dv.setUint8(2, base ? 2 : 1);
    dv.setUint32(4, this.n, true);
    // Codecs run on little-endian hosts only (see encode-update.ts), so the residual's bytes are already LE.
    out.set(new Uint8Array(this.r.buffer, this.r.byteOffset, this.r.byteLength), HEADER_BYTES);
    if (base) out.set(new Uint8Array(base.buffer, base.byteOffset, base.byteLength), HEADER_BYTES + 4 * this.n);
    return out;
  }

  /** Restores a residual written by `toBytes`; throws InvalidArgumentError on a malformed or non-finite one. */
  static fromBytes(bytes: Uint8Array, expectedN?: number): ErrorFeedback {
    if (bytes.length < HEADER_BYTES) throw new InvalidArgumentError(`error feedback state of ${bytes.length} bytes is truncated`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const version = dv.getUint8(2);
    if (dv.getUint8(0) !== 0x45 || dv.getUint8(1) !== 0x46 || (version !== 1 && version !== 2) || dv.getUint8(3) !== 0) {
      throw new InvalidArgumentError('error feedback state does not start with the "EF" v1 or v2 header');
    }
    const n = dv.getUint32(4, true);
    if (expectedN !== undefined && n !== expectedN) throw new InvalidArgumentError(`error feedback state is for ${n} parameters, the model has ${expectedN}`);
    const vectors = version === 2 ? 2 : 1;
    if (bytes.length !== HEADER_BYTES + 4 * vectors * n) {
      throw new InvalidArgumentError(`error feedback state v${version} for ${n} parameters must be ${HEADER_BYTES + 4 * vectors * n} bytes, got ${bytes.length}`);
    }
    const ef = new ErrorFeedback(n);
    new Uint8Array(ef.r.buffer).set(bytes.subarray(HEADER_BYTES, HEADER_BYTES + 4 * n));
    checkFinite(ef.r, 'value');
    if (version === 2) {
      const base = new Float32Array(n);
      new Uint8Array(base.buffer).set(bytes.subarray(HEADER_BYTES + 4 * n));
      checkFinite(base, 'base value');
      ef.base = base;
    }
    return ef;
  }

  private checkLength(a: Float32Array, what: string): void {
    if (a.length !== this.n) throw new InvalidArgumentError(`${what} has ${a.length} values, expected ${this.n}`);
  }
}

function checkFinite(values: Float32Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) throw new InvalidArgumentError(`error feedback state has non-finite ${what} ${v} at parameter ${i}`);
  }
}
