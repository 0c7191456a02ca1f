/** The coordinator's choice of the kernel rounds fold on, and that rounds follow it. */
import { describe, expect, it } from 'vitest';
import { chooseKernel, defaultKernel } from '../../services/coordinator/aggregation/kernel-choice';
import { StreamingFedAvg } from '../../services/coordinator/aggregation/streaming-fedavg';

describe('aggregation kernel choice', () => {
  it('aggregation kernel choice - scalar without SIMD, else calibrated on the streaming sum whatever the TFJS backend', () => {
    const noSimd = chooseKernel({ backend: 'wasm', simd: false });
    expect(noSimd.kernel).toBe('scalar');
    expect(noSimd.calibration).toBeUndefined();
    expect(noSimd.description).toMatch(/SIMD unavailable/);
    // tfjs-node's native backend does not change what folds: rounds never run on TFJS.
    const calibrated = chooseKernel({ backend: 'tensorflow', calibrationSize: 4099 });
    expect(['wasm-simd', 'scalar']).toContain(calibrated.kernel);
    expect(calibrated.calibration!.wasm).toBeGreaterThan(0);
    expect(calibrated.calibration!.scalar).toBeGreaterThan(0);
    expect(calibrated.kernel).toBe(calibrated.calibration!.wasm >= calibrated.calibration!.scalar ? 'wasm-simd' : 'scalar');
    expect(calibrated.description).toMatch(/calibrated wasm-simd .* GB\/s vs scalar .* GB\/s on 4099 params/);
    expect(calibrated.description).toContain('tensorflow');
    expect(defaultKernel()).toBe(calibrated);
  });

  it('aggregation kernel choice - a round folds on the process default unless told otherwise', async () => {
    chooseKernel({ simd: false });
    const scalar = new StreamingFedAvg(100);
    expect(scalar.kernel).toBe('scalar');
    const chosen = chooseKernel({ calibrationSize: 1024 });
    const followed = new StreamingFedAvg(100);
    expect(followed.kernel).toBe(chosen.kernel);
    const told = new StreamingFedAvg(100, { kernel: 'scalar' });
    expect(told.kernel).toBe('scalar');
    await Promise.all([scalar.dispose(), followed.dispose(), told.dispose()]);
  });
});
