/**
 * Update sinks with per-chunk digests (docs/aggregation.md, "The per-chunk
 * check"): every chunk is checked against its XXH64 digest before any of it is
 * kept, a resumed call's re-sent bytes are checked with their chunk, and a
 * client without digests still proves its upload with the sha256 of the whole.
 */
import { describe, expect, it } from 'vitest';
import { chunkDigest } from '../../common/chunk-check/chunk-checker';
import { DEFAULT_VALUE_BOUND, encodeUpdate } from '../../common/codecs';
import { InvalidArgumentError } from '../../common/errors';
import { chunks, float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';
import { createJournal, type UpdateJournal } from '../../services/coordinator/rounds/update-journal';
import { encodedSink, float32Sink, type UpdateSink } from '../../services/coordinator/rounds/update-sink';

const N = 5000;
const CHUNK = 4096;
const values = Float32Array.from({ length: N }, (_, i) => Math.cos(i * 0.01));
const bytes = float32ToBytes(values);

function withDigests(journal: UpdateJournal = createJournal(bytes.length, 'x', {})): { sink: UpdateSink; journal: UpdateJournal } {
  return { sink: float32Sink(N, { journal, sha256: '', chunkDigest: 'xxh64', bound: DEFAULT_VALUE_BOUND }), journal };
}

function replayed(journal: UpdateJournal): Buffer {
  const parts: Uint8Array[] = [];
  journal.replay((_o, b) => parts.push(Uint8Array.from(b)));
  return Buffer.concat(parts);
}

function average(sink: UpdateSink): Float32Array {
  const fedavg = new StreamingFedAvg(N);
  fedavg.add({ clientId: 'c', numExamples: 3, kind: sink.kind, encoding: 'float32', journal: sink.handOver() });
  const out = fedavg.average();
  void fedavg.dispose();
  return out;
}

describe('update sink with chunk digests', () => {
  it('update sink - an upload whose every chunk matches its digest is accepted and averages to the same bits as one proven by its sha256', () => {
    const { sink } = withDigests();
    for (const [offset, data] of chunks(bytes, CHUNK)) sink.write(offset, data, chunkDigest(data, offset));
    sink.finish();
    const old = float32Sink(N, { journal: createJournal(bytes.length, 'y', {}), sha256: sha256Hex(bytes), bound: DEFAULT_VALUE_BOUND });
    for (const [offset, data] of chunks(bytes, CHUNK)) old.write(offset, data);
    old.finish();
    expect(Buffer.from(average(sink).buffer)).toEqual(Buffer.from(average(old).buffer));
  });

  it('update sink - a corrupted chunk is refused naming it, before any of it is kept, and the upload is dead', () => {
    const { sink, journal } = withDigests();
    const parts = [...chunks(Buffer.from(bytes), CHUNK)];
    const digests = parts.map(([offset, data]) => chunkDigest(data, offset));
    sink.write(0, parts[0][1], digests[0]);
    sink.write(CHUNK, parts[1][1], digests[1]);
    const corrupt = Uint8Array.from(parts[2][1]);
    corrupt[100] ^= 0x10; // one bit, in a value that stays within the bound
    expect(() => sink.write(2 * CHUNK, corrupt, digests[2])).toThrow(/chunk at offset 8192 \(4096 bytes\) does not match its xxh64 digest/);
    expect(journal.bytes).toBe(2 * CHUNK);
    expect(() => sink.write(2 * CHUNK, parts[2][1], digests[2])).toThrow(InvalidArgumentError);
  });

  it('update sink - a chunk without a digest, or with the digest of its bytes at another offset, is refused', () => {
    const a = withDigests().sink;
    expect(() => a.write(0, bytes.subarray(0, CHUNK))).toThrow(/chunk at offset 0 carries no xxh64 digest/);
    const b = withDigests().sink;
    b.write(0, bytes.subarray(0, CHUNK), chunkDigest(bytes.subarray(0, CHUNK), 0));
    // The right bytes for offset 4096, with the digest they would have at offset 0: a splice.
    const piece = bytes.subarray(CHUNK, 2 * CHUNK);
    expect(() => b.write(CHUNK, piece, chunkDigest(piece, 0))).toThrow(/chunk at offset 4096 .* does not match/);
  });

  it('update sink - a resumed call re-sending kept bytes has its whole chunk checked, and only its new bytes are kept', () => {
    const { sink, journal } = withDigests();
    sink.write(0, bytes.subarray(0, 2 * CHUNK), chunkDigest(bytes.subarray(0, 2 * CHUNK), 0));
    // The resumed call starts lower (it did not know how far the first got) and in other chunk sizes.
    const again = bytes.subarray(CHUNK, 3 * CHUNK);
    const tampered = Uint8Array.from(again);
    tampered[0] ^= 1; // a byte of the part already kept
    const probe = withDigests();
    probe.sink.write(0, bytes.subarray(0, 2 * CHUNK), chunkDigest(bytes.subarray(0, 2 * CHUNK), 0));
    expect(() => probe.sink.write(CHUNK, tampered, chunkDigest(again, CHUNK))).toThrow(/offset 4096 .* does not match/);
    sink.write(CHUNK, again, chunkDigest(again, CHUNK));
    expect(sink.receivedBytes).toBe(3 * CHUNK);
    for (const [offset, data] of chunks(bytes, CHUNK, 3 * CHUNK)) sink.write(offset, data, chunkDigest(data, offset));
    sink.finish();
    expect(replayed(journal)).toEqual(Buffer.from(bytes));
    expect(() => sink.write(10 * CHUNK, bytes.subarray(0, 4), chunkDigest(bytes.subarray(0, 4), 0))).toThrow(InvalidArgumentError);
  });

  it('update sink - with digests, a value outside the bound is still refused naming its parameter', () => {
    const bad = values.slice();
    bad[1500] = 5e30;
    const b = float32ToBytes(bad);
    const { sink } = withDigests();
    sink.write(0, b.subarray(0, CHUNK), chunkDigest(b.subarray(0, CHUNK), 0));
    const second = b.subarray(CHUNK, 2 * CHUNK);
    expect(() => sink.write(CHUNK, second, chunkDigest(second, CHUNK))).toThrow(/value 4\.99\d+e\+30 at parameter 1500 is outside the update value bound/);
  });

  it('update sink - an encoded delta in chunks of any size is checked chunk by chunk too', () => {
    const payload = Buffer.from(encodeUpdate(values, 'int8'));
    const sinkOf = () => encodedSink('int8', N, payload.length, { journal: createJournal(payload.length, 'e', {}), sha256: '', chunkDigest: 'xxh64', bound: DEFAULT_VALUE_BOUND });
    const good = sinkOf();
    good.write(0, payload.subarray(0, 2000), chunkDigest(payload.subarray(0, 2000), 0));
    // A resumed call re-sending the decoder's last 1000 bytes: checked, then only the rest decoded.
    for (const [offset, data] of chunks(payload, 1000, 1000)) good.write(offset, data, chunkDigest(data, offset));
    good.finish();
    const bad = sinkOf();
    const corrupt = Uint8Array.from(payload.subarray(2000, 3000));
    corrupt[7] ^= 0x40;
    bad.write(0, payload.subarray(0, 2000), chunkDigest(payload.subarray(0, 2000), 0));
    expect(() => bad.write(2000, corrupt, chunkDigest(payload.subarray(2000, 3000), 2000))).toThrow(/chunk at offset 2000 \(1000 bytes\) does not match its xxh64 digest/);
  });

  it('update sink - a client without digests proves its upload by the sha256 of the whole, checked at the end', () => {
    const sink = float32Sink(N, { journal: createJournal(bytes.length, 'x', {}), sha256: sha256Hex(bytes), bound: DEFAULT_VALUE_BOUND });
    const corrupt = Uint8Array.from(bytes);
    corrupt[9000] ^= 0x10;
    for (const [offset, data] of chunks(Buffer.from(corrupt), CHUNK)) sink.write(offset, data);
    expect(() => sink.finish()).toThrow(/sha256 of the transfer does not match its header/);
  });
});
