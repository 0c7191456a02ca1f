import { describe, expect, it } from 'vitest';
import type { LinkEstimate } from '../../common/link';
import { createRng } from '../../common/random';
import {
  PRIOR_DOWN_MBPS,
  PRIOR_EXAMPLES_PER_SEC,
  PRIOR_RTT_MS,
  PRIOR_UP_MBPS,
  predictCompletion,
  predictionError,
  throughputPerSec,
} from '../../services/coordinator/selection/predictor';
import type { Candidate, ClientRoundHistory, SelectionContext } from '../../services/coordinator/selection/types';

// 1 MB each way = 8 Mbit, 3000 examples, 1 epoch: easy arithmetic below.
const ctx: SelectionContext = {
  round: 3, count: 1, overSelection: 1, roundDeadlineMs: 30_000, modelBytes: 1_000_000, updateBytes: 1_000_000,
  localEpochs: 1, batchSize: 32, nowMs: 0, rng: createRng(1),
};

function link(over: Partial<LinkEstimate>): LinkEstimate {
  return { clientId: 'x', presence: 'online', radio: 'unknown', resets: 0, disconnects: 0, lastUpdateMs: 0, stale: false, samples: 1, ...over };
}

function candidate(over: Partial<Candidate> & { rounds?: ClientRoundHistory[] } = {}): Candidate {
  const { rounds = [], ...rest } = over;
  return { clientId: 'x', datasetSize: 3000, idleSinceMs: 0, history: { timesSelected: rounds.length, rounds }, ...rest };
}

describe('selection predictor', () => {
  it('selection predictor - times transfers from link throughput plus one round trip and compute from the prior throughput', () => {
    const p = predictCompletion(candidate({ link: link({ radio: '5g-sa', downMbps: 400, upMbps: 80, rttMs: 15, loss: 0 }) }), ctx);
    // 8 Mbit / 400 Mbit/s = 20 ms + 15 ms; 8 / 80 = 100 ms + 15 ms; 3000 examples / 2000 per s = 1.5 s.
    expect(p).toEqual({ downloadMs: 35, uploadMs: 115, computeMs: 1500, totalMs: 1650, basis: 'link' });
  });

  it('selection predictor - stretches transfers by 1 / (1 - loss)', () => {
    const p = predictCompletion(candidate({ link: link({ radio: 'lte', downMbps: 2, upMbps: 0.5, rttMs: 300, loss: 0.2 }) }), ctx);
    expect(p.downloadMs).toBeCloseTo((4000 + 300) / 0.8, 9);
    expect(p.uploadMs).toBeCloseTo((16000 + 300) / 0.8, 9);
    expect(p.totalMs).toBeCloseTo(5375 + 20375 + 1500, 9);
  });

  it('selection predictor - falls back to the prior round trip when the link reports throughput only', () => {
    const p = predictCompletion(candidate({ link: link({ downMbps: 400, upMbps: 80 }) }), ctx);
    expect(p.downloadMs).toBe(20 + PRIOR_RTT_MS);
    expect(p.uploadMs).toBe(100 + PRIOR_RTT_MS);
  });

  it('selection predictor - uses the conservative priors when nothing is known', () => {
    const p = predictCompletion(candidate(), ctx);
    expect([PRIOR_DOWN_MBPS, PRIOR_UP_MBPS, PRIOR_RTT_MS, PRIOR_EXAMPLES_PER_SEC]).toEqual([1, 1, 100, 2000]);
    expect(p).toEqual({ downloadMs: 8100, uploadMs: 8100, computeMs: 1500, totalMs: 17_700, basis: 'prior' });
  });

  it('selection predictor - learns throughput and transfer times from the client’s reported rounds as an EWMA', () => {
    const rounds: ClientRoundHistory[] = [
      { round: 1, selected: true, reported: true, examples: 3000, computeMs: 1500, downloadMs: 600, uploadMs: 1600 },
      { round: 2, selected: true, reported: true, examples: 3000, computeMs: 1000, downloadMs: 200, uploadMs: 800 },
      // Did not report: its compute time says nothing about throughput.
      { round: 3, selected: true, reported: false, examples: 3000, computeMs: 100 },
    ];
    const p = predictCompletion(candidate({ rounds }), ctx);
    // Throughput 2000 then 3000 examples/s → 2500; downloads 600, 200 → 400; uploads 1600, 800 → 1200.
    expect(p).toEqual({ downloadMs: 400, uploadMs: 1200, computeMs: 1200, totalMs: 2800, basis: 'history' });
  });

  it('selection predictor - blends measured transfer times with the link estimate half and half', () => {
    const rounds: ClientRoundHistory[] = [{ round: 1, selected: true, reported: true, downloadMs: 650 }];
    const p = predictCompletion(candidate({ rounds, link: link({ radio: 'lte', downMbps: 40, upMbps: 10, rttMs: 50 }) }), ctx);
    expect(p.downloadMs).toBe((650 + 250) / 2);
    expect(p.uploadMs).toBe(850);
    expect(p.basis).toBe('link+history');
  });

  it('selection predictor - counts every local epoch in throughput and in the predicted compute time', () => {
    const twoEpochs = { ...ctx, localEpochs: 2 };
    const rounds: ClientRoundHistory[] = [{ round: 1, selected: true, reported: true, examples: 3000, computeMs: 3000 }];
    expect(throughputPerSec({ timesSelected: 1, rounds }, 2)).toBe(2000);
    expect(predictCompletion(candidate({ rounds }), twoEpochs).computeMs).toBe(3000);
    expect(predictCompletion(candidate(), twoEpochs).computeMs).toBe(3000);
  });

  it('selection predictor - reports the mean absolute error of past predictions', () => {
    const rounds: ClientRoundHistory[] = [
      { round: 1, selected: true, reported: true, predictedMs: 1000, actualMs: 1300 },
      { round: 2, selected: true, reported: true, predictedMs: 2000, actualMs: 1900 },
      { round: 3, selected: true, reported: false, predictedMs: 2000 },
    ];
    expect(predictionError({ timesSelected: 3, rounds })).toBe(200);
    expect(predictionError({ timesSelected: 0, rounds: [] })).toBeUndefined();
  });
});

describe('predictor and missed deadlines', () => {
  it('predictor - a client cut off at the deadline last time is predicted to need longer than that', () => {
    const fast = link({ downMbps: 100, upMbps: 100, rttMs: 10 });
    const missed = candidate({ link: fast, rounds: [{ round: 1, selected: true, reported: false, missedDeadlineMs: 20_000 }] });
    expect(predictCompletion(missed, ctx).totalMs).toBe(25_000);
    // Not selected since, or reported since: the miss no longer (or never) counts.
    const later = candidate({ link: fast, rounds: [{ round: 1, selected: true, reported: false, missedDeadlineMs: 20_000 }, { round: 2, selected: true, reported: true, examples: 100, computeMs: 50 }] });
    expect(predictCompletion(later, ctx).totalMs).toBeLessThan(20_000);
    const droppedOtherwise = candidate({ link: fast, rounds: [{ round: 1, selected: true, reported: false }] });
    expect(predictCompletion(droppedOtherwise, ctx).totalMs).toBeLessThan(20_000);
  });
});
