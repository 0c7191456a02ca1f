/**
 * One coordinator per state directory. Two coordinators writing one file store
 * would each believe they lead: both run rounds, both commit, and each sweeps
 * what it takes for the other's leftovers. The lock is a file holding the
 * owner's pid, created exclusively; a lock whose process is gone (the owner was
 * killed) is taken over, so a crash never needs a hand-deleted file. Within one
 * process the lock is not checked (embedded and test coordinators share a pid).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, StateDirInUseError } from '../../../common/errors';
import { fsErrorReason } from '../../../common/fs-error';
import { makeDirSync } from '../../../common/make-dir';

/** A held lock; `release` removes it if it is still ours. */
export interface StateDirLock {
  readonly file: string;
  release(): void;
}

const LOCK_FILE = 'coordinator.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `dir` for this process; StateDirInUseError naming the holder when another live process has it. */
export function lockStateDir(dir: string): StateDirLock {
  try {
    // Not mkdirSync(recursive): under /proc that spins for ever (common/make-dir.ts).
    makeDirSync(dir);
  } catch (err) {
    throw new InvalidArgumentError(`cannot create the state directory ${dir}: ${fsErrorReason(err)}`, { cause: err });
  }
  const file = path.join(dir, LOCK_FILE);
  const mine = String(process.pid);
  try {
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, mine);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
      throw new StateDirInUseError(`state directory ${dir} is in use by the coordinator with pid ${holder}; stop it first or use another --state-dir`, holder);
    }
    // Left by a process that is gone (or unreadable): ours now.
    writeFileSync(file, mine, { mode: 0o600 });
  }
  return {
    file,
    release() {
      try {
        if (readFileSync(file, 'utf8').trim() === mine) unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}
