/**
 * A watch on a standby follows the shared store (services/coordinator/rpc/control-service.ts):
 * when the store's replicas answer a little behind each other, a completed run
 * is read again until its last committed round shows, so the watch ends on it.
 */
import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { RoundRecord, RunRecord } from '../../common/types';
import type { RunEvent__Output } from '../../proto/gen/fedlink/v1/RunEvent';
import { createControlService, type ControlServiceDeps } from '../../services/coordinator/rpc/control-service';
import type { RunManager } from '../../services/coordinator/run-manager';
import { run } from '../contract/store-suite';

function round(r: number, state: RoundRecord['state']): RoundRecord {
  return { runId: 'run-w', round: r, attempt: 1, state, startedAtMs: 1, deadlineMs: 2, clients: [], bytesDown: 0, bytesUp: 0, modelVersion: 'm' };
}

describe('standby watch', () => {
  it('standby watch - a completed run whose last commit is not visible yet is read again, and the watch ends on its final round', async () => {
    // The run record is already completed; the round record lags two reads behind (a replica catching up).
    const completed: RunRecord = run('run-w', 1, { state: 'completed', committedRounds: 2, currentRound: 2 });
    let reads = 0;
    const manager = {
      getRun: async () => completed,
      listRounds: async () => [round(1, 'committed'), round(2, ++reads <= 2 ? 'aggregating' : 'committed')],
    } as unknown as RunManager;
    const deps = { manager, auth: () => ({ kind: 'operator', name: 'op', role: 'admin' }), logger: silentLogger(), leaderOnly: () => 'standby' } as unknown as ControlServiceDeps;
    const service = createControlService(deps);
    const written: RunEvent__Output[] = [];
    const ended = new Promise<void>((resolve) => {
      const call = Object.assign(new EventEmitter(), {
        request: { runId: 'run-w' },
        metadata: { get: () => [] },
        getPeer: () => 'test',
        write: (e: RunEvent__Output) => written.push(e),
        end: () => resolve(),
      });
      call.on('error', (err: Error) => written.push({ error: err.message } as never));
      service.WatchRun(call as unknown as grpc.ServerWritableStream<never, never>);
    });
    await ended;
    expect(written.map((e) => `${e.run?.state} ${e.round?.round} ${e.round?.state}`)).toEqual(['completed 2 aggregating', 'completed 2 committed']);
    expect(reads).toBe(3);
  });
});
