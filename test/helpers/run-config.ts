/** A complete wire RunConfig with test-friendly defaults, for in-process coordinator tests. */
import type { RunConfig__Output } from '../../proto/gen/fedlink/v1/RunConfig';

/** Defaults: 1 round, 1 client, mlp, no evaluation, random selection; override what the test is about. */
export function wireRunConfig(over: Partial<RunConfig__Output> = {}): RunConfig__Output {
  return {
    rounds: 1, clientsPerRound: 1, minClients: 1, model: 'mlp', evalData: '', acceptFailures: true, maxRoundRetries: 0,
    roundDeadlineMs: 60_000, waitForClientsMs: 10_000, seed: 1, strategy: '', selection: '', overSelection: 1, clientDeadlineFactor: 0, compression: '', downlink: '',
    train: { localEpochs: 1, batchSize: 10, learningRate: 0.1, seed: 1 },
    ...over,
  };
}
