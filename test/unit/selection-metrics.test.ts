import { describe, expect, it } from 'vitest';
import { nearestRank, schedulingMetrics } from '../../services/coordinator/selection/metrics';

describe('selection metrics', () => {
  it('selection metrics - computes waiting, response, drop rate and prediction error on a fixed round', () => {
    const m = schedulingMetrics([
      { selectedAtMs: 0, dispatchedAtMs: 100, acceptedAtMs: 1100, reported: true, predictedMs: 900, actualMs: 1000 },
      { selectedAtMs: 0, dispatchedAtMs: 200, acceptedAtMs: 2200, reported: true, predictedMs: 2500, actualMs: 2000 },
      { selectedAtMs: 0, dispatchedAtMs: 300, acceptedAtMs: 3300, reported: true, predictedMs: 3000, actualMs: 3000 },
      { selectedAtMs: 0, dispatchedAtMs: 400, reported: false, predictedMs: 5000 },
      { selectedAtMs: 0, reported: false },
    ]);
    expect(m).toEqual({
      meanWaitMs: 250,
      p95WaitMs: 400,
      meanResponseMs: 2000,
      p95ResponseMs: 3000,
      dropRate: 0.4,
      meanAbsPredictionErrorMs: 200,
    });
  });

  it('selection metrics - reports zeros for a round with no clients', () => {
    expect(schedulingMetrics([])).toEqual({ meanWaitMs: 0, p95WaitMs: 0, meanResponseMs: 0, p95ResponseMs: 0, dropRate: 0, meanAbsPredictionErrorMs: 0 });
  });

  it('selection metrics - takes p95 by nearest rank', () => {
    const oneToTwenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(nearestRank(oneToTwenty, 0.95)).toBe(19);
    expect(nearestRank([7], 0.95)).toBe(7);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5);
  });
});
