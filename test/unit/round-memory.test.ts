/**
 * A round with a 50M-parameter (200 MB) model and two clients uploading at
 * once, chunk by chunk: the coordinator folds every chunk into the one FedAvg
 * sum as it arrives and journals large uploads to its spool directory, so its
 * memory grows by the sum (touched once) and a few chunks, not by an update
 * per client.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { EventBus } from '../../common/event-bus';
import { silentLogger } from '../../common/logger';
import type { ModelSpec, RunRecord, TrainTask } from '../../common/types';
import { RunDriver, type RunEvent } from '../../services/coordinator/rounds/run-driver';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { JournalBudget } from '../../services/coordinator/rounds/update-journal';
import { FakeFleet } from '../helpers/fake-fleet';
import { runConfig } from '../helpers/run-config';

const PARAMS = 50_000_000;
const CHUNK = 1 << 20;
const SPEC: ModelSpec = { name: 'mlp', inputShape: [1], numClasses: 1, tensors: [{ name: 'w', shape: [PARAMS] }] };
const MiB = 1 << 20;

describe('round memory', () => {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'fedlink-round-memory-'));
  afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

  it('round memory - two 200 MB uploads in flight at once fold as they arrive, holding no update whole', async () => {
    const clock = new FakeClock();
    const fleet = new FakeFleet(['a', 'b']);
    const store = new MemoryStore();
    const run: RunRecord = {
      runId: 'run-big', state: 'pending', model: SPEC, currentRound: 0, committedRounds: 0, createdAtMs: 0, updatedAtMs: 0, modelVersion: '',
      config: runConfig({ clientsPerRound: 2, minClients: 2, roundDeadlineMs: 600_000, acceptFailures: false }),
    };
    const tasks = new Map<string, TrainTask>();
    fleet.onDispatch = (id, task) => tasks.set(id, task);
    const driver = new RunDriver(run, new Float32Array(PARAMS), {
      store, fleet, clock, logger: silentLogger(), events: new EventBus<RunEvent>(), maxUpdateBytes: 512 * MiB, selectionGraceMs: 0, spoolDir,
      // A coordinator with little memory for journals: both uploads go to the spool.
      journals: { budget: new JournalBudget(256 * MiB), memoryMaxBytes: 8 * MiB },
    });
    const done = driver.start();
    while (tasks.size < 2) await new Promise((r) => setImmediate(r));

    // Client a sends all 1.0 from 30 examples, client b all 3.0 from 10: the average is 1.5 everywhere.
    const plan = [
      { id: 'a', chunk: Buffer.from(new Float32Array(CHUNK / 4).fill(1).buffer), n: 30 },
      { id: 'b', chunk: Buffer.from(new Float32Array(CHUNK / 4).fill(3).buffer), n: 10 },
    ];
    const total = PARAMS * 4;
    const round = driver.currentRound!;
    const receivers = plan.map(({ id, chunk, n }) => {
      const hash = createHash('sha256');
      for (let off = 0; off < total; off += CHUNK) hash.update(off + CHUNK <= total ? chunk : chunk.subarray(0, total - off));
      return round.beginUpdate(id, {
        taskId: tasks.get(id)!.taskId, transferId: `t-${id}`, encoding: 'float32', totalBytes: total, sha256: hash.digest('hex'), tensors: SPEC.tensors, numExamples: n,
      });
    });

    const before = process.memoryUsage().rss;
    let peak = before;
    // Interleaved, as two uploads arrive on one coordinator.
    for (let off = 0; off < total; off += CHUNK) {
      plan.forEach(({ chunk }, k) => receivers[k].write(off, off + CHUNK <= total ? chunk : chunk.subarray(0, total - off)));
      if (off % (16 * CHUNK) === 0) peak = Math.max(peak, process.memoryUsage().rss);
      if (off === 64 * CHUNK) expect(readdirSync(spoolDir)).toHaveLength(2); // both journals are spool files
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    for (const r of receivers) r.complete();
    for (const { id, n } of plan) {
      round.acceptReport(id, { taskId: tasks.get(id)!.taskId, transferId: `t-${id}`, numExamples: n, train: { loss: 1, accuracy: 0.5, numExamples: n }, localEval: { loss: 1, accuracy: 0.5, numExamples: n }, durationMs: 1 });
    }
    const finished = await done;
    expect(finished.state, finished.reason).toBe('completed');
    expect(readdirSync(spoolDir)).toEqual([]); // committed journals are gone

    // 400 MB streamed in. The sum (200 MB) is paged in by the first pass; holding the two
    // updates whole would add another 400 MB on top.
    const grownMiB = (peak - before) / MiB;
    expect(grownMiB, `rss grew ${grownMiB.toFixed(0)} MiB`).toBeLessThan(200 + 96);
    const weights = (await store.getModel('run-big', finished.modelVersion))!;
    expect(weights.length).toBe(PARAMS);
    for (const i of [0, 1, PARAMS / 2, PARAMS - 1]) expect(weights[i]).toBe(1.5);
  }, 120_000);
});
