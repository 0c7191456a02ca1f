import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { LinkEstimate } from '../../common/link';
import { createRng } from '../../common/random';
import { deadlinePolicy } from '../../services/coordinator/selection/deadline';
import { fcfsPolicy } from '../../services/coordinator/selection/fcfs';
import { selectionTarget } from '../../services/coordinator/selection/pick';
import { predictCompletion } from '../../services/coordinator/selection/predictor';
import { randomPolicy, selectRandom } from '../../services/coordinator/selection/random';
import { selectRandom as legacySelectRandom } from '../../services/coordinator/selection/random-selection';
import { isSelectionPolicy, selectionPolicy } from '../../services/coordinator/selection/registry';
import { roundRobinPolicy } from '../../services/coordinator/selection/round-robin';
import { sjfPolicy } from '../../services/coordinator/selection/sjf';
import { SELECTION_POLICIES, type Candidate, type ClientHistory, type SelectionContext, type SelectionResult } from '../../services/coordinator/selection/types';

function link(clientId: string, radio: LinkEstimate['radio'], downMbps: number, upMbps: number, rttMs: number, loss = 0): LinkEstimate {
  return { clientId, presence: 'online', radio, rttMs, downMbps, upMbps, loss, resets: 0, disconnects: 0, lastUpdateMs: 0, stale: false, samples: 5 };
}

function selectedBefore(timesSelected: number, lastSelectedRound: number): ClientHistory {
  return {
    timesSelected,
    lastSelectedRound,
    // Reported loss but no timings: predictions stay link-based.
    rounds: [{ round: lastSelectedRound, selected: true, reported: true, examples: 3000, trainLoss: 0.8 }],
  };
}

const never: ClientHistory = { timesSelected: 0, rounds: [] };

/**
 * Six clients, 3000 examples each, 1 MB model and update, 1 epoch, prior
 * compute 1.5 s. Predicted totals: a 1.65 s, c 2.02 s, b 2.6 s, f 2.8 s,
 * d 27.25 s (inside the 30 s deadline, outside the 27 s budget), e 52.5 s.
 */
const fleet: Candidate[] = [
  { clientId: 'a', datasetSize: 3000, idleSinceMs: 90_000, link: link('a', '5g-sa', 400, 80, 15), history: selectedBefore(2, 4) },
  { clientId: 'b', datasetSize: 3000, idleSinceMs: 60_000, link: link('b', 'lte', 40, 10, 50), history: selectedBefore(2, 2) },
  { clientId: 'c', datasetSize: 3000, idleSinceMs: 80_000, link: link('c', 'wifi', 100, 20, 20), history: never },
  { clientId: 'd', datasetSize: 3000, idleSinceMs: 50_000, link: link('d', 'lte', 2, 0.5, 300, 0.2), history: selectedBefore(1, 2) },
  { clientId: 'e', datasetSize: 3000, idleSinceMs: 70_000, link: link('e', 'lte', 1, 0.25, 400, 0.2), history: never },
  {
    clientId: 'f', datasetSize: 3000, idleSinceMs: 95_000,
    history: {
      timesSelected: 2, lastSelectedRound: 3,
      rounds: [
        { round: 2, selected: true, reported: true, examples: 3000, computeMs: 1500, downloadMs: 600, uploadMs: 1600, trainLoss: 0.9 },
        { round: 3, selected: true, reported: true, examples: 3000, computeMs: 1000, downloadMs: 200, uploadMs: 800, trainLoss: 0.7 },
      ],
    },
  },
];

function context(over: Partial<SelectionContext> = {}): SelectionContext {
  return {
    round: 5, count: 3, overSelection: 1, roundDeadlineMs: 30_000, modelBytes: 1_000_000, updateBytes: 1_000_000,
    localEpochs: 1, batchSize: 32, nowMs: 100_000, rng: createRng(42), ...over,
  };
}

const ids = (r: SelectionResult) => r.selected.map((s) => s.clientId);
const skippedIds = (r: SelectionResult) => r.skipped.map((s) => s.clientId);
const reasonOf = (r: SelectionResult, id: string) => r.skipped.find((s) => s.clientId === id)?.reason;

describe('selection policies', () => {
  it('selection policies - the fixture predicts the completion times the policies are checked against', () => {
    const totals = Object.fromEntries(fleet.map((c) => [c.clientId, Math.round(predictCompletion(c, context()).totalMs)]));
    expect(totals).toEqual({ a: 1650, b: 2600, c: 2020, d: 27_250, e: 52_500, f: 2800 });
  });

  it('selection policies - fcfs picks the clients idle longest', () => {
    const r = fcfsPolicy(fleet, context());
    expect(ids(r)).toEqual(['d', 'b', 'e']);
    expect(skippedIds(r)).toEqual(['c', 'a', 'f']);
    expect(reasonOf(r, 'c')).toBe('not picked: idle for 20 s, the picked clients were idle longer');
  });

  it('selection policies - sjf picks the shortest predicted completions', () => {
    const r = sjfPolicy(fleet, context());
    expect(ids(r)).toEqual(['a', 'c', 'b']);
    expect(skippedIds(r)).toEqual(['f', 'd', 'e']);
    expect(reasonOf(r, 'f')).toBe('not picked: predicted 2.8 s, slower than the picked clients');
  });

  it('selection policies - round-robin picks never-selected clients first, then the least recently selected', () => {
    const r = roundRobinPolicy(fleet, context());
    // c, e never selected; b and d last selected in round 2, d fewer times.
    expect(ids(r)).toEqual(['c', 'e', 'd']);
    expect(skippedIds(r)).toEqual(['b', 'f', 'a']);
    expect(reasonOf(r, 'a')).toBe('not picked: selected more recently (round 4)');
  });

  it('selection policies - deadline skips the hopeless client with a reason naming its prediction', () => {
    const r = deadlinePolicy(fleet, context({ count: 6 }));
    expect(ids(r)).toEqual(['a', 'c', 'b', 'f']);
    expect(r.skipped).toEqual([
      { clientId: 'd', reason: 'predicted 27.3 s exceeds the 27 s budget (0.9 × the 30 s deadline)', predictedMs: 27_250 },
      { clientId: 'e', reason: 'predicted 52.5 s exceeds the 30 s deadline', predictedMs: 52_500 },
    ]);
  });

  it('selection policies - deadline picks the fastest clients that fit, up to the target', () => {
    const r = deadlinePolicy(fleet, context({ count: 3 }));
    expect(ids(r)).toEqual(['a', 'c', 'b']);
    expect(skippedIds(r)).toEqual(['d', 'e', 'f']);
    expect(reasonOf(r, 'f')).toBe('not picked: predicted 2.8 s fits, but enough faster clients do too');
  });

  it('selection policies - deadline excludes nobody when the round has no deadline', () => {
    expect(ids(deadlinePolicy(fleet, context({ count: 6, roundDeadlineMs: 0 })))).toEqual(['a', 'c', 'b', 'f', 'd', 'e']);
  });

  it('selection policies - random is deterministic for a seed and independent of candidate order', () => {
    const first = randomPolicy(fleet, context({ rng: createRng(7) }));
    const again = randomPolicy([...fleet].reverse(), context({ rng: createRng(7) }));
    expect(again).toEqual(first);
    expect(ids(first)).toEqual(['e', 'b', 'c']);
    expect(ids(first)).toEqual(selectRandom(fleet.map((c) => c.clientId), 3, createRng(7)));
    expect(new Set([...ids(first), ...skippedIds(first)])).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f']));
    expect(first.skipped.every((s) => s.reason === 'not picked: random draw')).toBe(true);
  });

  it('selection policies - random picks different clients for different seeds', () => {
    const draws = new Set(Array.from({ length: 20 }, (_, seed) => ids(randomPolicy(fleet, context({ rng: createRng(seed) }))).join(',')));
    expect(draws.size).toBeGreaterThan(5);
  });

  it('selection policies - random keeps selectRandom available where existing callers import it', () => {
    expect(legacySelectRandom).toBe(selectRandom);
    expect(selectRandom(['b', 'a', 'c'], 2, createRng(3))).toEqual(selectRandom(['c', 'a', 'b'], 2, createRng(3)));
  });

  it('selection policies - over-selection picks ceil(count × factor), never more than there are candidates', () => {
    expect(selectionTarget({ count: 2, overSelection: 1.5 }, 10)).toBe(3);
    expect(selectionTarget({ count: 10, overSelection: 1.3 }, 100)).toBe(13);
    expect(selectionTarget({ count: 3, overSelection: 1.1 }, 100)).toBe(4);
    expect(selectionTarget({ count: 4, overSelection: 2 }, 6)).toBe(6);
    expect(ids(sjfPolicy(fleet, context({ count: 2, overSelection: 1.5 })))).toEqual(['a', 'c', 'b']);
    for (const name of SELECTION_POLICIES) {
      const r = selectionPolicy(name)(fleet, context({ count: 2, overSelection: 1.3 }));
      expect(r.selected.length, name).toBe(3);
      expect(r.selected.length + r.skipped.length, name).toBe(fleet.length);
    }
  });

  it('selection policies - rejects a negative count or an over-selection factor below 1', () => {
    expect(() => sjfPolicy(fleet, context({ overSelection: 0.5 }))).toThrow(InvalidArgumentError);
    expect(() => sjfPolicy(fleet, context({ count: -1 }))).toThrow(InvalidArgumentError);
  });

  it('selection policies - every policy returns the predicted completion of each picked client', () => {
    const predicted = new Map(fleet.map((c) => [c.clientId, Math.round(predictCompletion(c, context()).totalMs)]));
    for (const name of SELECTION_POLICIES) {
      const r = selectionPolicy(name)(fleet, context());
      for (const s of [...r.selected, ...r.skipped]) expect(s.predictedMs, `${name} ${s.clientId}`).toBe(predicted.get(s.clientId));
    }
  });

  it('selection policies - every policy copes with no candidates', () => {
    for (const name of SELECTION_POLICIES) expect(selectionPolicy(name)([], context())).toEqual({ selected: [], skipped: [] });
  });

  it('selection policies - the registry knows every policy by name and rejects unknown names', () => {
    expect(selectionPolicy('deadline')).toBe(deadlinePolicy);
    expect(SELECTION_POLICIES.every(isSelectionPolicy)).toBe(true);
    expect(isSelectionPolicy('lottery')).toBe(false);
    expect(() => selectionPolicy('lottery')).toThrow(InvalidArgumentError);
    expect(() => selectionPolicy('lottery')).toThrow('unknown selection policy "lottery"; known: random, fcfs, sjf, round-robin, deadline, utility');
  });
});
