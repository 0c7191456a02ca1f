/** `runs metrics`: rows per round attempt, CSV quoting, null for what a round did not have. */
import { describe, expect, it } from 'vitest';
import { formatRoundMetrics, METRIC_COLUMNS } from '../../clients/cli/round-metrics';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';

const T = Date.UTC(2026, 11, 3, 7, 0, 0);

function round(over: Partial<Round__Output>): Round__Output {
  return {
    runId: 'r', round: 1, state: 'committed', reason: '', attempt: 1, startedAtMs: T, endedAtMs: T + 5000, deadlineUnixMs: 0, reported: 2, meanTrainLoss: 0.5,
    eval: { loss: 0.4, accuracy: 0.9, numExamples: 100 }, bytesDown: 10, bytesUp: 20, modelVersion: '', scheduling: null, skipped: [], checkpoint: '', strategyMetrics: {}, aggregation: '',
    clients: [
      { clientId: 'a', state: 'finished', numExamples: 300, trainAccuracy: 0.8 },
      { clientId: 'b', state: 'finished', numExamples: 100, trainAccuracy: 0.4 },
      { clientId: 'c', state: 'dropped' },
    ] as Round__Output['clients'],
    ...over,
  } as Round__Output;
}

describe('runs metrics rows', () => {
  it('sorts by round then attempt, weights train accuracy by examples, and leaves a failed attempt\'s commit time and losses empty', () => {
    const csv = formatRoundMetrics([round({ round: 2 }), round({ attempt: 2 }), round({ state: 'failed', reported: 0, eval: null, endedAtMs: T + 100 })], 'csv').split('\n');
    expect(csv[0]).toBe(METRIC_COLUMNS.map((c) => c.name).join(','));
    expect(csv[1]).toBe('1,1,failed,2026-12-03T07:00:00.000Z,,,100,,0.7,,,,,,3,0,1,10,20');
    expect(csv[2]).toBe('1,2,committed,2026-12-03T07:00:00.000Z,2026-12-03T07:00:05.000Z,1796281205000,5000,0.5,0.7,0.4,0.9,,,100,3,2,1,10,20');
    expect(csv[3].startsWith('2,1,committed,')).toBe(true);
    expect(csv).toHaveLength(5);
  });

  it('writes a regression\'s errors instead of its accuracy, and null (jsonl) for everything not known', () => {
    const [row] = formatRoundMetrics([round({ eval: { loss: 1, accuracy: 0, numExamples: 5, mae: 0.3, mse: 0.2 }, reported: 0, clients: [] })], 'jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(row).toMatchObject({ testAccuracy: null, testMae: 0.3, testMse: 0.2, trainLoss: null, trainAccuracy: null, clientsSelected: 0 });
  });

  it('adds a column per strategy metric, quotes a cell holding a comma or quote, and prints only the header for no rounds', () => {
    const csv = formatRoundMetrics([round({ state: 'a,"b"', strategyMetrics: { update_norm: 1.5 } })], 'csv').split('\n');
    expect(csv[0].endsWith(',strategy.update_norm')).toBe(true);
    expect(csv[1]).toMatch(/^1,1,"a,""b""",.*,1\.5$/);
    expect(formatRoundMetrics([], 'csv')).toBe(`${METRIC_COLUMNS.map((c) => c.name).join(',')}\n`);
    expect(formatRoundMetrics([], 'jsonl')).toBe('');
  });
});
