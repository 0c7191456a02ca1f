/** The journal memory policy: sized from the host unless set, a quarter of the budget per update, bad settings refused naming their flag. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { coordinatorConfig } from '../../services/coordinator/coordinator';
import { defaultJournalBudget, journalMemoryPolicy } from '../../services/coordinator/rounds/journal-memory';
import { createJournal, JournalBudget } from '../../services/coordinator/rounds/update-journal';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe('journal memory policy', () => {
  it('journal memory - an eighth of the machine, at most 4 GiB, and a quarter of that per update', () => {
    expect(journalMemoryPolicy({}, 2 * GiB)).toEqual({ budgetBytes: 256 * MiB, perUpdateBytes: 64 * MiB });
    expect(journalMemoryPolicy({}, 16 * GiB)).toEqual({ budgetBytes: 2 * GiB, perUpdateBytes: 512 * MiB });
    // A large host is capped: what a round needs to be fast, not a share of everything.
    expect(journalMemoryPolicy({}, 256 * GiB)).toEqual({ budgetBytes: 4 * GiB, perUpdateBytes: GiB });
    expect(defaultJournalBudget(1000)).toBe(125);
  });

  it('journal memory - the operator sets either or both; the per-update size follows a set budget', () => {
    expect(journalMemoryPolicy({ budgetBytes: 100 * MiB }, 64 * GiB)).toEqual({ budgetBytes: 100 * MiB, perUpdateBytes: 25 * MiB });
    expect(journalMemoryPolicy({ perUpdateBytes: 8 * MiB }, 64 * GiB)).toEqual({ budgetBytes: 4 * GiB, perUpdateBytes: 8 * MiB });
    expect(journalMemoryPolicy({ budgetBytes: 0 }, 64 * GiB)).toEqual({ budgetBytes: 0, perUpdateBytes: 0 });
    expect(journalMemoryPolicy({ budgetBytes: 10 * MiB, perUpdateBytes: 10 * MiB }, GiB)).toEqual({ budgetBytes: 10 * MiB, perUpdateBytes: 10 * MiB });
  });

  it('journal memory - a per-update size over the budget, or a size that is not whole bytes, is refused naming the flag', () => {
    expect(() => journalMemoryPolicy({ budgetBytes: MiB, perUpdateBytes: 2 * MiB })).toThrow(InvalidArgumentError);
    expect(() => journalMemoryPolicy({ budgetBytes: MiB, perUpdateBytes: 2 * MiB })).toThrow(/--journal-memory-per-update .* cannot exceed --journal-memory/);
    expect(() => journalMemoryPolicy({ budgetBytes: -1 })).toThrow(/--journal-memory must be/);
    expect(() => journalMemoryPolicy({ perUpdateBytes: 1.5 })).toThrow(/--journal-memory-per-update must be/);
  });

  it('journal memory - the coordinator compiles it from its options, defaults from this machine', () => {
    expect(coordinatorConfig({}).journalMemory).toEqual(journalMemoryPolicy());
    expect(coordinatorConfig({ journalMemoryBytes: 64 * MiB }).journalMemory).toEqual({ budgetBytes: 64 * MiB, perUpdateBytes: 16 * MiB });
    expect(() => coordinatorConfig({ journalMemoryBytes: MiB, journalMemoryPerUpdateBytes: 2 * MiB })).toThrow(InvalidArgumentError);
  });

  it('journal memory - an update over the per-update size is spooled even when the budget has room', () => {
    const budget = new JournalBudget(100 * MiB);
    const spoolDir = '/nonexistent-until-written';
    const fits = createJournal(25 * MiB, 'a', { spoolDir, budget, memoryMaxBytes: 25 * MiB });
    expect(fits.spooled).toBe(false);
    expect(budget.available).toBe(75 * MiB);
    const over = createJournal(25 * MiB + 1, 'b', { spoolDir, budget, memoryMaxBytes: 25 * MiB });
    expect(over.spooled).toBe(true);
    expect(budget.available).toBe(75 * MiB);
    fits.close();
    over.close();
    expect(budget.available).toBe(100 * MiB);
  });
});
