/** --json output: protobuf's "unset" defaults become null, epoch-ms times get ISO-8601 twins. */
import { describe, expect, it } from 'vitest';
import { isoTime, toJsonClient, toJsonRound, toJsonRun } from '../../clients/cli/json-view';
import type { ClientInfo__Output } from '../../proto/gen/fedlink/v1/ClientInfo';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';

const T = Date.UTC(2026, 11, 3, 7, 0, 0);

// As proto-loader hands them over (defaults: true): unset fields are 0, '' or null.
const RUN = {
  runId: 'run-1', state: 'pending', config: { rounds: 3, dpNoise: 0, dpClip: 0, evalData: '', serverLr: 0.01, _serverLr: 'serverLr' }, currentRound: 0, committedRounds: 0,
  createdAtMs: T, updatedAtMs: 0, reason: '', model: null, latestEval: null, modelVersion: '', checkpoints: [{ round: 0, version: 'v', bytes: 8, atMs: T }], privacy: null,
} as unknown as Run__Output;

const ROUND = {
  runId: 'run-1', round: 1, state: 'training', reason: '', attempt: 1, startedAtMs: T, endedAtMs: 0, deadlineUnixMs: T + 60_000, reported: 0, meanTrainLoss: 0,
  eval: { loss: 0.5, accuracy: 0, numExamples: 100, mae: 0.2, _mae: 'mae', mse: 0.1, _mse: 'mse' }, bytesDown: 0, bytesUp: 0, modelVersion: '', scheduling: null, skipped: [], checkpoint: '', strategyMetrics: {}, aggregation: '',
  clients: [
    { clientId: 'edge-1', state: 'training', reason: '', numExamples: 0, trainLoss: 0, trainAccuracy: 0, durationMs: 0, bytesDown: 10, bytesUp: 0, selectedAtMs: T, dispatchedAtMs: T, finishedAtMs: 0, localEvalLoss: 0, localEvalAccuracy: 0, predictedMs: 0, actualMs: 0, resumes: 0, encoding: '', sparseAverage: false, downloadMs: 0, uploadMs: 0 },
    { clientId: 'edge-2', state: 'finished', reason: '', numExamples: 600, trainLoss: 0.3, trainAccuracy: 0.9, durationMs: 900, bytesDown: 10, bytesUp: 10, selectedAtMs: T, dispatchedAtMs: T, finishedAtMs: T + 900, localEvalLoss: 0, localEvalAccuracy: 0, predictedMs: 800, actualMs: 900, resumes: 0, encoding: 'int8', sparseAverage: false, downloadMs: 100, uploadMs: 0 },
  ],
} as unknown as Round__Output;

describe('--json views', () => {
  it('isoTime - an epoch-ms time as ISO-8601, null for the unset 0', () => {
    expect(isoTime(T)).toBe('2026-12-03T07:00:00.000Z');
    expect(isoTime(0)).toBeNull();
    expect(isoTime('1796281022859')).toBe('2026-12-03T06:57:02.859Z');
  });

  it('toJsonRun - puts an ISO time beside each epoch-ms time and turns unset values into null, not 0 or ""', () => {
    const json = toJsonRun(RUN);
    expect(json).toMatchObject({
      createdAt: '2026-12-03T07:00:00.000Z', createdAtMs: T, updatedAt: null, updatedAtMs: null, currentRound: null, committedRounds: 0,
      reason: null, modelVersion: null, latestEval: null, checkpoints: [{ at: '2026-12-03T07:00:00.000Z', atMs: T }],
    });
    expect(json.config).toEqual({ rounds: 3, dpNoise: null, dpClip: null, evalData: null, serverLr: 0.01 });
    expect(Object.keys(json).indexOf('createdAt')).toBe(Object.keys(json).indexOf('createdAtMs') - 1);
  });

  it('toJsonRound - no mean loss before anyone reported, a client\'s train metrics only once it finished, an empty encoding is float32', () => {
    const json = toJsonRound(ROUND);
    expect(json).toMatchObject({ meanTrainLoss: null, endedAt: null, endedAtMs: null, deadlineUnix: '2026-12-03T07:01:00.000Z', reason: null });
    // A regression's accuracy means nothing: null, with its errors.
    expect(json.eval).toEqual({ loss: 0.5, accuracy: null, numExamples: 100, mae: 0.2, mse: 0.1 });
    const [training, finished] = json.clients as Array<Record<string, unknown>>;
    expect(training).toMatchObject({ numExamples: null, trainLoss: null, durationMs: null, predictedMs: null, finishedAt: null, encoding: 'float32', bytesUp: 0 });
    expect(finished).toMatchObject({ numExamples: 600, trainLoss: 0.3, durationMs: 900, predictedMs: 800, finishedAt: '2026-12-03T07:00:00.900Z', encoding: 'int8', uploadMs: null });
    expect(toJsonRound({ ...ROUND, reported: 1, meanTrainLoss: 0 }).meanTrainLoss).toBe(0);
  });

  it('toJsonClient - a link that was never measured has null RTT and throughput, times get ISO twins', () => {
    const client = {
      clientId: 'edge-1', status: 'connected', lastSeenMs: T, backend: '', datasetSize: 6000, dataset: 'fashion-mnist', connectedAtMs: 0, peer: '', activity: '',
      link: { presence: 'online', radio: '', slice: '', rttMs: 0, jitterMs: 0, upMbps: 7.5, downMbps: 0, loss: 0, resets: 0, metered: false, battery: 0, charging: false, lastReportMs: 0, stale: false, estimatedRoundMs: 0, disconnects: 0 },
    } as unknown as ClientInfo__Output;
    const json = toJsonClient(client);
    expect(json).toMatchObject({ lastSeen: '2026-12-03T07:00:00.000Z', lastSeenMs: T, connectedAt: null, backend: null, activity: null, datasetSize: 6000 });
    expect(json.link).toMatchObject({ rttMs: null, upMbps: 7.5, downMbps: null, radio: null, lastReport: null, estimatedRoundMs: null, loss: 0 });
  });
});
