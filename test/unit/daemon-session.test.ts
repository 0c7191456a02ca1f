/**
 * ClientSession against a real grpc-js server on 127.0.0.1 whose Fleet
 * handlers are scripted fakes, with a fake trainer: the protocol as the
 * coordinator sees it, without TFJS or a real coordinator.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedbackStore } from '../../clients/daemon/encodings';
import { ClientSession, type SessionEvent } from '../../clients/daemon/session';
import { decodeDense } from '../../common/codecs';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { CHUNK_XXH64_FEATURE, chunkDigest } from '../../common/chunk-check/chunk-checker';
import { FakeFleet, FakeTrainer, MODEL, MODEL_BYTES, MODEL_SHA, SPEC, TrackingClock, taskMessage, waitFor } from '../helpers/fake-fleet-server';

// ---------------------------------------------------------------- fixture

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: { feedback?: FeedbackStore; before?: string[]; welcomeFeatures?: string[] } = {}) {
  const fleet = await new FakeFleet().start();
  if (opts.welcomeFeatures) fleet.welcome = { ...fleet.welcome, features: opts.welcomeFeatures };
  cleanups.push(() => fleet.stop());
  const trainer = new FakeTrainer();
  const clock = new TrackingClock();
  const session = new ClientSession({
    coordinator: [...(opts.before ?? []), `127.0.0.1:${fleet.port}`].join(','),
    clientId: 'edge-1',
    backend: 'cpu',
    datasetSize: 600,
    partition: '3/10 iid seed 42',
    trainer,
    version: '0.0.0-test',
    clock,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    feedback: opts.feedback,
  });
  const events: SessionEvent[] = [];
  const iterating = (async () => {
    for await (const e of session.events()) events.push(e);
  })();
  cleanups.push(() => session.stop());
  session.start();
  await waitFor(() => events.some((e) => e.type === 'connected'), 'connected');
  return { fleet, trainer, clock, session, events, iterating };
}

// ---------------------------------------------------------------- tests

describe('daemon session', () => {
  it('says hello with its id, capabilities, data partition and dataset size, and the client id in metadata', async () => {
    const { fleet, session, events } = await setup();
    expect(fleet.hellos).toHaveLength(1);
    const { hello, metadata } = fleet.hellos[0];
    expect(hello).toMatchObject({
      clientId: 'edge-1',
      capabilities: { backend: 'cpu', encodings: ['float32', 'float16', 'int8', 'topk', 'topk+int8'], models: ['mlp', 'cnn', 'custom'], dataset: 'fashion-mnist', partition: '3/10 iid seed 42' },
      datasetSize: 600,
      resumeToken: '',
      version: '0.0.0-test',
    });
    expect(metadata.get('fedlink-client-id')).toEqual(['edge-1']);
    // Identity is the certificate (or, without TLS, this metadata): no bearer token is sent.
    expect(metadata.get('authorization')).toEqual([]);
    expect(events[0]).toEqual({ type: 'connected', sessionId: 'session-1' });
    expect(session.state).toBe('connected');
    // Heartbeats flow and are acknowledged: the session measures an RTT.
    await waitFor(() => fleet.of('heartbeat').length >= 2 && session.rttMs !== undefined, 'acknowledged heartbeats');
  });

  it('trains a task: fetches the model, keeps heartbeating with progress, uploads the update and cites its transfer', async () => {
    const { fleet, trainer, events } = await setup();
    trainer.block = true;
    fleet.send(taskMessage());
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    expect(Array.from(trainer.calls[0].weights)).toEqual(Array.from(MODEL));
    expect(trainer.calls[0].task).toMatchObject({ taskId: 'task-1', runId: 'run-1', round: 1, train: { batchSize: 'full' } });
    expect(fleet.fetches[0].request).toMatchObject({ runId: 'run-1', round: 1, modelVersion: MODEL_SHA, offset: 0 });
    expect(fleet.fetches[0].metadata.get('fedlink-client-id')).toEqual(['edge-1']);

    // While the trainer is busy, heartbeats keep coming and carry its progress.
    const before = fleet.of('heartbeat').length;
    const busyBeats = await waitFor(() => {
      const beats = fleet.of('heartbeat').slice(before).filter((h) => h.progress?.taskId === 'task-1');
      return beats.length >= 3 && beats;
    }, 'heartbeats during training');
    expect(busyBeats[0].progress).toMatchObject({ taskId: 'task-1', fraction: 0.5, epoch: 1 });

    trainer.release();
    const [result] = await waitFor(() => fleet.of('result').length > 0 && fleet.of('result'), 'result');
    const push = fleet.pushes[0];
    expect(push.metadata.get('fedlink-client-id')).toEqual(['edge-1']);
    // Header and task identity ride on the first chunk only; chunks respect the welcome's 16-byte limit.
    const [first, ...rest] = push.chunks;
    expect(first.header).toMatchObject({ encoding: 'float32', totalBytes: 40, tensors: [{ shape: [2, 4] }, { shape: [2] }] });
    expect(first.meta).toMatchObject({ taskId: 'task-1', runId: 'run-1', round: 1, numExamples: 123 });
    expect(rest.every((c) => c.header === null && c.meta === null)).toBe(true);
    expect(push.chunks.map((c) => c.offset)).toEqual([0, 16, 32]);
    expect(push.chunks.every((c) => c.data.length <= 16)).toBe(true);

    const uploaded = Buffer.concat(push.chunks.map((c) => c.data));
    const expected = Buffer.from(float32ToBytes(MODEL.map((w) => w + 1)));
    expect(uploaded.equals(expected)).toBe(true);
    expect(first.header!.sha256).toBe(sha256Hex(expected));

    expect(result).toMatchObject({
      taskId: 'task-1',
      runId: 'run-1',
      round: 1,
      transferId: first.header!.transferId,
      numExamples: 123,
      train: { loss: 0.5, accuracy: 0.8, numExamples: 123 },
      localEval: { loss: 0.9, accuracy: 0.4, numExamples: 123 },
      durationMs: 7,
    });
    expect(result.transferId).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(() => events.some((e) => e.type === 'task-finished'), 'task-finished event');
    expect(events.map((e) => e.type)).toEqual(['connected', 'task-started', 'task-finished']);
  });

  it('uploads with an XXH64 digest on every chunk when the welcome offers chunk-xxh64 (without it, the sha256 of the whole: the test above)', async () => {
    const { fleet, trainer } = await setup({ welcomeFeatures: [CHUNK_XXH64_FEATURE] });
    expect(fleet.hellos[0].hello.capabilities!.features).toContain(CHUNK_XXH64_FEATURE);
    fleet.send(taskMessage());
    await waitFor(() => fleet.of('result').length > 0, 'result');
    expect(trainer.calls.length).toBe(1);
    const [first, ...rest] = fleet.pushes[0].chunks;
    expect(first.header).toMatchObject({ chunkDigest: 'xxh64', sha256: '' });
    for (const c of [first, ...rest]) expect(Buffer.from(c.xxh64)).toEqual(Buffer.from(chunkDigest(c.data, Number(c.offset))));
  });

  it('a second task for a model version it already holds skips the download', async () => {
    const { fleet, trainer } = await setup();
    fleet.send(taskMessage());
    await waitFor(() => fleet.of('result').length === 1, 'first result');
    fleet.send(taskMessage({ taskId: 'task-2', round: 2 }));
    await waitFor(() => fleet.of('result').length === 2, 'second result');
    expect(fleet.fetches).toHaveLength(1);
    // The trainer got the cached global model, not what it produced last time.
    expect(Array.from(trainer.calls[1].weights)).toEqual(Array.from(MODEL));
  });

  it('a new model version is downloaded into the array an evicted version left, overwriting all of it', async () => {
    const { fleet, trainer } = await setup();
    const versions = [1, 2, 3, 4].map((k) => {
      const values = MODEL.map((w) => w * k + k);
      const bytes = Buffer.from(float32ToBytes(values));
      const sha = sha256Hex(bytes);
      fleet.models.set(sha, bytes);
      return { values, sha };
    });
    for (const [k, v] of versions.entries()) {
      fleet.send(taskMessage({ taskId: `task-${k}`, round: k + 1, modelVersion: v.sha }));
      await waitFor(() => fleet.of('result').length === k + 1, `result ${k + 1}`);
      expect(Array.from(trainer.calls[k].weights)).toEqual(Array.from(v.values));
    }
    expect(fleet.fetches).toHaveLength(4);
    // The cache holds two versions: the third evicted the first, whose array the fourth reused.
    expect(trainer.calls[3].given).toBe(trainer.calls[0].given);
    expect(new Set(trainer.calls.slice(0, 3).map((c) => c.given)).size).toBe(3);
  });

  it('uploads a multi-megabyte update in the coordinator-sized chunks, honouring backpressure, byte for byte', async () => {
    const { fleet } = await setup();
    const big = Float32Array.from({ length: 1024 * 1024 + 2 }, (_, i) => Math.sin(i));
    const bigBytes = Buffer.from(float32ToBytes(big));
    const bigSha = sha256Hex(bigBytes);
    fleet.models.set(bigSha, bigBytes);
    fleet.serveChunkBytes = 256 * 1024;
    // 64 KiB chunks: enough messages to fill the stream's buffer and make write() ask us to wait.
    fleet.welcome = { ...fleet.welcome, maxChunkBytes: 64 * 1024 };
    // A fresh session picks up the new welcome: drain and come back.
    fleet.send({ drain: { reason: 'new limits', reconnectAfterMs: 0 } });
    await waitFor(() => fleet.hellos.length === 2, 'reconnect');
    await new Promise((r) => setTimeout(r, 50));
    const spec = { ...SPEC, tensors: [{ name: 'w', shape: [1024, 1024] }, { name: 'b', shape: [2] }] };
    fleet.send(taskMessage({ model: spec, modelVersion: bigSha, modelBytes: bigBytes.length }));
    const [result] = await waitFor(() => fleet.of('result').length > 0 && fleet.of('result'), 'result', 15_000);
    const chunks = fleet.pushes[0].chunks;
    expect(chunks.map((c) => c.offset)).toEqual(Array.from({ length: 65 }, (_, i) => i * 64 * 1024));
    const uploaded = Buffer.concat(chunks.map((c) => c.data));
    expect(sha256Hex(uploaded)).toBe(sha256Hex(Buffer.from(float32ToBytes(big.map((w) => w + 1)))));
    expect(chunks[0].header!.sha256).toBe(sha256Hex(uploaded));
    expect(result.transferId).toBe(chunks[0].header!.transferId);
  });

  it('a cancel aborts the trainer promptly and no result is sent', async () => {
    const { fleet, trainer, events } = await setup();
    trainer.block = true;
    fleet.send(taskMessage());
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    fleet.send({ cancel: { taskId: 'task-1', reason: 'round closed' } });
    await waitFor(() => trainer.calls[0].signal.aborted, 'trainer signal to abort', 1_000);
    await waitFor(() => events.some((e) => e.type === 'task-failed'), 'task-failed event');
    // Give a stray result every chance to show up.
    await new Promise((r) => setTimeout(r, 150));
    expect(fleet.of('result')).toHaveLength(0);
    expect(fleet.of('failure')).toHaveLength(0);
    expect(fleet.pushes).toHaveLength(0);
    expect(events.find((e) => e.type === 'task-failed')).toMatchObject({ taskId: 'task-1', reason: 'cancelled' });
  });

  it('a model whose bytes do not match its checksum becomes a failure, not a crash', async () => {
    const { fleet, trainer, session } = await setup();
    const corrupt = Buffer.from(MODEL_BYTES);
    corrupt.writeFloatLE(42, 8);
    fleet.models.set(MODEL_SHA, corrupt);
    fleet.send(taskMessage());
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'failure');
    expect(failure).toMatchObject({ taskId: 'task-1', runId: 'run-1', round: 1 });
    expect(failure.reason).toMatch(/model download failed: sha256/);
    expect(trainer.calls).toHaveLength(0);
    // The session is still alive and can take the next task.
    expect(session.state).toBe('connected');
    fleet.models.set(MODEL_SHA, MODEL_BYTES);
    fleet.send(taskMessage({ taskId: 'task-2' }));
    await waitFor(() => fleet.of('result').length > 0, 'result of the next task');
  });

  it('an unknown model version fails the task with the rpc status name', async () => {
    const { fleet } = await setup();
    fleet.send(taskMessage({ modelVersion: 'b'.repeat(64) }));
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'failure');
    expect(failure.reason).toBe('model download failed: NOT_FOUND: no such model');
  });

  it('an update the coordinator rejects is reported with its gRPC status', async () => {
    const { fleet } = await setup();
    fleet.pushError = { code: grpc.status.INVALID_ARGUMENT, details: 'wrong tensor count' };
    fleet.send(taskMessage());
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'failure');
    expect(failure.reason).toBe('update rejected: INVALID_ARGUMENT: wrong tensor count');
    expect(fleet.of('result')).toHaveLength(0);
  });

  it('a second task of another run while busy is refused as busy, the first keeps running', async () => {
    const { fleet, trainer } = await setup();
    trainer.block = true;
    fleet.send(taskMessage());
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    fleet.send(taskMessage({ taskId: 'task-2', runId: 'run-2' }));
    // A re-sent assignment of the task already running is not "busy".
    fleet.send(taskMessage());
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'busy failure');
    expect(failure).toMatchObject({ taskId: 'task-2', reason: 'busy' });
    trainer.release();
    const [result] = await waitFor(() => fleet.of('result').length > 0 && fleet.of('result'), 'result');
    expect(result.taskId).toBe('task-1');
    expect(fleet.of('failure')).toHaveLength(1);
  });

  it('a new task of the same run supersedes the running one (a restarted or failed-over coordinator redoes the round)', async () => {
    const { fleet, trainer } = await setup();
    trainer.block = true;
    fleet.send(taskMessage({ taskId: 'run-1/r2a1', round: 2 }));
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    // An older round's assignment is stale: refused as busy.
    fleet.send(taskMessage({ taskId: 'run-1/r1a1', round: 1 }));
    await waitFor(() => fleet.of('failure').length === 1, 'stale refused');
    expect(fleet.of('failure')[0]).toMatchObject({ taskId: 'run-1/r1a1', reason: 'busy' });
    fleet.send(taskMessage({ taskId: 'run-1/r2a2', round: 2 }));
    await waitFor(() => trainer.calls.length === 2, 'the new task to start');
    trainer.release();
    const [result] = await waitFor(() => fleet.of('result').length > 0 && fleet.of('result'), 'result');
    expect(result.taskId).toBe('run-1/r2a2');
    // The superseded task sends nothing: the coordinator no longer waits for it.
    await new Promise((r) => setTimeout(r, 100));
    expect(fleet.of('result').map((r) => r.taskId)).toEqual(['run-1/r2a2']);
    expect(fleet.of('failure')).toHaveLength(1);
  });

  it('evaluate tasks are answered as unsupported', async () => {
    const { fleet } = await setup();
    fleet.send(taskMessage({ kind: 'TASK_KIND_EVALUATE' }));
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'failure');
    expect(failure).toMatchObject({ taskId: 'task-1', reason: 'unsupported' });
  });

  it('training past the task deadline is aborted and reported as deadline exceeded', async () => {
    const { fleet, trainer } = await setup();
    trainer.block = true;
    fleet.send(taskMessage({ deadlineUnixMs: Date.now() + 300 }));
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'failure');
    expect(failure).toMatchObject({ taskId: 'task-1', reason: 'deadline exceeded' });
    expect(trainer.calls[0].signal.aborted).toBe(true);
    expect(fleet.pushes).toHaveLength(0);
  });

  it('reconnects by itself when the coordinator restarts on the same port, resuming with its token', async () => {
    const { fleet, events } = await setup();
    const port = fleet.port;
    fleet.stop();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'disconnected');
    // Let a few attempts fail against the closed port first.
    await waitFor(() => events.filter((e) => e.type === 'reconnecting').length >= 2, 'reconnect attempts');
    const next = await new FakeFleet().start(port);
    cleanups.push(() => next.stop());
    await waitFor(() => next.hellos.length === 1, 'hello on the restarted coordinator');
    expect(next.hellos[0].hello).toMatchObject({ clientId: 'edge-1', resumeToken: 'resume-1' });
    await waitFor(() => events.filter((e) => e.type === 'connected').length === 2, 'second connected');
    const reconnecting = events.filter((e): e is Extract<SessionEvent, { type: 'reconnecting' }> => e.type === 'reconnecting');
    expect(reconnecting.every((e) => e.delayMs >= 0 && e.delayMs <= 100)).toBe(true);
    await waitFor(() => next.of('heartbeat').length > 0, 'heartbeats on the new stream');
  });

  it('with several coordinator addresses, an unreachable one is skipped and the next one tried (standby failover)', async () => {
    const closed = await new FakeFleet().start();
    const deadPort = closed.port;
    closed.stop();
    const { fleet, events } = await setup({ before: [`127.0.0.1:${deadPort}`] });
    expect(fleet.hellos).toHaveLength(1);
    expect(events.filter((e) => e.type === 'reconnecting').length).toBeGreaterThanOrEqual(1);
    // The one it is on goes away and another comes up on the first address: it moves there.
    fleet.stop();
    const next = await new FakeFleet().start(deadPort);
    cleanups.push(() => next.stop());
    await waitFor(() => next.hellos.length === 1, 'hello on the other address');
  });

  it('a result finished while disconnected is sent once reconnected', async () => {
    const { fleet, trainer, events } = await setup();
    trainer.block = true;
    fleet.send(taskMessage());
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    const port = fleet.port;
    fleet.stop();
    await waitFor(() => events.some((e) => e.type === 'disconnected'), 'disconnected');
    const next = await new FakeFleet().start(port);
    cleanups.push(() => next.stop());
    trainer.release();
    const [result] = await waitFor(() => next.of('result').length > 0 && next.of('result'), 'result on the new stream');
    expect(result.taskId).toBe('task-1');
    expect(next.pushes).toHaveLength(1);
    expect(result.transferId).toBe(next.pushes[0].chunks[0].header!.transferId);
  });

  it('a drain closes the stream and reconnects after the announced delay', async () => {
    const { fleet, events } = await setup();
    const drainedAt = Date.now();
    fleet.send({ drain: { reason: 'coordinator restarting', reconnectAfterMs: 150 } });
    await waitFor(() => fleet.hellos.length === 2, 'hello after the drain');
    expect(Date.now() - drainedAt).toBeGreaterThanOrEqual(150);
    expect(events.find((e) => e.type === 'disconnected')).toMatchObject({ reason: 'drain: coordinator restarting' });
    expect(fleet.hellos[1].hello.resumeToken).toBe('resume-1');
  });

  it('stop() aborts the task, says goodbye, ends the events and leaves no timer behind', async () => {
    const { fleet, trainer, session, clock, iterating } = await setup();
    trainer.block = true;
    fleet.send(taskMessage());
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    const stopping = session.stop('test over');
    expect(session.stop()).toBe(stopping);
    await stopping;
    expect(session.state).toBe('stopped');
    expect(trainer.calls[0].signal.aborted).toBe(true);
    await waitFor(() => fleet.of('goodbye').length === 1, 'goodbye');
    expect(fleet.of('goodbye')[0].reason).toBe('test over');
    expect(fleet.of('failure')).toEqual([expect.objectContaining({ taskId: 'task-1', reason: 'client stopping' })]);
    expect(fleet.of('result')).toHaveLength(0);
    expect(clock.live.size).toBe(0);
    await iterating; // the events iterator has ended
    // Nothing reconnects afterwards.
    const hellos = fleet.hellos.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(fleet.hellos.length).toBe(hellos);
  });

  it('stop() while the coordinator is unreachable clears the pending reconnect', async () => {
    const { fleet, session, clock, events } = await setup();
    fleet.stop();
    await waitFor(() => events.some((e) => e.type === 'reconnecting'), 'reconnecting');
    await session.stop();
    expect(session.state).toBe('stopped');
    expect(clock.live.size).toBe(0);
  });
});

// ---------------------------------------------------------------- update encodings

/** The bytes of an upload, its header, and the result citing it. */
function upload(fleet: FakeFleet, index: number) {
  const chunks = fleet.pushes[index].chunks;
  const header = chunks[0].header!;
  let offset = 0;
  for (const c of chunks) {
    expect(Number(c.offset)).toBe(offset);
    offset += c.data.length;
  }
  return { header, bytes: Buffer.concat(chunks.map((c) => c.data)), chunks };
}

/** trained − global, computed as the daemon does (float32). */
function deltaOf(trained: Float32Array, global: Float32Array): Float32Array {
  return Float32Array.from(trained, (w, i) => w - global[i]);
}

const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe('daemon session - update encodings', () => {
  it('an int8 task uploads the encoded delta: header int8, sha256 of the payload, decoding within the int8 bound', async () => {
    const { fleet, trainer } = await setup();
    trainer.step = (i) => Math.sin(i + 1) * 0.3;
    fleet.send(taskMessage({ updateEncoding: 'int8' }));
    const [result] = await waitFor(() => fleet.of('result').length > 0 && fleet.of('result'), 'result');
    const { header, bytes, chunks } = upload(fleet, 0);
    expect(header.encoding).toBe('int8');
    expect(Number(header.totalBytes)).toBe(bytes.length);
    expect(header.sha256).toBe(sha256Hex(bytes));
    expect(result.transferId).toBe(header.transferId);
    // The codec header (16 bytes) + one f32 scale + 10 int8 values, in the welcome's 16-byte chunks.
    expect(bytes.length).toBe(16 + 4 + 10);
    expect(chunks.every((c) => c.data.length <= 16)).toBe(true);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('FU');

    const delta = deltaOf(trainer.outputs[0], MODEL);
    const decoded = decodeDense('int8', bytes, MODEL.length);
    const maxAbs = Math.max(...Array.from(delta, Math.abs));
    const bound = maxAbs / 127 / 2 + 1e-7;
    for (let i = 0; i < MODEL.length; i++) expect(Math.abs(decoded[i] - delta[i])).toBeLessThanOrEqual(bound);
    // int8 quantisation really happened: not every value survived exactly.
    expect(Array.from(decoded).some((v, i) => v !== delta[i])).toBe(true);
  });

  it('topk with error feedback: the second update carries the residual of the first, a new run starts from zero', async () => {
    const feedback = new FeedbackStore();
    const { fleet, trainer } = await setup({ feedback });
    // Call 0: deltas 0.1..1.0 (top 3 of 10: the last three). Call 1: a flat 0.05 — only the residual ranks it.
    // Call 2 (another run): 0.1..1.0 again.
    trainer.step = (i, call) => (call === 1 ? 0.05 : (i + 1) / 10);
    fleet.send(taskMessage({ updateEncoding: 'topk:0.25' }));
    await waitFor(() => fleet.of('result').length === 1, 'first result');
    fleet.send(taskMessage({ taskId: 'task-2', round: 2, updateEncoding: 'topk:0.25' }));
    await waitFor(() => fleet.of('result').length === 2, 'second result');

    const first = upload(fleet, 0);
    const second = upload(fleet, 1);
    expect(first.header.encoding).toBe('topk:0.25');
    expect(second.header.encoding).toBe('topk:0.25');
    expect(second.header.sha256).toBe(sha256Hex(second.bytes));
    const d1 = deltaOf(trainer.outputs[0], MODEL);
    const d2 = deltaOf(trainer.outputs[1], MODEL);
    const s1 = decodeDense('topk:0.25', first.bytes, 10);
    const s2 = decodeDense('topk:0.25', second.bytes, 10);

    // round(0.25 × 10) = 3 values each time.
    expect(Array.from(s1, (v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0)).toEqual([7, 8, 9]);
    // Round 2 sent the biggest of delta + residual: parameters 4..6 (0.05 + 0.5..0.7), not the flat delta.
    expect(Array.from(s2, (v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0)).toEqual([4, 5, 6]);
    for (const i of [4, 5, 6]) expect(s2[i]).toBeCloseTo(d2[i] + d1[i], 5);
    // Nothing is lost, only delayed: what was sent plus what is still pending is everything trained.
    const residual = feedback.peek('run-1', 10)!.residual();
    expect(sum(s1) + sum(s2) + sum(residual)).toBeCloseTo(sum(d1) + sum(d2), 4);
    // Without feedback round 2 could send at most 3 × 0.05.
    expect(sum(s2)).toBeGreaterThan(1.5);

    // A task of another run does not inherit run-1's residual.
    fleet.send(taskMessage({ taskId: 'task-3', runId: 'run-2', round: 1, updateEncoding: 'topk:0.25' }));
    await waitFor(() => fleet.of('result').length === 3, 'third result');
    const s3 = decodeDense('topk:0.25', upload(fleet, 2).bytes, 10);
    const d3 = deltaOf(trainer.outputs[2], MODEL);
    expect(Array.from(s3)).toEqual(Array.from(d3, (v, i) => (i >= 7 ? v : 0)));
    expect(feedback.peek('run-1', 10)).toBeUndefined();
  });

  it.each([true, false])('topk with error feedback, sparse_average %s: where the next global model moved, the residual was delivered only with per-parameter averaging', async (sparseAverage) => {
    const feedback = new FeedbackStore();
    const { fleet, trainer } = await setup({ feedback });
    // Call 0: deltas 0.1..1.0, top 3 sent (7..9), residual 0.1..0.7 at 0..6. Call 1: a flat 0.05.
    trainer.step = (i, call) => (call === 1 ? 0.05 : (i + 1) / 10);
    fleet.send(taskMessage({ updateEncoding: 'topk:0.25', sparseAverage }));
    await waitFor(() => fleet.of('result').length === 1, 'first result');
    // The aggregate moved parameters 4 and 5 (another client sent them) and 7..9 (this one did).
    const next = Float32Array.from(MODEL, (w, i) => (i === 4 || i === 5 || i >= 7 ? w + 0.5 : w));
    const nextBytes = Buffer.from(float32ToBytes(next));
    fleet.models.set(sha256Hex(nextBytes), nextBytes);
    fleet.send(taskMessage({ taskId: 'task-2', round: 2, updateEncoding: 'topk:0.25', sparseAverage, modelVersion: sha256Hex(nextBytes), modelBytes: nextBytes.length }));
    await waitFor(() => fleet.of('result').length === 2, 'second result');
    const s2 = decodeDense('topk:0.25', upload(fleet, 1).bytes, 10);
    if (!sparseAverage) {
      // A coordinator that averages plainly (an older one) delivered a fraction: the residual carries on, 4..6 go out.
      expect(Array.from(s2, (v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0)).toEqual([4, 5, 6]);
      return;
    }
    // 4 and 5 carry only the flat 0.05 now; the largest are 6 (0.75), 3 (0.45), 2 (0.35), where kept residuals would have sent 4..6.
    expect(Array.from(s2, (v, i) => (v !== 0 ? i : -1)).filter((i) => i >= 0)).toEqual([2, 3, 6]);
    for (const [i, v] of [[2, 0.35], [3, 0.45], [6, 0.75]]) expect(s2[i]).toBeCloseTo(v, 5);
    const residual = feedback.peek('run-1', 10)!.residual();
    expect(residual[4]).toBeCloseTo(0.05, 6);
    expect(residual[5]).toBeCloseTo(0.05, 6);
  });

  it('a lossless encoding other than float32 sends the delta with a codec header; no residual is kept', async () => {
    const feedback = new FeedbackStore();
    const { fleet, trainer } = await setup({ feedback });
    trainer.step = (i) => i / 7;
    fleet.send(taskMessage({ updateEncoding: 'topk:1' }));
    await waitFor(() => fleet.of('result').length === 1, 'result');
    const { header, bytes } = upload(fleet, 0);
    expect(header.encoding).toBe('topk:1');
    expect(Array.from(decodeDense('topk:1', bytes, 10))).toEqual(Array.from(deltaOf(trainer.outputs[0], MODEL)));
    expect(feedback.peek('run-1', 10)).toBeUndefined();
  });

  it('an invalid update encoding fails the task as invalid, before any download', async () => {
    const { fleet, trainer, session } = await setup();
    fleet.send(taskMessage({ updateEncoding: 'gzip' }));
    const [failure] = await waitFor(() => fleet.of('failure').length > 0 && fleet.of('failure'), 'failure');
    expect(failure).toMatchObject({ taskId: 'task-1', runId: 'run-1', round: 1 });
    expect(failure.reason).toMatch(/^invalid task: invalid update encoding: unknown encoding "gzip"/);
    expect(fleet.fetches).toHaveLength(0);
    expect(fleet.pushes).toHaveLength(0);
    expect(trainer.calls).toHaveLength(0);
    expect(session.state).toBe('connected');
  });

  it("an explicit 'float32' encoding uploads the raw new weights byte for byte, as an empty one does", async () => {
    const { fleet } = await setup();
    fleet.send(taskMessage({ updateEncoding: 'float32' }));
    await waitFor(() => fleet.of('result').length === 1, 'first result');
    fleet.send(taskMessage({ taskId: 'task-2', round: 2, updateEncoding: '' }));
    await waitFor(() => fleet.of('result').length === 2, 'second result');
    const expected = Buffer.from(float32ToBytes(MODEL.map((w) => w + 1)));
    for (const index of [0, 1]) {
      const { header, bytes } = upload(fleet, index);
      expect(header).toMatchObject({ encoding: 'float32', totalBytes: 40, sha256: sha256Hex(expected) });
      expect(bytes.equals(expected)).toBe(true);
    }
  });

  it('a broken encoded upload resumes at the exact byte the coordinator kept, same transfer id', async () => {
    const { fleet, trainer } = await setup();
    trainer.step = (i) => Math.cos(i) * 0.2;
    fleet.breakPushAfterChunks = 2;
    // Not a multiple of 4: encoded payloads resume at any byte.
    fleet.queryReceivedBytes = 18;
    fleet.send(taskMessage({ updateEncoding: 'topk:0.5+int8' }));
    const [result] = await waitFor(() => fleet.of('result').length > 0 && fleet.of('result'), 'result', 5_000);
    expect(fleet.pushes).toHaveLength(2);
    const [broken, resumed] = fleet.pushes;
    const transferId = broken.chunks[0].header!.transferId;
    expect(fleet.queries).toEqual([{ transferId }]);
    expect(resumed.chunks[0].header).toMatchObject({ transferId, encoding: 'topk:0.5+int8' });
    expect(Number(resumed.chunks[0].offset)).toBe(18);
    const kept = Buffer.concat(broken.chunks.map((c) => c.data)).subarray(0, 18);
    const whole = Buffer.concat([kept, ...resumed.chunks.map((c) => c.data)]);
    expect(Number(resumed.chunks[0].header!.totalBytes)).toBe(whole.length);
    expect(resumed.chunks[0].header!.sha256).toBe(sha256Hex(whole));
    const decoded = decodeDense('topk:0.5+int8', whole, 10);
    expect(decoded.filter((v) => v !== 0).length).toBeLessThanOrEqual(5);
    expect(result.transferId).toBe(transferId);
  });
});
