/**
 * Integration: when a round closes while an upload is still streaming in (a
 * slow uplink that will not make the deadline), the coordinator ends the
 * PushUpdate call at once with ABORTED instead of waiting for the next chunk,
 * which on such a link may be minutes away. The client hears it over the
 * downlink, and the coordinator keeps what the broken-off upload said about
 * the uplink.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { wireRunConfig } from '../helpers/run-config';
import { RawFleetClient, updateChunks } from '../helpers/raw-fleet-client';

const PARAMS = 199_210;

describe('integration upload when the round closes', () => {
  let coordinator: Coordinator;
  let slow: RawFleetClient;

  beforeAll(async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
    slow = new RawFleetClient(`127.0.0.1:${coordinator.port}`, 'raw-slow');
    await slow.connect();
  });

  afterAll(async () => {
    slow?.close();
    await coordinator?.stop();
  });

  it('upload - a round that closes mid-upload ends the PushUpdate call with ABORTED at once, without waiting for the next chunk', async () => {
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ roundDeadlineMs: 2000 })));
    const task = await slow.nextTask();
    expect(task.runId).toBe(run.runId);
    const messages = updateChunks(task, new Float32Array(PARAMS).fill(0.01));
    const answered = new Promise<{ code: number; details: string }>((resolve) => {
      const call = slow.client.pushUpdate(slow.metadata(), (err) => resolve({ code: err?.code ?? 0, details: err?.details ?? '' }));
      // The first two chunks, then nothing: the rest is still on its way over a slow link.
      call.write(messages[0]);
      call.write(messages[1]);
    });
    // The round's deadline is 2 s; this guard only keeps a coordinator that never answers from hanging the test.
    const nothingYet = new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000));
    const res = await Promise.race([answered, nothingYet]);
    expect(res, 'the call was not ended when the round closed').toBeDefined();
    expect(res!.code).toBe(status.ABORTED);
    expect(res!.details).toMatch(/round 1 closed before this upload was complete/);
    // What arrived still counts as an uplink sample.
    expect(coordinator.links.get('raw-slow')?.upMbps).toBeGreaterThan(0);
  }, 30_000);

  it('upload - an upload whose first chunk has not arrived when the task is cancelled ends at once too, with ABORTED', async () => {
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ roundDeadlineMs: 2000 })));
    await slow.next((m) => m.kind === 'task' && m.task!.runId === run.runId);
    // The call begins (its headers are in), but not one message gets through the link.
    const answered = new Promise<{ code: number; details: string }>((resolve) => {
      slow.client.pushUpdate(slow.metadata(), (err) => resolve({ code: err?.code ?? 0, details: err?.details ?? '' }));
    });
    const nothingYet = new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000));
    const res = await Promise.race([answered, nothingYet]);
    expect(res, 'the call was not ended when the task was cancelled').toBeDefined();
    expect(res!.code).toBe(status.ABORTED);
    expect(res!.details).toMatch(/cancelled before its upload began to arrive: deadline exceeded/);
  }, 30_000);
});
