/**
 * The CLI's real stdout/stderr. A reader that goes away early (`fedlink --help | head -1`)
 * closes the pipe: the next write fails with EPIPE, emitted asynchronously as an
 * 'error' event that would otherwise crash the process with a stack trace. The
 * reader has all it wanted, so the command ends quietly with exit code 0.
 */
import type { CliIo } from './context';

/** Writable streams as far as this module needs them. */
interface Stream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown;
}

/** Ends the process when the reader of stdout is gone (injectable for tests). */
export type OnReaderGone = () => void;

// A closed pipe (EPIPE), or a stream destroyed after it (ERR_STREAM_DESTROYED): nobody reads any more.
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

/** stdout and stderr guarded against a closed pipe: writes after it are dropped and `onGone` runs once. */
export function guardedIo(stdout: Stream, stderr: Stream, onGone: OnReaderGone): CliIo {
  let gone = false;
  const guard = (stream: Stream, isStdout: boolean) => {
    stream.on('error', (err) => {
      if (!GONE.has(err.code ?? '')) throw err;
      // stderr closed alone: keep going, there is just nobody to tell.
      if (!isStdout || gone) return;
      gone = true;
      onGone();
    });
    return {
      write: (text: string) => (gone && isStdout ? true : stream.write(text)),
      // Read through: a terminal can be resized while a command runs.
      get isTTY() {
        return stream.isTTY;
      },
      get columns() {
        return stream.isTTY ? stream.columns : undefined;
      },
    };
  };
  return { stdout: guard(stdout, true), stderr: guard(stderr, false) };
}

/** The process's own stdio; once stdout's reader is gone the process exits 0 (a long `runs watch` included). */
export function processIo(): CliIo {
  return guardedIo(process.stdout, process.stderr, () => process.exit(0));
}
