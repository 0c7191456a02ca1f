/**
 * Where an update's bytes go as they arrive, by encoding. Raw float32 weights
 * are validated and copied into the staging buffer; an encoded delta is
 * decoded chunk by chunk straight onto a copy of the global model it was
 * trained from. Either way `finish()` yields the client's new weights, with
 * the transfer's sha256 checked.
 */
import { createHash, type Hash } from 'node:crypto';
import { createFoldingDecoder, type FoldingDecoder } from '../../../common/codecs';
import { InvalidArgumentError } from '../../../common/errors';
import { Float32Assembler } from '../../../common/weights-codec';

/** Receives contiguous chunks (offsets already de-duplicated by the receiver). */
export interface UpdateSink {
  readonly receivedBytes: number;
  readonly expectedBytes: number;
  write(offset: number, data: Uint8Array): void;
  finish(): Float32Array;
}

/** The raw float32 path: the update is the client's new weights. */
export function float32Sink(parameters: number, sha256: string): UpdateSink {
  const assembler = new Float32Assembler(new Float32Array(parameters), sha256);
  return {
    get receivedBytes() {
      return assembler.receivedBytes;
    },
    expectedBytes: parameters * 4,
    write: (offset, data) => assembler.write(offset, data),
    finish: () => assembler.finish(),
  };
}

/** An encoded delta from `global`, decoded as it streams in. */
export function encodedSink(encoding: string, global: Float32Array, totalBytes: number, sha256: string): UpdateSink {
  const weights = global.slice();
  const decoder: FoldingDecoder = createFoldingDecoder(encoding, weights.length, weights, 1);
  const hash: Hash = createHash('sha256');
  let received = 0;
  return {
    get receivedBytes() {
      return received;
    },
    expectedBytes: totalBytes,
    write(offset, data) {
      if (offset !== received) throw new InvalidArgumentError(`chunk at offset ${offset}, expected ${received}`);
      if (received + data.length > totalBytes) throw new InvalidArgumentError(`transfer overruns its declared size of ${totalBytes} bytes`);
      decoder.push(data);
      hash.update(data);
      received += data.length;
    },
    finish() {
      if (received !== totalBytes) throw new InvalidArgumentError(`transfer ended after ${received} of ${totalBytes} bytes`);
      if (hash.digest('hex') !== sha256) throw new InvalidArgumentError('sha256 of the transfer does not match its header');
      decoder.finish();
      for (let i = 0; i < weights.length; i++) {
        if (!Number.isFinite(weights[i])) throw new InvalidArgumentError(`update makes parameter ${i} non-finite`);
      }
      return weights;
    },
  };
}
