/**
 * Integration: per-chunk digests over the real wire (docs/aggregation.md, "The
 * per-chunk check"). The coordinator's Welcome offers 'chunk-xxh64'; an upload
 * proving each chunk with its XXH64 digest is accepted next to one proving
 * the whole with its sha256 (a client from before digests) in the same round;
 * a corrupted chunk, a missing or misplaced digest and an inconsistent header
 * are refused with INVALID_ARGUMENT naming what is wrong.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_XXH64_FEATURE } from '../../common/chunk-check/chunk-checker';
import { silentLogger } from '../../common/logger';
import { pushUpdate } from '../../clients/daemon/push-update';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';
import { RawFleetClient, updateChunks } from '../helpers/raw-fleet-client';

const PARAMS = 199_210;

describe('integration chunk digests', () => {
  let coordinator: Coordinator;
  let fresh: RawFleetClient;
  let old: RawFleetClient;

  beforeAll(async () => {
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
    fresh = new RawFleetClient(`127.0.0.1:${coordinator.port}`, 'raw-digests');
    old = new RawFleetClient(`127.0.0.1:${coordinator.port}`, 'raw-sha256');
    await fresh.connect();
    await old.connect();
  });

  afterAll(async () => {
    fresh?.close();
    old?.close();
    await coordinator?.stop();
  });

  it('integration - chunk digests: a bad chunk is refused naming it; digested and sha256 uploads are both accepted and averaged', async () => {
    const welcome = await fresh.next((m) => m.kind === 'welcome');
    expect(welcome.welcome!.features).toContain(CHUNK_XXH64_FEATURE);
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ clientsPerRound: 2, minClients: 2 })));
    const task = await fresh.nextTask();
    const oldTask = await old.nextTask();
    expect(task.runId).toBe(run.runId);
    const values = new Float32Array(PARAMS).fill(0.02);

    const corrupted = updateChunks(task, values, { chunkDigest: 'xxh64' });
    corrupted[2] = { ...corrupted[2], data: Buffer.from(corrupted[2].data as Buffer) };
    (corrupted[2].data as Buffer)[17] ^= 0x08;
    const noDigest = updateChunks(task, values, { chunkDigest: 'xxh64' });
    noDigest[1] = { offset: noDigest[1].offset, data: noDigest[1].data };
    const spliced = updateChunks(task, values, { chunkDigest: 'xxh64' });
    // Right bytes, but the digests of chunks 1 and 2 swapped: each is bound to its offset.
    [spliced[1].xxh64, spliced[2].xxh64] = [spliced[2].xxh64, spliced[1].xxh64];
    const cases: Array<[string, typeof corrupted, RegExp]> = [
      ['corrupted chunk', corrupted, /chunk at offset 524288 \(262144 bytes\) does not match its xxh64 digest/],
      ['chunk without a digest', noDigest, /chunk at offset 262144 carries no xxh64 digest/],
      ['digests of other offsets', spliced, /chunk at offset 262144 \(262144 bytes\) does not match its xxh64 digest/],
      ['sha256 next to chunk digests', updateChunks(task, values, { chunkDigest: 'xxh64', sha: 'a'.repeat(64) }), /sha256 must be empty/],
      ['unknown chunk digest', updateChunks(task, values, { chunkDigest: 'crc32c' }), /unknown chunk_digest "crc32c"/],
    ];
    for (const [name, msgs, details] of cases) {
      const res = await fresh.push(msgs);
      expect({ name, code: res.code }).toEqual({ name, code: status.INVALID_ARGUMENT });
      expect(res.details).toMatch(details);
    }

    // The daemon's own upload code, proving every chunk with its digest.
    const pushed = await pushUpdate(
      fresh.client,
      { taskId: task.taskId, runId: task.runId, round: task.round, numExamples: 100, tensors: task.model!.tensors.map((t) => ({ name: t.name, shape: t.shape })), weights: values, maxChunkBytes: 64 * 1024, chunkDigests: true },
      { metadata: fresh.metadata() },
    );
    expect(pushed.sha256).toBe('');
    // A client from before chunk digests: the sha256 of the whole, no digests.
    expect((await old.push(updateChunks(oldTask, new Float32Array(PARAMS).fill(0.04), { examples: 100 }))).code).toBe(0);

    const ended = await waitFor('run end', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      fresh.send({ result: { taskId: task.taskId, runId: run.runId, round: 1, transferId: pushed.transferId, numExamples: 100 } });
      old.send({ result: { taskId: oldTask.taskId, runId: run.runId, round: 1, transferId: 'unused', numExamples: 100 } });
      return r.state === 'running' ? undefined : r;
    }, 30_000, 300);
    expect(ended.state).toBe('completed');
    const weights = await coordinator.manager.model(run.runId, ended.modelVersion);
    expect(weights[0]).toBeCloseTo(0.03, 6);
    expect(weights[PARAMS - 1]).toBeCloseTo(0.03, 6);
  }, 60_000);
});
