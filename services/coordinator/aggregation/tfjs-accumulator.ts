/**
 * FedAvg as TFJS ops (sum ← sum + w·x): the kernel for the native
 * `tensorflow` backend (tfjs-node), where the ops run in libtensorflow. On the
 * wasm/cpu backends per-update op chains measured 14–28× slower than a plain
 * loop, so chooseKernel only picks this one on `tensorflow`.
 */
import { StagingSlots } from './staging-slots';
import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../../../common/errors';
import type { WeightedSum } from './accumulator';
import { firstNonFinite } from '../../../common/weights-codec';

/** Weighted running sum held as a TFJS tensor on the active backend. */
export class TfjsAccumulator implements WeightedSum {
  private sum?: tf.Tensor1D;
  private readonly slots: StagingSlots;
  private firstWeight = 0;
  private totalWeight = 0;
  private updates = 0;

  constructor(
    readonly size: number,
    options: { stagingSlots?: number } = {},
  ) {
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
    return (this.sum ? this.size * 4 : 0) + this.slots.bytes;
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
    // Same scaling as the fused kernel: first update as is, later ones by wᵢ/w₀.
    if (!this.sum) {
      this.sum = tf.tensor1d(values);
      this.firstWeight = weight;
    } else {
      const prev = this.sum;
      const rel = weight / this.firstWeight;
      this.sum = tf.tidy(() => prev.add(tf.tensor1d(values).mul(rel)));
      prev.dispose();
    }
    this.totalWeight += weight;
    this.updates++;
  }

  average(): Float32Array {
    if (!this.sum) throw new InvalidArgumentError('no updates to average');
    const s = this.firstWeight / this.totalWeight;
    const sum = this.sum;
    const out = tf.tidy(() => sum.mul(s));
    const data = Float32Array.from(out.dataSync() as Float32Array);
    out.dispose();
    return data;
  }

  averageView(): Float32Array {
    return this.average();
  }

  dispose(): Promise<void> {
    this.sum?.dispose();
    this.sum = undefined;
    return Promise.resolve();
  }
}
