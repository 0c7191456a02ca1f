import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { silentLogger } from '../../common/logger';
import type { TrainTask } from '../../common/types';
import { SessionRegistry, type SessionHandle } from '../../services/coordinator/fleet/session-registry';
import { toWireClient } from '../../services/coordinator/rpc/wire';
import { MemoryStore } from '../../services/coordinator/store/memory-store';

function handle(sessionId: string, log: string[]): SessionHandle {
  return {
    sessionId,
    sendTask: (t) => log.push(`task ${t.taskId}`),
    sendCancel: (id) => log.push(`cancel ${id}`),
    close: (reason, final) => log.push(`close${final ? ' (final)' : ''} ${reason}`),
  };
}

const base = { backend: 'wasm', dataset: 'fashion-mnist', datasetSize: 10, encodings: ['float32'], models: ['mlp'], peer: 'p' };
const task = { taskId: 't1' } as TrainTask;

describe('session registry', () => {
  it('session registry - a reconnect replaces the old session, which is told finally (no reconnect) and can no longer detach the client', () => {
    const clock = new FakeClock();
    const reg = new SessionRegistry(clock, new MemoryStore(), silentLogger());
    const log: string[] = [];
    reg.attach({ clientId: 'a', ...base }, handle('s1', log));
    reg.attach({ clientId: 'a', ...base }, handle('s2', log));
    expect(log).toEqual(['close (final) replaced by a newer session of a (from the same address); two daemons share this identity']);
    expect(reg.detach('a', 's1', 'late end of the old stream')).toBe(false);
    expect(reg.list()[0].status).toBe('connected');
    expect(reg.detach('a', 's2', 'gone')).toBe(true);
    expect(reg.list()[0].status).toBe('disconnected');
  });

  it('session registry - busy clients are not idle, progress shows in the activity, release frees them', () => {
    const clock = new FakeClock();
    const reg = new SessionRegistry(clock, new MemoryStore(), silentLogger());
    const log: string[] = [];
    reg.attach({ clientId: 'a', ...base }, handle('s1', log));
    reg.attach({ clientId: 'b', ...base }, handle('s2', log));
    expect(reg.dispatch('a', task)).toBe(true);
    expect(reg.dispatch('zzz', task)).toBe(false);
    expect(reg.idleClients()).toEqual(['b']);
    reg.touch('a', { taskId: 't1', fraction: 0.456 });
    reg.touch('a', { taskId: 'other', fraction: 0.9 });
    expect(toWireClient(reg.list()[0]).activity).toBe('t1 46%');
    reg.release('a', 't1');
    expect(reg.idleClients().sort()).toEqual(['a', 'b']);
    expect(toWireClient(reg.list()[0]).activity).toBe('idle');
  });

  it('session registry - reports clients silent for longer than the timeout', () => {
    const clock = new FakeClock();
    const reg = new SessionRegistry(clock, new MemoryStore(), silentLogger());
    reg.attach({ clientId: 'a', ...base }, handle('s1', []));
    reg.attach({ clientId: 'b', ...base }, handle('s2', []));
    clock.advance(6000);
    reg.touch('b');
    clock.advance(5000);
    expect(reg.silentFor(10_000)).toEqual([{ clientId: 'a', sessionId: 's1' }]);
  });
});
