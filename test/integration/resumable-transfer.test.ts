/**
 * Integration: an update upload cut mid-way by a TCP reset (a radio link
 * failure, through the link emulator) resumes from where the coordinator's
 * copy ends, completes with the right checksum, and is aggregated exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { waitFor } from '../../common/wait-for';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import { LinkEmulator } from '../../clients/linkem/proxy';
import { parseProfile } from '../../clients/linkem/profiles';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { wireRunConfig } from '../helpers/run-config';

describe('integration resumable transfer', () => {
  let coordinator: Coordinator;
  let emulator: LinkEmulator;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    requireFashionMnist();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 500, reconnectGraceMs: 20_000, chunkBytes: 64 * 1024 }, silentLogger());
    // 1 Mbit/s up: the 800 KB update takes about 6 s, long enough to cut in the middle.
    emulator = new LinkEmulator({ listenHost: '127.0.0.1', listenPort: 0, target: `127.0.0.1:${coordinator.port}`, profile: parseProfile('lte,up=1,down=50,latency=5,jitter=0'), logger: silentLogger() });
    const port = await emulator.start();
    daemon = await startDaemon({ coordinator: `127.0.0.1:${port}`, clientId: 'mover', numPartitions: 1, index: 0, maxExamples: 300, backoffInitialMs: 50, backoffMaxMs: 200 }, { logger: silentLogger() });
    await waitFor('the daemon', () => (coordinator.registry.idleClients().includes('mover') ? true : undefined), 20_000);
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
    await emulator?.stop();
    await coordinator?.stop();
  });

  it('resumable transfer - an upload reset mid-way resumes, completes and is aggregated exactly once', async () => {
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ roundDeadlineMs: 120_000 })));
    await waitFor('the upload to be under way', async () => {
      const r = await coordinator.manager.getRound(run.runId, 1).catch(() => undefined);
      return r?.clients[0]?.state === 'uploading' ? true : undefined;
    }, 30_000, 20);
    // Cut it mid-way: once a quarter of the update has crossed the emulated uplink.
    const upBefore = emulator.stats().bytesUp;
    await waitFor('a quarter of the update to be up', () => (emulator.stats().bytesUp - upBefore >= (199_210 * 4) / 4 ? true : undefined), 30_000, 20);
    emulator.resetNow();
    const done = await waitFor('the run to end', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      return r.state === 'running' ? undefined : r;
    }, 90_000, 100);
    expect(done.state, done.reason).toBe('completed');
    const round = await coordinator.manager.getRound(run.runId, 1);
    const c = round.clients[0];
    expect(c.state).toBe('finished');
    expect(c.resumes).toBeGreaterThanOrEqual(1);
    // Exactly one update's worth of bytes was accepted, and exactly one update folded.
    expect(c.bytesUp).toBe(199_210 * 4);
    expect(round.bytesUp).toBe(199_210 * 4);
    expect(emulator.stats().resets).toBeGreaterThanOrEqual(1);
    // The broken-off and the resumed part were both timed over the whole call: the estimate is
    // the emulated 1 Mbit/s, not inflated by counting from each call's first delivered chunk.
    const up = coordinator.links.get('mover')?.upMbps ?? 0;
    expect(up).toBeGreaterThan(0.3);
    expect(up).toBeLessThan(1.6);
  }, 120_000);
});
