/**
 * What every Store backend does with checkpoints: versions are the sha256 of
 * the float32 bytes, checked on the way in (a wrong version is the caller's
 * mistake) and on the way out (a mismatch is corruption at rest).
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../../common/errors';
import { float32ToBytes } from '../../../common/weights-codec';

/** Throws InvalidArgumentError unless `version` is a lowercase sha256 hex digest. */
export function checkVersion(version: string): void {
  if (!/^[0-9a-f]{64}$/.test(version)) throw new InvalidArgumentError(`model version must be a sha256 hex digest, got "${version}"`);
}

/** The bytes to store for `weights`; InvalidArgumentError if they are not `version`. */
export function versionedBytes(version: string, weights: Float32Array): Buffer {
  checkVersion(version);
  const bytes = float32ToBytes(weights);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== version) throw new InvalidArgumentError(`model version ${version} does not match its weights (sha256 ${actual})`);
  return bytes;
}

/** Weights read back from `where`; throws (corruption, not a bad argument) if their sha256 is not `version`. */
export function weightsFromStored(version: string, bytes: Uint8Array, where: string): Float32Array {
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== version) throw new Error(`checkpoint ${version} is corrupt in ${where} (sha256 ${actual})`);
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}
