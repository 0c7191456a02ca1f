/** The daemon's error-feedback residual survives a restart when it has a state directory. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeUpdate } from '../../common/codecs';
import { FeedbackStore } from '../../clients/daemon/encodings';

describe('feedback store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-feedback-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('feedback store - a saved residual is loaded by a new store (a restarted daemon); other sizes and bad files start from zero', async () => {
    const n = 5000;
    const first = new FeedbackStore(dir);
    const ef = first.forRun('run-1', n);
    const delta = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const compensated = ef.compensate(delta);
    ef.recordPayload(compensated, 'topk:0.01', encodeUpdate(compensated, 'topk:0.01'));
    const residual = ef.residual().slice();
    expect(residual.some((v) => v !== 0)).toBe(true);
    await first.save('run-1');

    const restarted = new FeedbackStore(dir);
    expect(restarted.hasSaved('run-1')).toBe(true);
    expect(Array.from(restarted.forRun('run-1', n).residual())).toEqual(Array.from(residual));
    expect(new FeedbackStore(dir).forRun('run-1', n + 1).residual().every((v) => v === 0)).toBe(true);
    writeFileSync(path.join(dir, 'run-2.residual'), 'garbage');
    expect(new FeedbackStore(dir).forRun('run-2', n).residual().every((v) => v === 0)).toBe(true);
    // Saving a new run's residual drops the old run's file; no temporary file is left.
    const next = new FeedbackStore(dir);
    next.forRun('run-3', 10);
    await next.save('run-3');
    expect(readdirSync(dir).sort()).toEqual(['run-3.residual']);
    // Without a directory nothing is written.
    const memory = new FeedbackStore();
    memory.forRun('run-4', 10);
    await memory.save('run-4');
    expect(memory.hasSaved('run-4')).toBe(false);
  });
});
