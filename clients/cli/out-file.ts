/**
 * Writing what a command produced to the file its --out names. Synchronous and
 * without creating directories: a missing parent, a directory given as the
 * file or a path under /proc fails at once with one line (exit 2), never waits.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../common/errors';
import { fsErrorReason } from '../../common/fs-error';

/** Writes `text` to `file` (mode 0644); InvalidArgumentError naming `flag` and the file when it cannot. */
export function writeOutFile(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text, { mode: 0o644 });
  } catch (err) {
    throw new InvalidArgumentError(`cannot write ${flag} ${file}: ${fsErrorReason(err)}`, { cause: err });
  }
}
