/**
 * Integration: a coordinator restarted on a state directory holding broken runs
 * (a corrupt checkpoint, an unreadable run record, an unreadable round record)
 * starts, marks each of them failed with its reason (what `runs list` shows),
 * logs each once, and serves the other runs: the resumed one finishes with a
 * real daemon, and the pending one starts when asked. Before, the first
 * unreadable file ended every start.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectControl } from '../../clients/cli/control-client';
import { startDaemon } from '../../clients/daemon/main';
import { silentLogger } from '../../common/logger';
import { startCoordinator } from '../../services/coordinator/main';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { waitFor } from '../helpers/cli';
import { wireRunConfig } from '../helpers/run-config';

interface LogLine {
  msg: string;
  runId?: string;
  reason?: string;
  level: number;
}

const collecting = (lines: LogLine[]) => pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });

describe('broken run recovery', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('broken run recovery - runs whose state cannot be loaded are marked failed with a reason, and the coordinator serves the others', async () => {
    requireFashionMnist();
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-broken-runs-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const options = { host: '127.0.0.1', port: 0, stateDir: dir, heartbeatIntervalMs: 500 };

    // A first coordinator creates five runs (nobody connects, so they wait in round 1), then stops.
    let c = await startCoordinator(options, silentLogger());
    let control = connectControl({ address: `127.0.0.1:${c.port}`, deadlineMs: 5000 });
    const create = async (start: boolean) => (await control.createRun({ config: wireRunConfig({ rounds: 1, waitForClientsMs: 120_000 }), start })).runId;
    const [corruptCheckpoint, unreadableRecord, unreadableRound, good] = [await create(true), await create(true), await create(true), await create(true)];
    const pending = await create(false);
    await waitFor('the started runs to save their first checkpoint', async () => {
      const { runs } = await control.listRuns();
      return runs.filter((r) => r.modelVersion).length === 4 ? true : undefined;
    }, 20_000, 50);
    control.close();
    await c.stop();

    // The damage: a checkpoint overwritten, a run record cut short, a round record of garbage.
    const models = path.join(dir, 'models', corruptCheckpoint);
    for (const f of readdirSync(models)) writeFileSync(path.join(models, f), 'garbage');
    writeFileSync(path.join(dir, 'runs', `${unreadableRecord}.json`), '{"runId":"run-');
    mkdirSync(path.join(dir, 'rounds', unreadableRound), { recursive: true });
    writeFileSync(path.join(dir, 'rounds', unreadableRound, '1-1.json'), '{bad');

    const logs: LogLine[] = [];
    c = await startCoordinator(options, collecting(logs));
    cleanup.push(() => c.stop());
    const address = `127.0.0.1:${c.port}`;
    control = connectControl({ address, deadlineMs: 5000 });
    cleanup.push(() => control.close());
    const { runs } = await control.listRuns();
    const byId = new Map(runs.map((r) => [r.runId, r]));
    expect(byId.get(corruptCheckpoint)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^cannot resume: checkpoint [0-9a-f]{64} is corrupt/) });
    expect(byId.get(unreadableRecord)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^cannot resume: its run record is unreadable \(.*JSON/) });
    expect(byId.get(unreadableRound)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^cannot resume: its round records are unreadable \(.*JSON/) });
    expect(byId.get(good)?.state).toBe('running');
    expect(byId.get(pending)?.state).toBe('pending');
    const failedLogs = logs.filter((l) => l.msg === 'run not resumed: marked failed').map((l) => l.runId).sort();
    expect(failedLogs).toEqual([corruptCheckpoint, unreadableRecord, unreadableRound].sort());

    // The others are served: a daemon connects, the resumed run finishes, the pending one starts when asked.
    const daemon = await startDaemon(
      { coordinator: address, clientId: 'edge-0', maxExamples: 200, numPartitions: 1, index: 0, backoffInitialMs: 50, backoffMaxMs: 300 },
      { logger: silentLogger() },
    );
    cleanup.push(() => daemon.stop());
    await waitFor('the resumed run to complete', async () => ((await control.getRun(good)).state === 'completed' ? true : undefined), 60_000, 200);
    expect((await control.startRun(pending)).runId).toBe(pending);
    await waitFor('the started run to complete', async () => ((await control.getRun(pending)).state === 'completed' ? true : undefined), 60_000, 200);
    await daemon.stop();
    control.close();
    await c.stop();

    // Restarted once more: the failures are on record, nothing is tried or logged again.
    const again: LogLine[] = [];
    c = await startCoordinator(options, collecting(again));
    expect(again.filter((l) => l.level >= 50)).toEqual([]);
    control = connectControl({ address: `127.0.0.1:${c.port}`, deadlineMs: 5000 });
    expect((await control.listRuns()).runs.map((r) => r.state).sort()).toEqual(['completed', 'completed', 'failed', 'failed', 'failed']);
  }, 180_000);
});
