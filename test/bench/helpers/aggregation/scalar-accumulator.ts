/**
 * FedAvg on a plain JS loop over a float64 running sum: the staged baseline's
 * fallback without WebAssembly SIMD, and the aggregation bench's "previous
 * fedlink" path (assembler + scalar float64).
 */
import { StagingSlots } from './staging-slots';
import { InvalidArgumentError } from '../../../../common/errors';
import { firstNonFinite } from '../../../../common/weights-codec';
import type { WeightedSum } from './accumulator';

/** Options of {@link ScalarAccumulator}. */
export interface ScalarAccumulatorOptions {
  /** Staging slots, one per upload in flight. @default 1 */
  stagingSlots?: number;
}

/** Weighted running sum in a Float64Array, folded by a scalar loop. */
export class ScalarAccumulator implements WeightedSum {
  // float64: the scalar loop is bound by its own speed, not by memory traffic,
  // so the wider sum costs nothing here.
  private readonly sum: Float64Array;
  private readonly slots: StagingSlots;
  private totalWeight = 0;
  private updates = 0;

  constructor(
    readonly size: number,
    options: ScalarAccumulatorOptions = {},
  ) {
    this.sum = new Float64Array(size);
    this.slots = new StagingSlots(size, options.stagingSlots);
  }

  get count(): number {
    return this.updates;
  }

  get weight(): number {
    return this.totalWeight;
  }

  get stagingSlots(): number {
    return this.slots.count;
  }

  get memoryBytes(): number {
    return this.sum.byteLength + this.slots.bytes;
  }

  stage(slot = 0): Float32Array {
    return this.slots.get(slot);
  }

  firstNonFinite(slot: number, from: number, n: number): number {
    return firstNonFinite(this.stage(slot), from, n);
  }

  foldStaged(weight: number, slot = 0): void {
    this.add(this.stage(slot), weight);
  }

  add(values: Float32Array, weight: number): void {
    if (values.length !== this.size) throw new InvalidArgumentError(`update has ${values.length} parameters, model has ${this.size}`);
    if (!(weight > 0) || !Number.isFinite(weight)) throw new InvalidArgumentError(`update weight must be positive, got ${weight}`);
    const sum = this.sum;
    for (let i = 0; i < sum.length; i++) sum[i] += weight * values[i];
    this.totalWeight += weight;
    this.updates++;
  }

  average(): Float32Array {
    if (this.updates === 0) throw new InvalidArgumentError('no updates to average');
    const out = new Float32Array(this.size);
    const inv = 1 / this.totalWeight;
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i] * inv;
    return out;
  }

  averageView(): Float32Array {
    return this.average();
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

