/**
 * An upload journaled to a spool file, with a digest for every piece written,
 * checked when the piece is read back at the fold. An upload's bytes are
 * checked as they arrive (update-sink.ts); between that check and the fold the
 * spool file is the one place they leave the process, so what comes back is
 * checked against what went out: a piece that does not match throws
 * DataLossError before any of it is handed to the fold.
 *
 * The digest is XXH64 seeded with the piece's offset, the same function as the
 * chunk digests clients send (common/chunk-check): a chunk that arrived with a
 * digest, or whose float32 check computed one in the same pass, is recorded
 * with it at no cost; otherwise the journal computes it (wasm, memory speed).
 * Chunks under MIN_RECORD bytes are gathered into one record, so a client
 * sending tiny chunks cannot grow the list of digests. Where WebAssembly SIMD
 * is missing, 64 bits of a sha256 stand in for XXH64 (slower, same role).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { chunkCheckAvailable, xxh64 } from '../../../common/chunk-check/chunk-checker';
import { DataLossError, ResourceExhaustedError } from '../../../common/errors';
import type { UpdateJournal } from './update-journal';
import { makeDirSync } from '../../../common/make-dir';

/** Smallest piece with a digest of its own; smaller chunks are gathered up to it. */
const MIN_RECORD = 64 << 10;
/** Largest piece handed to the fold at a time (its scratch takes 1 MiB). */
const REPLAY_PIECE = 1 << 20;

/**
 * The buffer replays read into, shared: a fresh one per replay costs a page fault per
 * 4 KiB on first touch, every update of every round. Replays run synchronously and the
 * bytes they hand out are valid only during the call, so one buffer serves them all (a
 * replay started from inside another one gets its own).
 */
let shared: Buffer | undefined;
let sharedBusy = false;

/** The digest a piece at `offset` is recorded with (see the file comment). */
function pieceDigest(bytes: Uint8Array, offset: number): bigint {
  if (chunkCheckAvailable()) return xxh64(bytes, BigInt(offset));
  const seed = Buffer.alloc(8);
  seed.writeBigUInt64BE(BigInt(offset));
  return createHash('sha256').update(seed).update(bytes).digest().readBigUInt64BE(0);
}

/** A journal in a spool file; see the file comment. */
export class FileJournal implements UpdateJournal {
  private fd?: number;
  bytes = 0;
  readonly spooled = true;
  /** One entry per record, in file order: its length and digest. */
  private readonly lengths: number[] = [];
  private readonly digests: bigint[] = [];
  private longest = 0;
  /** Small chunks written but not under a digest yet: a copy of their bytes (they start at `bytes - pendingBytes`). */
  private pending?: Buffer;
  private pendingBytes = 0;

  constructor(
    private readonly file: string,
    private readonly dir: string,
  ) {}

  /** Pieces under a digest of their own so far (chunks under MIN_RECORD bytes share one). */
  get records(): number {
    return this.lengths.length + (this.pendingBytes > 0 ? 1 : 0);
  }

  append(chunk: Uint8Array, digest?: bigint): void {
    if (chunk.length === 0) return;
    try {
      if (this.fd === undefined) {
        makeDirSync(this.dir);
        this.fd = openSync(this.file, 'w+', 0o600);
      }
      let done = 0;
      while (done < chunk.length) done += writeSync(this.fd, chunk, done, chunk.length - done, this.bytes + done);
    } catch (err) {
      throw new ResourceExhaustedError(`cannot spool the upload to ${this.dir}: ${(err as Error).message}`, { cause: err });
    }
    if (chunk.length >= MIN_RECORD) {
      this.seal();
      this.record(chunk.length, digest ?? pieceDigest(chunk, this.bytes));
    } else {
      // Copied: the caller may reuse its buffer, and these few bytes are all the journal holds.
      this.pending ??= Buffer.allocUnsafe(2 * MIN_RECORD);
      this.pending.set(chunk, this.pendingBytes);
      this.pendingBytes += chunk.length;
      this.bytes += chunk.length;
      if (this.pendingBytes >= MIN_RECORD) this.seal();
      return;
    }
    this.bytes += chunk.length;
  }

  replay(each: (offset: number, bytes: Uint8Array) => void): void {
    if (this.fd === undefined) return;
    this.seal();
    const own = sharedBusy;
    if (!own && (shared === undefined || shared.length < this.longest)) shared = Buffer.allocUnsafe(Math.max(this.longest, REPLAY_PIECE));
    const buf = own ? Buffer.allocUnsafe(this.longest) : shared!;
    if (!own) sharedBusy = true;
    try {
      this.replayInto(buf, each);
    } finally {
      if (!own) sharedBusy = false;
    }
  }

  private replayInto(buf: Buffer, each: (offset: number, bytes: Uint8Array) => void): void {
    let offset = 0;
    for (let r = 0; r < this.lengths.length; r++) {
      const length = this.lengths[r];
      const piece = buf.subarray(0, length);
      let got = 0;
      while (got < length) {
        const n = readSync(this.fd!, piece, got, length - got, offset + got);
        if (n === 0) throw new DataLossError(`spool file ${this.file} ends at ${offset + got} bytes, ${this.bytes} were written`, { offset: offset + got });
        got += n;
      }
      if (pieceDigest(piece, offset) !== this.digests[r]) {
        throw new DataLossError(`spool file ${this.file}: the ${length} bytes at offset ${offset} do not match the digest they were written with`, { offset });
      }
      for (let p = 0; p < length; p += REPLAY_PIECE) each(offset + p, piece.subarray(p, Math.min(length, p + REPLAY_PIECE)));
      offset += length;
    }
  }

  close(): void {
    this.pending = undefined;
    this.pendingBytes = 0;
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.bytes = 0;
    try {
      unlinkSync(this.file);
    } catch {
      // already gone (the spool directory was cleaned): nothing to free
    }
  }

  /** Puts the gathered small chunks under one digest. */
  private seal(): void {
    if (this.pendingBytes === 0) return;
    const bytes = this.pending!.subarray(0, this.pendingBytes);
    this.record(bytes.length, pieceDigest(bytes, this.bytes - bytes.length));
    this.pendingBytes = 0;
  }

  private record(length: number, digest: bigint): void {
    this.lengths.push(length);
    this.digests.push(digest);
    this.longest = Math.max(this.longest, length);
  }
}
