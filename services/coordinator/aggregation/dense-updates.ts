/**
 * A round's accepted updates as whole models, for the rules that need every
 * update at once: the robust aggregators (median, trimmed mean, Krum) and the
 * mean of clipped updates (a norm bound, DP-FedAvg). The streaming FedAvg path
 * never needs this; it folds the journals directly (streaming-fedavg.ts).
 *
 * Each update is decoded once from its journal into a model-sized float32
 * image: new weights as sent, a delta added to the global model it was trained
 * from (a top-k delta leaves the parameters it did not send at the global
 * value). The image goes to a spool file (kept in memory only when there is no
 * spool directory), with the L2 norm of its distance from the global model and
 * the scale that clips it to the round's bound. Aggregators then walk the
 * model block by block, reading the same block of every update: memory is one
 * model for the decode, one for the result and `updates × block` values,
 * whatever the number of updates.
 *
 * Updates are held in client-id order, and every aggregator visits them in
 * that order, so a result does not depend on arrival order.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createFoldingDecoder } from '../../../common/codecs';
import { DataLossError, ResourceExhaustedError } from '../../../common/errors';
import { distance } from '../strategy/server-opt';
import type { VerifiedUpdate } from './streaming-fedavg';
import { makeDirSync } from '../../../common/make-dir';

/** One accepted update, as the aggregators see it. */
export interface DenseUpdate {
  clientId: string;
  numExamples: number;
  /** ‖update − global‖₂, before clipping. */
  norm: number;
  /** What its difference from the global model is multiplied by when read: min(1, bound / norm), 1 without a bound. */
  scale: number;
}

/** Options of {@link DenseUpdates.decode}. */
export interface DenseOptions {
  /** Directory for the images; undefined keeps them in memory (tests, small models). */
  spoolDir?: string;
  /** Clip every update's distance from the global model to this L2 norm when it is read. */
  clipNorm?: number;
  /** Values per update read at a time. @default as many as fit 16 MiB for all updates together */
  blockValues?: number;
  /**
   * Called for an update whose journal does not read back as written (it is
   * then left out); without it the DataLossError is thrown.
   */
  refuse?: (update: VerifiedUpdate, err: DataLossError) => void;
}

/** Bytes of all updates' blocks together, when the caller does not choose. */
const BLOCK_BUDGET_BYTES = 16 << 20;
const MIN_BLOCK_VALUES = 1024;

let sequence = 0;

/** Where one update's image lives. */
interface Image {
  read(start: number, out: Float32Array): void;
  close(): void;
}

/** The accepted updates of one round as whole, possibly clipped, models; see the file comment. */
export class DenseUpdates {
  private constructor(
    readonly global: Float32Array,
    readonly updates: readonly DenseUpdate[],
    private readonly images: Image[],
    /** Bytes written to the spool directory (0 when kept in memory). */
    readonly spooledBytes: number,
    private readonly blockValues: number,
  ) {}

  /** Decodes `accepted` (any order; held in client-id order) against `global`, the model the round trained from. */
  static decode(accepted: readonly VerifiedUpdate[], global: Float32Array, options: DenseOptions = {}): DenseUpdates {
    const size = global.length;
    const sorted = [...accepted].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
    const scratch = new Float32Array(size);
    const images: Image[] = [];
    const updates: DenseUpdate[] = [];
    let spooled = 0;
    try {
      for (const u of sorted) {
        try {
          decodeInto(u, global, scratch);
        } catch (err) {
          if (!(err instanceof DataLossError) || !options.refuse) throw err;
          options.refuse(u, err);
          continue;
        }
        const norm = distance(scratch, global);
        const bound = options.clipNorm;
        const scale = bound !== undefined && norm > bound ? bound / norm : 1;
        updates.push({ clientId: u.clientId, numExamples: u.numExamples, norm, scale });
        if (options.spoolDir) {
          images.push(FileImage.write(options.spoolDir, u.clientId, scratch));
          spooled += scratch.byteLength;
        } else {
          images.push(new MemoryImage(scratch.slice()));
        }
      }
    } catch (err) {
      for (const i of images) i.close();
      throw err;
    }
    const block = options.blockValues ?? Math.max(MIN_BLOCK_VALUES, Math.floor(BLOCK_BUDGET_BYTES / 4 / Math.max(1, sorted.length)));
    return new DenseUpdates(global, updates, images, spooled, Math.min(block, Math.max(1, size)));
  }

  /** Parameters per update. */
  get size(): number {
    return this.global.length;
  }

  /** How many updates were clipped (scale < 1). */
  get clipped(): number {
    return this.updates.filter((u) => u.scale < 1).length;
  }

  /**
   * Walks the model in blocks: `each(start, rows)` gets, for the parameters
   * [start, start + rows[k].length), every update's values in `updates` order,
   * already clipped. The rows are reused between calls.
   */
  forEachBlock(each: (start: number, rows: readonly Float32Array[]) => void): void {
    const k = this.images.length;
    const buffers = Array.from({ length: k }, () => new Float32Array(this.blockValues));
    for (let start = 0; start < this.size; start += this.blockValues) {
      const n = Math.min(this.blockValues, this.size - start);
      const rows = n === this.blockValues ? buffers : buffers.map((b) => b.subarray(0, n));
      for (let i = 0; i < k; i++) {
        this.images[i].read(start, rows[i]);
        const scale = this.updates[i].scale;
        if (scale === 1) continue;
        const row = rows[i];
        for (let j = 0; j < n; j++) {
          const g = this.global[start + j];
          row[j] = g + scale * (row[j] - g);
        }
      }
      each(start, rows);
    }
  }

  /** Deletes the images. Idempotent. */
  close(): void {
    for (const i of this.images) i.close();
    this.images.length = 0;
  }
}

/** The update as a whole model, into `out`. */
function decodeInto(u: VerifiedUpdate, global: Float32Array, out: Float32Array): void {
  if (u.kind === 'weights') {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    u.journal.replay((offset, piece) => bytes.set(piece, offset));
    return;
  }
  // A delta, folded with weight 1 into zeros, then moved onto the global model. Top-k is
  // read as a dense delta: a parameter it did not send stays at the global value.
  out.fill(0);
  const decoder = createFoldingDecoder(u.encoding, out.length, out, 1);
  u.journal.replay((_offset, piece) => decoder.push(piece));
  decoder.finish();
  for (let i = 0; i < out.length; i++) out[i] += global[i];
}

class MemoryImage implements Image {
  constructor(private values: Float32Array | undefined) {}

  read(start: number, out: Float32Array): void {
    out.set(this.values!.subarray(start, start + out.length));
  }

  close(): void {
    this.values = undefined;
  }
}

class FileImage implements Image {
  private constructor(
    private readonly file: string,
    private fd: number | undefined,
  ) {}

  static write(dir: string, clientId: string, values: Float32Array): FileImage {
    const safe = clientId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
    const file = path.join(dir, `${process.pid}-${++sequence}-${safe}.dense`);
    let fd: number | undefined;
    try {
      makeDirSync(dir);
      fd = openSync(file, 'w+', 0o600);
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, done);
      return new FileImage(file, fd);
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      try {
        unlinkSync(file);
      } catch {
        // never created
      }
      throw new ResourceExhaustedError(`cannot spool an update for aggregation to ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }

  read(start: number, out: Float32Array): void {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(this.fd!, bytes, got, bytes.length - got, start * 4 + got);
      if (n === 0) throw new Error(`spool file ${this.file} is shorter than what was written`);
      got += n;
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    try {
      unlinkSync(this.file);
    } catch {
      // already gone (the spool directory was cleaned)
    }
  }
}
