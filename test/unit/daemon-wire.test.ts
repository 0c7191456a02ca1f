import { describe, expect, it } from 'vitest';
import { compileDaemonOptions } from '../../clients/daemon/options';
import { uploadChunkBytes, chunkBytesForLink } from '../../clients/daemon/push-update';
import { fromWireTask, toWireResult } from '../../clients/daemon/wire';
import { InvalidArgumentError } from '../../common/errors';
import { DEFAULT_CHUNK_BYTES } from '../../common/weights-codec';
import type { TaskAssignment__Output } from '../../proto/gen/fedlink/v1/TaskAssignment';

const SHA = 'a'.repeat(64);

function wireTask(overrides: Partial<TaskAssignment__Output> = {}): TaskAssignment__Output {
  return {
    taskId: 'task-1',
    runId: 'run-1',
    round: 3,
    kind: 'TASK_KIND_TRAIN',
    model: { name: 'mlp', inputShape: [2], numClasses: 2, tensors: [{ name: 'w', shape: [2, 4] }, { name: 'b', shape: [2] }], topology: '', outputShape: [], objective: null, preprocessing: null },
    modelVersion: SHA,
    modelBytes: 40,
    train: { localEpochs: 2, batchSize: 32, learningRate: 0.05, seed: 9, proximalMu: 0 },
    deadlineUnixMs: 1_700_000_060_000,
    updateEncoding: '',
    modelEncoding: '',
    sparseAverage: false,
    ...overrides,
  };
}

describe('daemon wire - fromWireTask', () => {
  it('converts a training assignment into a TrainTask', () => {
    const task = fromWireTask(wireTask());
    expect(task).toEqual({
      taskId: 'task-1',
      runId: 'run-1',
      round: 3,
      model: { name: 'mlp', inputShape: [2], numClasses: 2, tensors: [{ name: 'w', shape: [2, 4] }, { name: 'b', shape: [2] }] },
      modelVersion: SHA,
      modelBytes: 40,
      train: { localEpochs: 2, batchSize: 32, learningRate: 0.05, seed: 9 },
      deadlineMs: 1_700_000_060_000,
      updateEncoding: 'float32',
      modelEncoding: 'float32',
      sparseAverage: false,
    });
  });

  it('keeps sparse_average for a top-k task only', () => {
    expect(fromWireTask(wireTask({ updateEncoding: 'topk:0.01+int8', sparseAverage: true })).sparseAverage).toBe(true);
    expect(fromWireTask(wireTask({ updateEncoding: 'topk:0.01', sparseAverage: false })).sparseAverage).toBe(false);
    expect(fromWireTask(wireTask({ updateEncoding: 'int8', sparseAverage: true })).sparseAverage).toBe(false);
  });

  it.each([
    ['', 'float32'],
    ['float32', 'float32'],
    ['float16', 'float16'],
    ['int8', 'int8'],
    ['topk:0.25', 'topk:0.25'],
    ['topk:0.010+int8', 'topk:0.01+int8'],
    ['topk:1e-2', 'topk:0.01'],
  ])('carries update encoding %j as %j', (wire, domain) => {
    expect(fromWireTask(wireTask({ updateEncoding: wire })).updateEncoding).toBe(domain);
  });

  it("maps wire batch size 0 to 'full' (FedAvg's B = infinity)", () => {
    expect(fromWireTask(wireTask({ train: { localEpochs: 1, batchSize: 0, learningRate: 0.1, seed: 0, proximalMu: 0 } })).train.batchSize).toBe('full');
  });

  it('treats a zero deadline as none', () => {
    expect(fromWireTask(wireTask({ deadlineUnixMs: 0 })).deadlineMs).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    ['a missing task id', { taskId: '' }, /task id/],
    ['a missing run id', { runId: '' }, /run id/],
    ['an evaluate task', { kind: 'TASK_KIND_EVALUATE' as const }, /not a training task/],
    ['an unknown model', { model: { name: 'resnet', inputShape: [2], numClasses: 2, tensors: [{ name: 'w', shape: [2] }] } }, /unknown model/],
    ['a missing model spec', { model: null }, /no model spec/],
    ['a zero dimension', { model: { name: 'mlp', inputShape: [2], numClasses: 2, tensors: [{ name: 'w', shape: [2, 0] }] } }, /invalid shape/],
    ['a size that disagrees with the spec', { modelBytes: 44 }, /do not match/],
    ['a model version that is not a sha256', { modelVersion: 'v1' }, /sha256/],
    ['zero local epochs', { train: { localEpochs: 0, batchSize: 1, learningRate: 0.1, seed: 0 } }, /local epochs/],
    ['a non-positive learning rate', { train: { localEpochs: 1, batchSize: 1, learningRate: 0, seed: 0 } }, /learning rate/],
    ['a missing training config', { train: null }, /training config/],
    ['an unknown update encoding', { updateEncoding: 'gzip' }, /invalid update encoding: unknown encoding "gzip"/],
    ['a top-k fraction above 1', { updateEncoding: 'topk:1.5' }, /invalid update encoding: top-k fraction/],
    ['a top-k without a fraction', { updateEncoding: 'topk' }, /invalid update encoding/],
  ])('rejects %s with InvalidArgumentError', (_name, overrides, message) => {
    const act = () => fromWireTask(wireTask(overrides as Partial<TaskAssignment__Output>));
    expect(act).toThrow(InvalidArgumentError);
    expect(act).toThrow(message);
  });
});

describe('daemon wire - toWireResult', () => {
  it('names the transfer and carries the metrics and the download time the client saw', () => {
    const task = fromWireTask(wireTask());
    const outcome = {
      weights: new Float32Array(10),
      numExamples: 600,
      train: { loss: 0.4, accuracy: 0.85, numExamples: 600 },
      localEval: { loss: 0.9, accuracy: 0.6, numExamples: 600 },
      durationMs: 1234.6,
    };
    expect(toWireResult(task, 'xfer-1', outcome, 3210.4)).toEqual({
      taskId: 'task-1',
      runId: 'run-1',
      round: 3,
      transferId: 'xfer-1',
      numExamples: 600,
      train: { loss: 0.4, accuracy: 0.85, numExamples: 600 },
      localEval: { loss: 0.9, accuracy: 0.6, numExamples: 600 },
      durationMs: 1235,
      downloadMs: 3210,
    });
    // A cached model was not downloaded: 0, which the coordinator reads as "no figure".
    expect(toWireResult(task, 'xfer-1', outcome).downloadMs).toBe(0);
  });
});

describe('daemon push - chunk size', () => {
  it('uses the smaller of the coordinator limit and the default, in whole float32 values', () => {
    expect(uploadChunkBytes(0)).toBe(DEFAULT_CHUNK_BYTES);
    expect(uploadChunkBytes(64 << 20)).toBe(DEFAULT_CHUNK_BYTES);
    expect(uploadChunkBytes(1000)).toBe(1000);
    expect(uploadChunkBytes(1001)).toBe(1000);
    expect(uploadChunkBytes(2)).toBe(4);
  });

  it('lowers the chunk to about two seconds of a slow measured uplink, never below 64 KiB nor above the limit', () => {
    // Unknown uplink: the limit.
    expect(chunkBytesForLink(0, undefined)).toBe(DEFAULT_CHUNK_BYTES);
    expect(chunkBytesForLink(0, 0)).toBe(DEFAULT_CHUNK_BYTES);
    // 0.5 Mbit/s: 2 s is 125,000 bytes.
    expect(chunkBytesForLink(0, 0.5)).toBe(125_000);
    // 0.05 Mbit/s would be 12.5 kB: the 64 KiB floor.
    expect(chunkBytesForLink(0, 0.05)).toBe(64 * 1024);
    // Fast links keep the limit, and so does a coordinator limit below the floor.
    expect(chunkBytesForLink(0, 50)).toBe(DEFAULT_CHUNK_BYTES);
    expect(chunkBytesForLink(32 * 1024, 0.05)).toBe(32 * 1024);
    // Whole float32 values.
    expect(chunkBytesForLink(0, 0.5003) % 4).toBe(0);
  });
});

describe('daemon options', () => {
  it('fills in the documented defaults', () => {
    expect(compileDaemonOptions({ coordinator: '127.0.0.1:50051', clientId: 'edge-1' })).toMatchObject({
      dataset: 'fashion-mnist',
      partition: 'iid',
      numPartitions: 10,
      index: 0,
      seed: 42,
      backoffInitialMs: 500,
      backoffMaxMs: 15_000,
      logLevel: 'info',
    });
  });

  it('accepts host names and bracketed IPv6 addresses', () => {
    expect(() => compileDaemonOptions({ coordinator: 'coordinator.local:443', clientId: 'a' })).not.toThrow();
    expect(() => compileDaemonOptions({ coordinator: '[::1]:50051', clientId: 'a' })).not.toThrow();
  });

  it.each([
    ['no port', { coordinator: 'localhost', clientId: 'edge-1' }, /invalid coordinator address/],
    ['port 0', { coordinator: 'localhost:0', clientId: 'edge-1' }, /invalid coordinator address/],
    ['a port out of range', { coordinator: 'localhost:70000', clientId: 'edge-1' }, /invalid coordinator address/],
    ['a url', { coordinator: 'http://localhost:50051', clientId: 'edge-1' }, /invalid coordinator address/],
    ['a missing client id', { coordinator: 'localhost:50051', clientId: '' }, /missing client id/],
    ['a client id with spaces', { coordinator: 'localhost:50051', clientId: 'edge 1' }, /invalid client id/],
    ['an index outside the partitions', { coordinator: 'localhost:50051', clientId: 'a', numPartitions: 3, index: 3 }, /out of range/],
    ['inverted backoff bounds', { coordinator: 'localhost:50051', clientId: 'a', backoffInitialMs: 100, backoffMaxMs: 10 }, /backoff/],
  ])('rejects %s with a one-line InvalidArgumentError', (_name, options, message) => {
    const act = () => compileDaemonOptions(options);
    expect(act).toThrow(InvalidArgumentError);
    expect(act).toThrow(message);
    try {
      act();
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
