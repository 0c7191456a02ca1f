/**
 * A text file as numbered lines, streamed (node:readline over a file stream,
 * through zlib when the name ends in .gz): a data file of any size is never
 * held in memory, only the line being parsed.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InvalidArgumentError } from '../../../common/errors';

/** One line of a file, without its line break; `number` counts from 1. */
export interface NumberedLine {
  text: string;
  number: number;
}

/** Lines of `file` in order, and how many bytes of the file have been read so far. */
export interface LineStream extends AsyncIterable<NumberedLine> {
  /** Bytes read from the file (compressed bytes for .gz), for tests and progress. */
  bytesRead(): number;
}

/** Streams the lines of `file` (gunzipped when it ends in .gz); a missing or corrupt file is an InvalidArgumentError naming it. */
export function readLines(file: string): LineStream {
  let source: Readable | undefined;
  return {
    bytesRead: () => (source as { bytesRead?: number } | undefined)?.bytesRead ?? 0,
    async *[Symbol.asyncIterator]() {
      const fileStream = createReadStream(file, { highWaterMark: 64 * 1024 });
      source = fileStream;
      const input: Readable = file.endsWith('.gz') ? gunzipped(fileStream) : fileStream;
      const lines = createInterface({ input, crlfDelay: Infinity });
      let number = 0;
      try {
        for await (const text of lines) yield { text, number: ++number };
      } catch (err) {
        throw fileError(file, err);
      } finally {
        lines.close();
        // Stopping early (a row limit, a bad row) must not leave the file open.
        input.destroy();
        fileStream.destroy();
      }
    },
  };
}

/** The stream through gunzip; a read error (a missing file) reaches the reader through it. */
function gunzipped(source: Readable): Readable {
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  return source.pipe(gunzip);
}

/** A read failure as one line naming the file. */
export function fileError(file: string, err: unknown): InvalidArgumentError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InvalidArgumentError(`cannot read ${file}: no such file`, { cause: err });
  if (code === 'EISDIR') return new InvalidArgumentError(`cannot read ${file}: it is a directory`, { cause: err });
  if (code === 'EACCES') return new InvalidArgumentError(`cannot read ${file}: permission denied`, { cause: err });
  if (typeof code === 'string' && code.startsWith('Z_')) return new InvalidArgumentError(`cannot read ${file}: not valid gzip (${(err as Error).message})`, { cause: err });
  if (err instanceof InvalidArgumentError) return err;
  return new InvalidArgumentError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
