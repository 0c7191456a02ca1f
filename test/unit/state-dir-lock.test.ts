/** One coordinator per state directory (services/coordinator/store/state-dir-lock.ts). */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateDirInUseError } from '../../common/errors';
import { lockStateDir } from '../../services/coordinator/store/state-dir-lock';

describe('state directory lock', () => {
  it('is refused while another live process holds it, naming it; taken over from a dead one; released by its owner', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-lock-'));
    const file = path.join(dir, 'coordinator.lock');
    // Another live process holds it.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(file, String(other.pid));
      expect(() => lockStateDir(dir)).toThrow(StateDirInUseError);
      expect(() => lockStateDir(dir)).toThrow(`state directory ${dir} is in use by the coordinator with pid ${other.pid}; stop it first or use another --state-dir`);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    // Its holder is gone (killed): the lock is taken over.
    const lock = lockStateDir(dir);
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(file)).toBe(false);
    // A fresh directory.
    const fresh = lockStateDir(path.join(dir, 'new'));
    expect(existsSync(fresh.file)).toBe(true);
    fresh.release();
  });
});
