/** makeDir: mkdir -p that ends, under /proc too (where Node's recursive mkdir spins for ever). */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir, makeDirSync } from '../../common/make-dir';
import { writeFileAtomic } from '../../common/atomic-file';
import { openFileStore } from '../../services/coordinator/store/file-store';
import { FileAuditLog } from '../../services/coordinator/store/file-audit-log';

describe('makeDir', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'fedlink-mkdir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makeDir - creates every missing level, and an existing directory is fine', async () => {
    const deep = path.join(root, 'a', 'b', 'c');
    await makeDir(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeDir(deep);
    await makeDir(path.join(root, 'a'));
  });

  it('makeDir - a path under /proc is ENOENT at once, one level or several', { timeout: 10_000 }, async () => {
    await expect(makeDir('/proc/nope')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(makeDir('/proc/nope/deeper/still')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('makeDir - a file in the way is refused (ENOTDIR below it, EEXIST for the file itself)', async () => {
    const file = path.join(root, 'file');
    writeFileSync(file, 'x');
    await expect(makeDir(path.join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDir(file)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('makeDirSync - creates every level, ends at once under /proc, and refuses a file in the way', { timeout: 10_000 }, () => {
    const deep = path.join(root, 'sync', 'b', 'c');
    makeDirSync(deep);
    makeDirSync(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(() => makeDirSync('/proc/nope/deeper')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const file = path.join(root, 'sync-file');
    writeFileSync(file, 'x');
    expect(() => makeDirSync(path.join(file, 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirSync(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });

  it('the stores and the atomic writer - a directory under /proc is refused at once, not spun on', { timeout: 10_000 }, async () => {
    await expect(openFileStore('/proc/nope/state')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(new FileAuditLog('/proc/nope/audit', 10).open()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(writeFileAtomic('/proc/nope/dir/file', new Uint8Array([1]))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
