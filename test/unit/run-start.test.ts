/**
 * A run created with --no-start (issue 13's crash): it survives a coordinator
 * restart as a pending run — the initial model is rebuilt from the seed once
 * TFJS's backend is up, instead of ending the process — and starts only when
 * asked (StartRun / `runs start`), once.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { FailedPreconditionError, NotFoundError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { RunManager } from '../../services/coordinator/run-manager';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FakeFleet } from '../helpers/fake-fleet';
import { wireRunConfig } from '../helpers/run-config';

const manager = (store: MemoryStore) => new RunManager({ store, fleet: new FakeFleet([]), clock: new FakeClock(), logger: silentLogger(), maxUpdateBytes: 8 << 20, selectionGraceMs: 0 });

describe('runs created without starting', () => {
  it('a pending run without a checkpoint survives a restart as pending, and starts once when asked', async () => {
    const store = new MemoryStore();
    const first = manager(store);
    const created = await first.createRun(fromWireRunConfig(wireRunConfig({ waitForClientsMs: 60_000 })), false);
    expect(created.state).toBe('pending');
    await first.stop();

    const second = manager(store);
    expect(await second.recover()).toEqual([]);
    expect((await second.getRun(created.runId)).state).toBe('pending');
    const started = await second.startRun(created.runId);
    expect(started.runId).toBe(created.runId);
    await expect(second.startRun(created.runId)).rejects.toThrow(FailedPreconditionError);
    await expect(second.startRun('run-00000000')).rejects.toThrow(NotFoundError);
    // The driver runs: it records the run as running (waiting for clients).
    for (let i = 0; i < 50 && (await second.getRun(created.runId)).state === 'pending'; i++) await new Promise((r) => setImmediate(r));
    expect((await second.getRun(created.runId)).state).toBe('running');
    await second.stop();
  });
});
