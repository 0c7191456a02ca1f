/**
 * The IDX format (MNIST, Fashion-MNIST): a magic number giving the element type
 * and the number of dimensions, the dimensions as big-endian uint32, then the
 * elements. Unsigned bytes only, which is what image and label files hold.
 * Files are read whole (gunzipped when the name ends in .gz): the raw bytes are
 * what a dataset of images is held as anyway, 1 byte per pixel against the 4 of
 * a float, and they are cached per process per path, so a daemon that reloads
 * for another run's preprocessing does not read and unzip them again.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InvalidArgumentError } from '../../../common/errors';
import { fileError } from './text-lines';

const gunzipAsync = promisify(gunzip);

/** An IDX array of unsigned bytes: dims[0] is the number of items. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

const cache = new Map<string, Promise<IdxArray>>();

/** Parses IDX bytes; `where` names the file in errors. */
export function parseIdx(buf: Uint8Array, where: string): IdxArray {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4 || view.getUint16(0) !== 0) throw new InvalidArgumentError(`corrupt IDX file ${where}: bad magic number`);
  const type = buf[2];
  const ndims = buf[3];
  if (type !== UNSIGNED_BYTE) {
    throw new InvalidArgumentError(`IDX file ${where} holds ${TYPE_NAMES[type] ?? `type 0x${type.toString(16)}`} elements; only unsigned bytes are read`);
  }
  if (ndims < 1 || buf.length < 4 + 4 * ndims) throw new InvalidArgumentError(`corrupt IDX file ${where}: bad magic number`);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d));
  const header = 4 + 4 * ndims;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== header + size) {
    throw new InvalidArgumentError(`corrupt IDX file ${where}: header says ${dims.join('×')} values, file holds ${buf.length - header}`);
  }
  return { dims, data: buf.subarray(header) };
}

/** Reads and parses an IDX file (gunzipped when it ends in .gz), memoised per path; a failed read is forgotten. */
export function readIdxFile(file: string): Promise<IdxArray> {
  const key = path.resolve(file);
  let entry = cache.get(key);
  if (!entry) {
    entry = load(file);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

async function load(file: string): Promise<IdxArray> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw fileError(file, err);
  }
  if (file.endsWith('.gz')) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (err) {
      throw new InvalidArgumentError(`corrupt IDX file ${file}: not valid gzip`, { cause: err });
    }
  }
  return parseIdx(bytes, file);
}

/** Drops the cached raw bytes of every IDX file read (about 55 MB for Fashion-MNIST's two splits). */
export function clearIdxCache(): void {
  cache.clear();
}
