/** A complete wire RunConfig with test-friendly defaults, for in-process coordinator tests. */
import type { RunConfig } from '../../common/types';
import type { RunConfig__Output } from '../../proto/gen/fedlink/v1/RunConfig';

/** Defaults: 1 round, 1 client, mlp, no evaluation, random selection; override what the test is about. */
export function wireRunConfig(over: Partial<RunConfig__Output> = {}): RunConfig__Output {
  return {
    rounds: 1, clientsPerRound: 1, minClients: 1, model: 'mlp', evalData: '', acceptFailures: true, maxRoundRetries: 0,
    roundDeadlineMs: 60_000, waitForClientsMs: 10_000, seed: 1, strategy: '', selection: '', overSelection: 1, clientDeadlineFactor: 0, compression: '', downlink: '', dpNoise: 0, dpClip: 0, dpDelta: 0, dpTargetEpsilon: 0, modelUpload: '', objective: null, preprocessing: null,
    train: { localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 1, proximalMu: 0 },
    ...over,
  };
}

/** A complete domain RunConfig (what RunDriver and the stores take), same spirit: override what the test is about. */
export function runConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    rounds: 1, clientsPerRound: 1, minClients: 1, roundDeadlineMs: 60_000, strategy: 'fedavg', model: 'mlp', acceptFailures: true,
    selection: 'random', overSelection: 1, clientDeadlineFactor: 0, compression: 'float32', downlink: 'float32', seed: 1, maxRoundRetries: 0, waitForClientsMs: 10_000,
    train: { localEpochs: 1, batchSize: 32, learningRate: 0.1, seed: 1, proximalMu: 0 },
    ...over,
  };
}
