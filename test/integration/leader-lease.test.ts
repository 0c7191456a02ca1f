/**
 * Integration: the leader lease on a real nats-server. One holder at a time;
 * a clean stop hands over at once; a holder killed with SIGKILL is replaced
 * once its lease expires (and not before); a holder cut off from NATS steps
 * down by itself before its lease can expire; writes without the lease are
 * refused.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { waitFor } from '../../common/wait-for';
import { FencedError, fencedStore } from '../../services/coordinator/ha/fenced-store';
import { LeaderLease } from '../../services/coordinator/ha/leader-lease';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { startNatsServer } from '../helpers/nats-server';
import { run } from '../contract/store-suite';

function lease(url: string, name: string, ttlMs = 2000) {
  const changes: boolean[] = [];
  const l = new LeaderLease({ servers: url, holderId: name, address: `${name}:1`, ttlMs, logger: silentLogger(), onChange: (held) => changes.push(held) });
  return { l, changes };
}

describe('integration leader lease', () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const s of stops.reverse()) await s();
  });

  it('lease - one holder at a time; the other sees who leads; a clean stop hands over at once', async () => {
    const nats = await startNatsServer({ jetstream: true });
    stops.push(() => nats.stop());
    // An 8 s TTL: a handover well before it can only be the clean stop's delete, not an expiry.
    const a = lease(nats.url, 'a', 8000);
    const b = lease(nats.url, 'b', 8000);
    await a.l.start();
    await b.l.start();
    stops.push(() => b.l.stop(), () => a.l.stop());
    expect(a.l.held).toBe(true);
    expect(a.l.revision).toBeGreaterThan(0);
    expect(b.l.held).toBe(false);
    await waitFor('b to see a', () => (b.l.holder?.address === 'a:1' ? true : undefined), 5000, 20);
    // a keeps renewing past its TTL; b never gets in meanwhile.
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 750));
      expect(a.l.held && !b.l.held).toBe(true);
    }
    await a.l.stop();
    expect(a.changes).toEqual([true, false]);
    // b tries every TTL/4 = 2 s: it gets in on its next try, long before a's entry could have expired.
    await waitFor('b to take over', () => (b.l.held ? true : undefined), 5000, 10);
    expect(b.changes).toEqual([true]);
  }, 40_000);

  it('lease - a holder killed with SIGKILL is replaced after its lease expires, not before', async () => {
    const nats = await startNatsServer({ jetstream: true });
    stops.push(() => nats.stop());
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../helpers/lease-holder.ts'), nats.url, '2000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    stops.push(async () => void child.kill('SIGKILL'));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
    const b = lease(nats.url, 'b');
    await b.l.start();
    stops.push(() => b.l.stop());
    expect(b.l.held).toBe(false);
    child.kill('SIGKILL');
    const killedAt = performance.now();
    await waitFor('b to take over', () => (b.l.held ? true : undefined), 10_000, 10);
    const tookMs = performance.now() - killedAt;
    // The servers keep the dead holder's entry for its TTL after its last renewal (renewals every 500 ms).
    expect(tookMs).toBeGreaterThan(2000 - 500 - 100);
  }, 30_000);

  it('lease - a holder cut off from NATS steps down by itself before its lease can expire', async () => {
    const nats = await startNatsServer({ jetstream: true });
    stops.push(() => nats.stop());
    const a = lease(nats.url, 'a', 2000);
    await a.l.start();
    stops.push(() => a.l.stop());
    expect(a.l.held).toBe(true);
    await nats.kill();
    const cutAt = performance.now();
    // By the time the servers could expire its entry (TTL after its last renewal, which was
    // sent before the cut), it no longer counts itself leader, however late its timers run.
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 2000 - performance.now())));
    expect(a.l.held).toBe(false);
    expect(a.l.revision).toBe(0);
    await waitFor('the lost callback', () => (a.changes.at(-1) === false ? true : undefined), 5000, 10);
  }, 30_000);

  it('fenced store - writes need the lease, reads do not', async () => {
    const fence = { held: false };
    const store = fencedStore(new MemoryStore(), fence);
    await expect(store.putRun(run('run-f', 1))).rejects.toThrow(FencedError);
    fence.held = true;
    await store.putRun(run('run-f', 1));
    fence.held = false;
    expect((await store.getRun('run-f'))?.runId).toBe('run-f');
    await expect(store.deleteModel('run-f', 'a'.repeat(64))).rejects.toThrow(/does not hold the leader lease/);
  });
});
