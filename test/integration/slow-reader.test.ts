/**
 * Integration: flow control end to end. A client that starts downloading a
 * large model and stops reading must not make the coordinator buffer the
 * model: grpc-js write() returns false, the coordinator waits for 'drain', and
 * its memory stays within a few chunks.
 */
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { waitFor } from '../../common/wait-for';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import type { RunRecord } from '../../common/types';
import { loadFedlinkProto } from '../../proto/loader';
import type { FleetClient } from '../../proto/gen/fedlink/v1/Fleet';
import type { ModelChunk__Output } from '../../proto/gen/fedlink/v1/ModelChunk';
import { Coordinator, coordinatorConfig } from '../../services/coordinator/coordinator';
import { MemoryStore } from '../../services/coordinator/store/memory-store';

const PARAMS = 50_000_000; // 200 MB of float32

describe('integration slow reader', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('flow control - a client that stops reading a 200 MB model does not grow coordinator memory by more than a few chunks', async () => {
    const store = new MemoryStore();
    const weights = new Float32Array(PARAMS).fill(0.5);
    const version = sha256Hex(float32ToBytes(weights));
    const run = { runId: 'run-big', state: 'running', config: {}, model: { name: 'mlp', inputShape: [1], numClasses: 1, tensors: [] }, currentRound: 1, committedRounds: 0, createdAtMs: 0, updatedAtMs: 0, modelVersion: version } as unknown as RunRecord;
    await store.putRun(run);
    await store.putModel('run-big', version, weights);
    const coordinator = new Coordinator(coordinatorConfig({ host: '127.0.0.1', port: 0 }), silentLogger(), { store });
    const port = await coordinator.start();
    cleanup.push(() => coordinator.stop());
    // This test is about flow control, not about who may download: no round has given 'sloth' a
    // task for this hand-made run, which FetchModel would otherwise (rightly) refuse.
    coordinator.manager.checkModelAccess = () => {};

    const Fleet = loadFedlinkProto().proto.fedlink.v1.Fleet;
    const client = new Fleet(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as FleetClient;
    cleanup.push(() => client.close());
    const md = new grpc.Metadata();
    md.set('fedlink-client-id', 'sloth');
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers;
    const call = client.FetchModel({ runId: 'run-big', round: 1, modelVersion: version, offset: 0 }, md);
    let received = 0;
    call.on('error', () => {});
    call.on('data', (c: ModelChunk__Output) => {
      received += c.data.length;
      // Read one chunk, then stop reading altogether.
      call.pause();
    });
    await waitFor('the first chunk', () => (received > 0 ? true : undefined), 30_000, 20);
    // Give an unbounded sender every chance to pile up the other 199 MB.
    await new Promise((r) => setTimeout(r, 1500));
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(received).toBeLessThan(8 << 20);
    expect(grown).toBeLessThan(64 << 20);
    // The coordinator is still waiting to send, not done handing 200 MB to a buffer: a finished
    // download would have been recorded as a transfer observation by now.
    expect(coordinator.links.get('sloth')?.downMbps).toBeUndefined();
    call.cancel();
  }, 60_000);
});
