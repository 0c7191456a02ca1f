/** Upload journals: memory for small updates while the budget lasts, the spool beyond it; the bytes replay exactly. */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createJournal, JournalBudget } from '../../services/coordinator/rounds/update-journal';

describe('update journal', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const spool = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'fedlink-journal-'));
    dirs.push(d);
    return d;
  };
  const replayed = (j: { replay(each: (o: number, b: Uint8Array) => void): void }) => {
    const parts: number[] = [];
    j.replay((_, bytes) => parts.push(...bytes));
    return parts;
  };

  it('update journal - small updates stay in memory until the budget is spent, then go to the spool; closing gives the budget back', () => {
    const dir = spool();
    const budget = new JournalBudget(10);
    const a = createJournal(6, 'a', { spoolDir: dir, budget });
    const b = createJournal(6, 'b', { spoolDir: dir, budget });
    for (const j of [a, b]) j.append(Uint8Array.from([1, 2, 3, 4, 5, 6]));
    expect(budget.available).toBe(4);
    // a fitted in memory; b did not and was written to a spool file.
    expect(readdirSync(dir)).toHaveLength(1);
    expect(replayed(a)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replayed(b)).toEqual([1, 2, 3, 4, 5, 6]);
    a.close();
    a.close();
    expect(budget.available).toBe(10);
    b.close();
    expect(readdirSync(dir)).toHaveLength(0);
    const c = createJournal(6, 'c', { spoolDir: dir, budget });
    c.append(Uint8Array.from([7, 7, 7, 7, 7, 7]));
    expect(readdirSync(dir)).toHaveLength(0);
    c.close();
  });

  it('update journal - updates over the per-update size always go to the spool; without a spool directory everything stays in memory', () => {
    const dir = spool();
    const big = createJournal(9 << 20, 'big', { spoolDir: dir, budget: new JournalBudget(1 << 30), memoryMaxBytes: 8 << 20 });
    big.append(new Uint8Array(16).fill(9));
    expect(readdirSync(dir)).toHaveLength(1);
    big.close();
    const noSpool = createJournal(9 << 20, 'x', {});
    noSpool.append(new Uint8Array(4).fill(1));
    expect(replayed(noSpool)).toEqual([1, 1, 1, 1]);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
