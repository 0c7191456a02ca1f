/**
 * The bytes a global model version is served as, per encoding. float32 is a
 * zero-copy view of the weights; float16 is encoded once per version and kept,
 * so a round's broadcast to N clients costs one encoding, not N.
 */
import { encodeUpdate } from '../../common/codecs';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';

/** Encodings a model can be downloaded in. */
export type ModelEncoding = 'float32' | 'float16';

/** Served form of one model version. */
export interface ServedModel {
  bytes: Buffer;
  /** sha256 of `bytes` (for float32, the model version itself). */
  sha256: string;
}

/** A small cache of encoded model versions. */
export class ModelBroadcast {
  private readonly encoded = new Map<string, ServedModel>();

  /** @param capacity encoded versions kept (a round needs one; a retry or a late client may need the previous). */
  constructor(private readonly capacity = 4) {}

  /** The served bytes of `weights` (whose sha256 is `version`) in `encoding`. */
  serve(version: string, weights: Float32Array, encoding: ModelEncoding): ServedModel {
    if (encoding === 'float32') return { bytes: float32ToBytes(weights), sha256: version };
    const key = `${version}/${encoding}`;
    let hit = this.encoded.get(key);
    if (!hit) {
      const payload = encodeUpdate(weights, encoding);
      const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      hit = { bytes, sha256: sha256Hex(bytes) };
      this.encoded.set(key, hit);
      while (this.encoded.size > this.capacity) this.encoded.delete(this.encoded.keys().next().value as string);
    }
    return hit;
  }

  /** How many encodings were made (tests check "once per version"). */
  get size(): number {
    return this.encoded.size;
  }
}
