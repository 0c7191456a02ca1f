/** The run-config schema: wire conventions, defaults filled in (strategy options too), every refusal naming its field. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { fromWireRunConfig, toWireRunConfig } from '../../services/coordinator/rpc/wire';
import { wireRunConfig } from '../helpers/run-config';

describe('run-config schema', () => {
  it('run config - fills every default, including the strategy\'s options and the ones zero could not express before', () => {
    const c = fromWireRunConfig({ ...wireRunConfig(), acceptFailures: undefined, maxRoundRetries: undefined, seed: undefined, rounds: 0, train: null });
    expect(c).toMatchObject({ rounds: 10, strategy: 'fedavg', strategyOptions: {}, acceptFailures: true, maxRoundRetries: 2, seed: 42, selection: 'random', model: 'mlp' });
    expect(c.train).toEqual({ localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: 42 });
    // 0 is a seed and a retry count like any other once the field is present.
    expect(fromWireRunConfig(wireRunConfig({ seed: 0, maxRoundRetries: 0, acceptFailures: false }))).toMatchObject({ seed: 0, maxRoundRetries: 0, acceptFailures: false });
    expect(fromWireRunConfig(wireRunConfig({ strategy: 'fedadam', beta1: 0 })).strategyOptions).toEqual({ serverLr: 0.1, beta1: 0, beta2: 0.99, tau: 1e-9 });
    expect(fromWireRunConfig(wireRunConfig({ strategy: 'fedprox' })).strategyOptions).toEqual({ proximalMu: 0.01 });
  });

  it('run config - survives the round trip to the wire (runs show) unchanged', () => {
    for (const over of [
      { strategy: 'fedyogi', serverLr: 0.02, tau: 0.01 },
      { strategy: 'multi-krum:2:4', clientsPerRound: 10, minClients: 7 },
      { strategy: 'fedadam', normBound: 2.5 },
      { strategy: 'fedavg', dpNoise: 1.1, dpClip: 0.5, dpTargetEpsilon: 3 },
    ]) {
      const c = fromWireRunConfig(wireRunConfig(over));
      const back = fromWireRunConfig(toWireRunConfig(c) as Parameters<typeof fromWireRunConfig>[0]);
      expect(back, over.strategy).toEqual(c);
    }
  });

  it('run config - a strategy spec sets its options by position; DP is off unless both σ and C are given, δ defaults to 1e-5', () => {
    const tm = fromWireRunConfig(wireRunConfig({ strategy: 'trimmed-mean:0.1' }));
    expect([tm.strategy, tm.strategyOptions]).toEqual(['trimmed-mean', { trimRatio: 0.1 }]);
    const mk = fromWireRunConfig(wireRunConfig({ strategy: 'multi-krum:1', clientsPerRound: 6, minClients: 5 }));
    expect([mk.strategy, mk.strategyOptions]).toEqual(['multi-krum', { byzantine: 1, krumSelect: 5 }]);
    const nb = fromWireRunConfig(wireRunConfig({ strategy: 'norm-bound:5' }));
    expect([nb.strategy, nb.strategyOptions]).toEqual(['norm-bound', { normBound: 5 }]);
    expect(fromWireRunConfig(wireRunConfig({ strategy: 'fedadam', normBound: 2 })).strategyOptions).toMatchObject({ normBound: 2, serverLr: 0.1 });
    expect(fromWireRunConfig(wireRunConfig({})).privacy).toBeUndefined();
    expect(fromWireRunConfig(wireRunConfig({ dpNoise: 1.1, dpClip: 0.5 })).privacy).toEqual({ noise: 1.1, clip: 0.5, delta: 1e-5 });
  });

  it('run config - refuses with INVALID_ARGUMENT naming the field', () => {
    const cases: Array<[Parameters<typeof wireRunConfig>[0], RegExp]> = [
      [{ strategy: 'bulyan' }, /^unknown strategy "bulyan" \(known: fedavg, fedavgm, fedprox, fedadam, fedyogi, fedadagrad, median, trimmed-mean, krum, multi-krum, norm-bound\)$/],
      [{ strategy: 'krum:2', clientsPerRound: 5, minClients: 3 }, /^strategy krum with byzantine 2 needs at least 7 updates per round \(2f \+ 3\); min_clients is 3$/],
      [{ strategy: 'multi-krum:1:9', clientsPerRound: 8, minClients: 5 }, /^krum_select \(9\) must not exceed clients_per_round − byzantine \(7\)$/],
      [{ strategy: 'norm-bound' }, /^strategy norm-bound needs norm_bound: write norm-bound:<norm_bound> or give --norm-bound$/],
      [{ strategy: 'trimmed-mean:0.1', trimRatio: 0.2 }, /^trim_ratio is 0.1 in the strategy "trimmed-mean:…" but 0.2 in --trim-ratio$/],
      [{ strategy: 'median:1' }, /^strategy median takes no parameters in its name, got "median:1"$/],
      [{ dpNoise: 1 }, /^differential privacy needs both dp_noise \(--dp-noise σ\) and dp_clip \(--dp-clip C\)$/],
      [{ dpNoise: 1, dpClip: 1, dpDelta: 1.5 }, /^dp_delta \(--dp-delta\) must be in \(0, 1\), got 1.5$/],
      [{ strategy: 'median', dpNoise: 1, dpClip: 1 }, /^DP noise is calibrated for the clipped mean; strategy median aggregates otherwise/],
      [{ strategy: 'fedavg', normBound: 3, dpNoise: 1, dpClip: 1 }, /^norm_bound \(--norm-bound\) and DP clipping \(--dp-clip\) both clip updates/],
      [{ strategy: 'fedadam', beta2: 1 }, /^beta2 \(--beta2\) must be in \[0, 1\), got 1$/],
      [{ strategy: 'fedadam', serverLr: Number.NaN }, /^server_lr: .*NaN$/],
      [{ strategy: 'fedavg', proximalMu: 0.1 }, /^proximal_mu \(--proximal-mu\) does not apply to strategy fedavg; it takes no options of its own$/],
      [{ selection: 'best' }, /^unknown selection policy "best" \(known: random, fcfs/],
      [{ model: 'resnet' }, /^unknown model "resnet" \(known: mlp, cnn; or upload one: runs create --model path\/to\/model.json\)$/],
      [{ objective: { loss: 'mse', metrics: [], optimizer: null } }, /^loss mse does not fit the built-in model mlp/],
      [{ objective: { loss: 'hinge', metrics: [], optimizer: null } }, /^unknown loss "hinge" \(known: sparse-categorical-crossentropy/],
      [{ objective: { loss: '', metrics: [], optimizer: { name: 'sgd', momentum: 0.5 } } }, /^optimizer momentum applies to the momentum optimizer, not sgd$/],
      [{ modelUpload: 'bogus' }, /^model_upload "bogus" is not an upload id/],
      [{ preprocessing: { labelColumn: '', featureColumns: [], shift: [], divide: [0], image: null, labels: [] } }, /^divide values must not be 0$/],
      [{ clientsPerRound: 2, minClients: 3 }, /^min_clients \(3\) must not exceed clients_per_round \(2\)$/],
      [{ rounds: 2_000_000 }, /^rounds must be an integer in 1\.\.1000000, got 2000000$/],
      [{ overSelection: 11 }, /^over_selection must be in \[1, 10\], got 11$/],
      [{ clientDeadlineFactor: 0.5 }, /^client_deadline_factor must be 0 \(off\) or in \[1, 100\], got 0.5$/],
      [{ evalData: 'cifar' }, /^unknown eval data "cifar"/],
      [{ downlink: 'int8' }, /^unknown downlink encoding "int8"/],
      [{ train: { localEpochs: 1, batchSize: 10, learningRate: 101, seed: 1, proximalMu: 0 } }, /^learning_rate must be in \(0, 100\], got 101$/],
      [{ train: { localEpochs: 1, batchSize: 1.5, learningRate: 0.1, seed: 1, proximalMu: 0 } }, /^batch_size must be an integer in 1\.\.1000000, got 1.5$/],
    ];
    for (const [over, message] of cases) {
      let err: unknown;
      try {
        fromWireRunConfig(wireRunConfig(over));
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(over)).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message, JSON.stringify(over)).toMatch(message);
    }
    expect(() => fromWireRunConfig(null)).toThrow(/config is required/);
  });
});
