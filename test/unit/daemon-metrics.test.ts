/** Unit: an edge daemon's metrics recorder, fed session events, transfers, link reports and a fake trainer. */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { LinkReport } from '../../common/link';
import { DaemonMetrics } from '../../clients/daemon/metrics/daemon-metrics';
import type { Trainer } from '../../clients/daemon/run-task';
import type { SessionEvent } from '../../clients/daemon/session';
import { EventChannel } from '../../clients/daemon/event-channel';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text';

describe('daemon metrics', () => {
  let metrics: DaemonMetrics | undefined;
  let now = 0;
  const make = () => (metrics = new DaemonMetrics({ port: 0, logger: silentLogger(), monotonicMs: () => now }));
  const scrape = async (m: DaemonMetrics) => parsePrometheusText(await m.registry.metrics());

  afterEach(async () => {
    await metrics?.stop();
    metrics = undefined;
  });

  it('daemon metrics - follows the session: connected gauge, reconnects after the first session, tasks by outcome', async () => {
    const m = make();
    const channel = new EventChannel<SessionEvent>();
    await m.start(channel.iterate());
    const events: SessionEvent[] = [
      { type: 'connected', sessionId: 's1' },
      { type: 'task-started', taskId: 't', runId: 'r', round: 1 },
      { type: 'task-finished', taskId: 't', runId: 'r', round: 1, transferId: 'x', numExamples: 5 },
      { type: 'disconnected', reason: 'reset' },
      { type: 'reconnecting', attempt: 1, delayMs: 10 },
      { type: 'reconnecting', attempt: 2, delayMs: 20 },
      { type: 'connected', sessionId: 's2' },
      { type: 'task-started', taskId: 'u', runId: 'r', round: 2 },
      { type: 'task-failed', taskId: 'u', runId: 'r', round: 2, reason: 'deadline exceeded' },
    ];
    for (const e of events) channel.push(e);
    let s = await scrape(m);
    for (let i = 0; i < 50 && sampleSum(s, 'fedlink_daemon_tasks_total', { outcome: 'failed' }) === 0; i++) {
      await new Promise((r) => setImmediate(r));
      s = await scrape(m);
    }
    expect(sampleSum(s, 'fedlink_daemon_connected')).toBe(1);
    expect(sampleSum(s, 'fedlink_daemon_reconnects_total')).toBe(1);
    expect(sampleSum(s, 'fedlink_daemon_reconnect_attempts_total')).toBe(2);
    expect(sampleSum(s, 'fedlink_daemon_tasks_total', { outcome: 'started' })).toBe(2);
    expect(sampleSum(s, 'fedlink_daemon_tasks_total', { outcome: 'finished' })).toBe(1);
    channel.push({ type: 'ended', reason: 'revoked' });
    for (let i = 0; i < 50 && sampleSum(s, 'fedlink_daemon_connected') === 1; i++) {
      await new Promise((r) => setImmediate(r));
      s = await scrape(m);
    }
    expect(sampleSum(s, 'fedlink_daemon_connected')).toBe(0);
  });

  it('daemon metrics - records transfers and the last link report it sent', async () => {
    const m = make();
    m.transfer('down', 1000, 500);
    m.transfer('up', 300, 250);
    m.transfer('up', 700, 250, 2);
    m.linkReport({ clientId: 'c', measuredAtMs: 0, radio: '5g-sa', rttMs: 30, upMbps: 12, resets: 0 } as LinkReport);
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_daemon_transfer_bytes_total', { direction: 'up' })).toBe(1000);
    expect(sampleSum(s, 'fedlink_daemon_transfer_duration_seconds_sum', { direction: 'down' })).toBe(0.5);
    expect(sampleSum(s, 'fedlink_daemon_transfer_resumes_total', { direction: 'up' })).toBe(2);
    expect(sampleSum(s, 'fedlink_daemon_transfer_resumes_total', { direction: 'down' })).toBe(0);
    expect(sampleSum(s, 'fedlink_daemon_link_rtt_seconds')).toBeCloseTo(0.03);
    expect(sampleSum(s, 'fedlink_daemon_link_rate_mbps', { direction: 'up' })).toBe(12);
    expect(s.some((x) => x.name === 'fedlink_daemon_link_rate_mbps' && x.labels.direction === 'down')).toBe(false);
  });

  it('daemon metrics - times training, failed runs included, and passes results and errors through', async () => {
    const m = make();
    let fail = false;
    const inner: Trainer = {
      train: () => {
        now += 2000;
        return fail ? Promise.reject(new Error('out of memory')) : Promise.resolve({ weights: new Float32Array(1) } as never);
      },
    };
    const timed = m.timed(inner);
    expect(timed.prepare).toBeUndefined();
    const opts = { signal: new AbortController().signal, onProgress: () => undefined };
    await expect(timed.train({} as never, new Float32Array(1), opts)).resolves.toEqual({ weights: new Float32Array(1) });
    fail = true;
    await expect(timed.train({} as never, new Float32Array(1), opts)).rejects.toThrow('out of memory');
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_daemon_training_duration_seconds_count')).toBe(2);
    expect(sampleSum(s, 'fedlink_daemon_training_duration_seconds_sum')).toBe(4);
  });
});
