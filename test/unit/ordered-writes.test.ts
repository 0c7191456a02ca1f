/** Store saves in order per key, none fire-and-forget (services/coordinator/store/ordered-writes.ts). */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import { fencedStore } from '../../services/coordinator/ha/fenced-store';
import { SessionRegistry } from '../../services/coordinator/fleet/session-registry';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { OrderedWrites } from '../../services/coordinator/store/ordered-writes';

/** A save the test finishes by hand, recording when it started. */
function gate(log: string[], name: string) {
  let finish!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())));
  return { save: () => (log.push(`start ${name}`), done), finish };
}

describe('ordered writes', () => {
  it('ordered writes - a save waits for the one in flight of its key, and only the newest of the waiting saves runs', async () => {
    const writes = new OrderedWrites();
    const log: string[] = [];
    const a = gate(log, 'a1');
    const first = writes.save('a', a.save);
    const second = writes.save('a', async () => void log.push('start a2'));
    const third = writes.save('a', async () => void log.push('start a3'));
    const other = writes.save('b', async () => void log.push('start b1'));
    await other;
    // Another key does not wait; this one does until a1 lands.
    expect(log).toEqual(['start a1', 'start b1']);
    a.finish();
    await Promise.all([first, second, third]);
    // a2 was replaced by a3 before its turn came: its caller is settled by a3's save.
    expect(log).toEqual(['start a1', 'start b1', 'start a3']);
  });

  it('ordered writes - a failed save rejects its callers, a queued one goes to the owner, and the next save of the key still runs', async () => {
    const failures: Array<[string, string]> = [];
    const writes = new OrderedWrites((key, err) => failures.push([key, (err as Error).message]));
    const log: string[] = [];
    const a = gate(log, 'a1');
    const awaited = writes.save('a', a.save);
    writes.queue('a', () => Promise.reject(new Error('disk full')));
    a.finish(new Error('refused'));
    await expect(awaited).rejects.toThrow('refused');
    await writes.flush();
    expect(failures).toEqual([['a', 'disk full']]);
    await writes.save('a', async () => void log.push('start a3'));
    expect(log).toEqual(['start a1', 'start a3']);
  });

  it('ordered writes - flush waits for every save queued so far, including ones queued while it waits', async () => {
    const writes = new OrderedWrites();
    const log: string[] = [];
    const a = gate(log, 'a1');
    writes.queue('a', a.save);
    writes.queue('a', async () => void log.push('start a2'));
    let flushed = false;
    const flushing = writes.flush().then(() => (flushed = true));
    await Promise.resolve();
    expect(flushed).toBe(false);
    a.finish();
    await flushing;
    expect(log).toEqual(['start a1', 'start a2']);
  });

  it('session registry - client saves refused by a fenced store after lease loss are handled, in order, and never unhandled rejections', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const backing = new MemoryStore();
      const fence = { held: true };
      const reg = new SessionRegistry(new FakeClock(), fencedStore(backing, fence), silentLogger());
      const handle = { sessionId: 's1', sendTask: () => {}, sendCancel: () => {}, close: () => {} };
      reg.attach({ clientId: 'a', backend: 'wasm', dataset: 'd', datasetSize: 1, encodings: ['float32'], models: ['mlp'], peer: 'p' }, handle);
      await reg.flush();
      expect((await backing.listClients()).map((c) => c.status)).toEqual(['connected']);
      fence.held = false;
      reg.detach('a', 's1', 'lease lost');
      await reg.flush();
      // Give a stray rejection the turn of the event loop it needs to be reported.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      // The refused save left the last stored state alone.
      expect((await backing.listClients()).map((c) => c.status)).toEqual(['connected']);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
