import { describe, expect, it } from 'vitest';
import type { LinkEstimate } from '../../common/link';
import { createRng } from '../../common/random';
import { predictCompletion } from '../../services/coordinator/selection/predictor';
import type { Candidate, ClientHistory, SelectionContext, SelectionResult } from '../../services/coordinator/selection/types';
import { clientUtility, roundsWaiting, utilityPolicy } from '../../services/coordinator/selection/utility';

const fast = (id: string): LinkEstimate => ({
  clientId: id, presence: 'online', radio: '5g-sa', rttMs: 15, downMbps: 400, upMbps: 80, loss: 0, resets: 0, disconnects: 0, lastUpdateMs: 0, stale: false, samples: 5,
});
const hopelessLink = (id: string): LinkEstimate => ({ ...fast(id), radio: 'lte', rttMs: 400, downMbps: 1, upMbps: 0.25, loss: 0.2 });

function explored(lastSelectedRound: number, trainLoss: number): ClientHistory {
  return { timesSelected: 1, lastSelectedRound, rounds: [{ round: lastSelectedRound, selected: true, reported: true, trainLoss }] };
}
const unexplored: ClientHistory = { timesSelected: 0, rounds: [] };

/**
 * Round 12, 30 s deadline → preferred duration 15 s. Utilities (examples × last
 * loss × system factor): u1 2000; u3 2400 × (15 / 18.2)² ≈ 1630 (priors only,
 * predicted 18.2 s); u2 1500; u4 500; o1, o2 10. `slow` would top them all but
 * is predicted to miss the deadline. o2 last ran 11 rounds ago (over the
 * fairness bound of 10), o1 exactly 10 ago. n1–n3 were never selected.
 */
const fleet: Candidate[] = [
  { clientId: 'u1', datasetSize: 1000, idleSinceMs: 0, link: fast('u1'), history: explored(11, 2.0) },
  { clientId: 'u2', datasetSize: 3000, idleSinceMs: 0, link: fast('u2'), history: explored(11, 0.5) },
  { clientId: 'u3', datasetSize: 4000, idleSinceMs: 0, history: explored(11, 0.6) },
  { clientId: 'u4', datasetSize: 500, idleSinceMs: 0, link: fast('u4'), history: explored(11, 1.0) },
  { clientId: 'slow', datasetSize: 10_000, idleSinceMs: 0, link: hopelessLink('slow'), history: explored(11, 3.0) },
  { clientId: 'o1', datasetSize: 100, idleSinceMs: 0, link: fast('o1'), history: explored(1, 0.1) },
  { clientId: 'o2', datasetSize: 100, idleSinceMs: 0, link: fast('o2'), history: explored(0, 0.1) },
  { clientId: 'n1', datasetSize: 2000, idleSinceMs: 0, link: fast('n1'), history: unexplored },
  { clientId: 'n2', datasetSize: 2000, idleSinceMs: 0, link: fast('n2'), history: unexplored },
  { clientId: 'n3', datasetSize: 2000, idleSinceMs: 0, link: fast('n3'), history: unexplored },
];

function context(over: Partial<SelectionContext> = {}): SelectionContext {
  return {
    round: 12, count: 5, overSelection: 1, roundDeadlineMs: 30_000, modelBytes: 1_000_000, updateBytes: 1_000_000,
    localEpochs: 1, batchSize: 32, nowMs: 0, rng: createRng(1), ...over,
  };
}

const ids = (r: SelectionResult) => r.selected.map((s) => s.clientId);
const reasonOf = (r: SelectionResult, id: string) => r.skipped.find((s) => s.clientId === id)?.reason;
const byId = (id: string) => fleet.find((c) => c.clientId === id)!;

describe('selection utility', () => {
  it('selection utility - scores examples × last loss, penalising clients slower than half the deadline by (T / predicted)²', () => {
    const score = (id: string) => clientUtility({ candidate: byId(id), prediction: predictCompletion(byId(id), context()) }, 15_000);
    expect(score('u1')).toBe(2000);
    expect(score('u2')).toBe(1500);
    expect(predictCompletion(byId('u3'), context()).totalMs).toBe(18_200);
    expect(score('u3')).toBeCloseTo(2400 * (15_000 / 18_200) ** 2, 9);
  });

  it('selection utility - picks the overdue client first, one unexplored client, then the highest utility at the pace of the fast explored clients', () => {
    const r = utilityPolicy(fleet, context());
    const picked = ids(r);
    expect(picked[0]).toBe('o2');
    expect(picked[1]).toBe('n3'); // seed 1's exploration draw
    // The pacer T is the 3rd-fastest explored prediction (~0.4 s): u3, with its data but a
    // priors-only 18.2 s prediction, falls to 2400 × (0.4 / 18.2)² ≈ 1 and u4 takes its place;
    // u2's 1.5 s of compute on 3000 examples costs it (0.4 / 1.6)², so the quick u4 ranks above it.
    expect(picked.slice(2)).toEqual(['u1', 'u4', 'u2']);
    expect(reasonOf(r, 'u3')).toMatch(/^not picked: lower utility \(1\.16; predicted 18\.2 s\)$/);
    expect(reasonOf(r, 'o1')).toMatch(/^not picked: lower utility \(10;/);
    const notDrawn = ['n1', 'n2', 'n3'].filter((n) => n !== picked[1]);
    for (const n of notDrawn) expect(reasonOf(r, n)).toBe('not picked: unexplored, not drawn for exploration');
    expect(r.selected.length + r.skipped.length).toBe(fleet.length);
  });

  it('selection utility - excludes a client predicted to miss the deadline however useful its data', () => {
    const r = utilityPolicy(fleet, context({ count: 9 }));
    expect(ids(r)).not.toContain('slow');
    expect(r.skipped).toEqual([{ clientId: 'slow', reason: 'predicted 56 s exceeds the 30 s deadline', predictedMs: 56_000 }]);
  });

  it('selection utility - draws the explored share of unexplored clients at random, reproducibly per seed', () => {
    const drawn = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const picked = ids(utilityPolicy(fleet, context({ rng: createRng(seed) })));
      const explorers = picked.filter((id) => id.startsWith('n'));
      expect(explorers).toHaveLength(1);
      drawn.add(explorers[0]);
      expect(ids(utilityPolicy([...fleet].reverse(), context({ rng: createRng(seed) })))).toEqual(picked);
    }
    expect(drawn).toEqual(new Set(['n1', 'n2', 'n3']));
  });

  it('selection utility - fills the round with unexplored clients when too few are explored', () => {
    const fresh = fleet.filter((c) => c.clientId.startsWith('n') || c.clientId === 'u1');
    const r = utilityPolicy(fresh, context({ count: 3 }));
    expect(ids(r)).toContain('u1');
    expect(ids(r).filter((id) => id.startsWith('n'))).toHaveLength(2);
  });

  it('selection utility - honours the fairness bound only past 10 rounds of waiting', () => {
    expect(roundsWaiting(byId('o1').history, 12)).toBe(10);
    expect(roundsWaiting(byId('o2').history, 12)).toBe(11);
    expect(roundsWaiting({ timesSelected: 0, rounds: [{ round: 3, selected: false, reported: false }, { round: 4, selected: false, reported: false }] }, 5)).toBe(2);
    // With one slot, the overdue client beats every higher-utility one.
    expect(ids(utilityPolicy(fleet, context({ count: 1 })))).toEqual(['o2']);
    // A round later o1 is overdue too, and has waited less than o2.
    expect(ids(utilityPolicy(fleet, context({ count: 2, round: 13 })))).toEqual(['o2', 'o1']);
  });
});
