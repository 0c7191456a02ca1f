/**
 * A closed round's accepted updates → the aggregate its strategy commits from.
 * The plain example-weighted mean folds straight from the journals
 * (streaming-fedavg.ts). Anything more — a robust rule, a norm bound, DP-FedAvg
 * — reads every update whole from spool files (dense-updates.ts), and says
 * what it did in one line for `rounds show`. An update whose journal does not
 * read back as written is refused on either path (`accumulator.refused`) and
 * left out; the caller decides whether the round can still commit.
 */
import { DataLossError } from '../../../common/errors';
import type { PrivacyConfig, StrategyOptions } from '../../../common/types';
import type { Strategy } from '../strategy/types';
import { clippedMean } from './clipped-mean';
import { DenseUpdates } from './dense-updates';
import type { StreamingFedAvg } from './streaming-fedavg';

/** Fills `out` with N(0, stddev²) samples (services/coordinator/privacy/gaussian-noise.ts). */
export interface NoiseSource {
  fill(out: Float64Array, stddev: number): void;
}

/** How a round's updates are to be combined. */
export interface AggregationPlan {
  strategy: Strategy;
  /** The run's strategy options, defaults filled in. */
  options: StrategyOptions;
  /** DP-FedAvg: clip to C, weight alike, add N(0, (σC)²) to the sum, divide by the expected cohort. */
  privacy?: { config: PrivacyConfig; noise: NoiseSource; cohort: number };
  /** Where whole updates are spooled; undefined keeps them in memory. */
  spoolDir?: string;
}

/** The round's aggregate, what to record about it, and a line when it was more than the mean. */
export interface RoundAggregate {
  values: Float32Array;
  metrics: Record<string, number>;
  note?: string;
}

const MIB = 1 << 20;

/**
 * Combines the accepted updates of `accumulator` (the round trained from
 * `global`) as `plan` says; throws DataLossError when every one of them was
 * refused at the fold.
 */
export function aggregateRound(accumulator: StreamingFedAvg, global: Float32Array, plan: AggregationPlan): RoundAggregate {
  const { strategy, options, privacy } = plan;
  const clip = privacy?.config.clip ?? options.normBound;
  if (!strategy.aggregate && clip === undefined) return { values: accumulator.average(global), metrics: {} };
  const dense = DenseUpdates.decode(accumulator.acceptedUpdates(), global, {
    spoolDir: plan.spoolDir,
    clipNorm: clip,
    refuse: (u, err) => accumulator.refuse(u.clientId, err),
  });
  try {
    const k = dense.updates.length;
    if (k === 0) throw new DataLossError(`all ${accumulator.refused.length} accepted update(s) failed their check at the fold`);
    const metrics: Record<string, number> = { spooled_bytes: dense.spooledBytes };
    const notes: string[] = [];
    if (clip !== undefined) {
      metrics.clipped_updates = dense.clipped;
      metrics.max_update_norm = Math.max(...dense.updates.map((u) => u.norm));
      notes.push(`${dense.clipped} of ${k} update(s) clipped to norm ${clip}`);
    }
    let values: Float32Array;
    if (privacy) {
      const stddev = privacy.config.noise * privacy.config.clip;
      values = clippedMean(dense, { uniform: true, denominator: privacy.cohort, noise: { fill: (out, s) => privacy.noise.fill(out, s), stddev } });
      metrics.dp_noise_stddev = stddev / privacy.cohort;
      notes.unshift(`DP-FedAvg: sum of ${k} update(s) + N(0, (${privacy.config.noise}·${privacy.config.clip})²), over a cohort of ${privacy.cohort}`);
    } else if (strategy.aggregate) {
      const r = strategy.aggregate(dense, options as never);
      values = r.values;
      Object.assign(metrics, r.metrics);
      notes.unshift(r.note);
    } else {
      values = clippedMean(dense);
      notes.unshift(`example-weighted mean of ${k} update(s)`);
    }
    if (dense.spooledBytes > 0) notes.push(`updates spooled to disk (${(dense.spooledBytes / MIB).toFixed(1)} MiB)`);
    return { values, metrics, note: notes.join('; ') };
  } finally {
    dense.close();
  }
}
