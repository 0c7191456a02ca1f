/**
 * Unit: the coordinator's metrics recorder, fed round records, phase timers,
 * store operations and refusals by hand (no coordinator), read back through
 * its registry in the Prometheus text format.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../common/event-bus';
import type { LinkEstimate } from '../../common/link';
import { silentLogger } from '../../common/logger';
import type { RoundClientRecord, RoundRecord, RunRecord } from '../../common/types';
import { classifyDrop } from '../../services/coordinator/metrics/classify-drop';
import { CoordinatorMetrics, encodingLabel } from '../../services/coordinator/metrics/coordinator-metrics';
import { timedStore } from '../../services/coordinator/metrics/timed-store';
import type { LinkTrackerEvent } from '../../services/coordinator/link/link-tracker';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { parsePrometheusText, sampleSum } from '../helpers/prometheus-text';
import { runConfig } from '../helpers/run-config';

const run = { runId: 'run-1', config: runConfig({ downlink: 'float16' }) } as RunRecord;

function client(over: Partial<RoundClientRecord>): RoundClientRecord {
  return { clientId: 'c', state: 'finished', numExamples: 10, bytesDown: 0, bytesUp: 0, selectedAtMs: 0, ...over };
}

function round(state: RoundRecord['state'], clients: RoundClientRecord[] = [], attempt = 0): RoundRecord {
  return { runId: 'run-1', round: 1, attempt, state, startedAtMs: 1000, endedAtMs: state === 'committed' || state === 'failed' ? 5000 : undefined, deadlineMs: 60_000, clients, bytesDown: 0, bytesUp: 0, modelVersion: 'v' };
}

describe('coordinator metrics', () => {
  let metrics: CoordinatorMetrics | undefined;
  let now = 0;
  const links: LinkEstimate[] = [];
  const bus = new EventBus<LinkTrackerEvent>();
  let connected = 0;

  function make(): CoordinatorMetrics {
    metrics = new CoordinatorMetrics(
      {
        connectedClients: () => connected,
        activeRuns: () => 2,
        presenceCounts: () => new Map(links.map((e) => [e.presence, links.filter((x) => x.presence === e.presence).length])),
        linkEvents: () => bus.subscribe(),
      },
      { port: 0, logger: silentLogger(), monotonicMs: () => now },
    );
    return metrics;
  }

  async function scrape(m: CoordinatorMetrics) {
    return parsePrometheusText(await m.registry.metrics());
  }

  afterEach(async () => {
    await metrics?.stop();
    metrics = undefined;
  });

  it('coordinator metrics - counts each state a round attempt enters once, however often it is saved', async () => {
    const m = make();
    m.roundSaved(round('selecting'), run);
    m.roundSaved(round('training'), run);
    m.roundSaved(round('training'), run);
    m.roundSaved(round('aggregating'), run);
    m.roundSaved(round('committed'), run);
    m.roundSaved(round('training', [], 1), run);
    m.roundSaved(round('failed', [], 1), run);
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_rounds_total', { state: 'training' })).toBe(2);
    expect(sampleSum(s, 'fedlink_rounds_total', { state: 'committed' })).toBe(1);
    expect(sampleSum(s, 'fedlink_rounds_total', { state: 'failed' })).toBe(1);
    expect(sampleSum(s, 'fedlink_round_duration_seconds_count', { state: 'committed' })).toBe(1);
    expect(sampleSum(s, 'fedlink_round_duration_seconds_sum', { state: 'committed' })).toBe(4);
  });

  it('coordinator metrics - turns a finished round into phase times, bytes and throughput per encoding, drops by reason and resumes', async () => {
    const m = make();
    m.roundSaved(
      round('committed', [
        client({ clientId: 'a', bytesDown: 2000, bytesUp: 4000, downloadMs: 1000, durationMs: 3000, uploadMs: 2000, encoding: 'topk:0.01+int8', resumes: 2 }),
        client({ clientId: 'b', bytesDown: 2000, bytesUp: 8000, downloadMs: 500, durationMs: 1000, uploadMs: 1000, encoding: 'float32' }),
        client({ clientId: 'c', state: 'dropped', missedDeadline: true, reason: 'round deadline passed' }),
        client({ clientId: 'd', state: 'dropped', reason: 'client failed: out of memory' }),
        client({ clientId: 'e', state: 'rejected', reason: 'update rejected: bad checksum' }),
      ]),
      run,
    );
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_clients_selected_total')).toBe(5);
    expect(sampleSum(s, 'fedlink_clients_dropped_total', { reason: 'deadline' })).toBe(1);
    expect(sampleSum(s, 'fedlink_clients_dropped_total', { reason: 'task-failed' })).toBe(1);
    expect(sampleSum(s, 'fedlink_clients_dropped_total', { reason: 'rejected' })).toBe(1);
    expect(sampleSum(s, 'fedlink_transfer_bytes_total', { direction: 'down', encoding: 'float16' })).toBe(4000);
    expect(sampleSum(s, 'fedlink_transfer_bytes_total', { direction: 'up', encoding: 'topk+int8' })).toBe(4000);
    expect(sampleSum(s, 'fedlink_transfer_bytes_total', { direction: 'up', encoding: 'float32' })).toBe(8000);
    // 4000 B in 2 s and 8000 B in 1 s.
    expect(sampleSum(s, 'fedlink_transfer_throughput_bytes_per_second_sum', { direction: 'up' })).toBe(2000 + 8000);
    expect(sampleSum(s, 'fedlink_round_phase_duration_seconds_count', { phase: 'train' })).toBe(2);
    expect(sampleSum(s, 'fedlink_round_phase_duration_seconds_sum', { phase: 'download' })).toBe(1.5);
    expect(sampleSum(s, 'fedlink_transfer_resumes_total')).toBe(2);
  });

  it('coordinator metrics - leaves out implausible client-reported times instead of failing the round save', async () => {
    const m = make();
    expect(() =>
      m.roundSaved(
        round('committed', [
          client({ clientId: 'a', durationMs: Number.NaN, downloadMs: -5, uploadMs: Number.POSITIVE_INFINITY, bytesUp: 10, bytesDown: 10 }),
          client({ clientId: 'b', durationMs: 2000 }),
        ]),
        run,
      ),
    ).not.toThrow();
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_round_phase_duration_seconds_count', { phase: 'train' })).toBe(1);
    expect(sampleSum(s, 'fedlink_round_phase_duration_seconds_count', { phase: 'download' })).toBe(0);
    expect(sampleSum(s, 'fedlink_transfer_throughput_bytes_per_second_count')).toBe(0);
    expect(sampleSum(s, 'fedlink_transfer_bytes_total')).toBe(20);
  });

  it('coordinator metrics - times the phases the run driver marks with the monotonic source', async () => {
    const m = make();
    now = 100;
    const done = m.startPhase('aggregate');
    now = 350;
    done();
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_round_phase_duration_seconds_sum', { phase: 'aggregate' })).toBe(0.25);
    expect(sampleSum(s, 'fedlink_round_phase_duration_seconds_count', { phase: 'commit' })).toBe(0);
  });

  it('coordinator metrics - reads connected clients, active runs and link presence when scraped', async () => {
    const m = make();
    connected = 3;
    links.push({ clientId: 'a', presence: 'online' } as LinkEstimate, { clientId: 'b', presence: 'offline' } as LinkEstimate);
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_clients_connected')).toBe(3);
    expect(sampleSum(s, 'fedlink_runs_active')).toBe(2);
    expect(sampleSum(s, 'fedlink_link_clients', { presence: 'online' })).toBe(1);
    expect(sampleSum(s, 'fedlink_link_clients', { presence: 'draining' })).toBe(0);
    connected = 1;
    expect(sampleSum(await scrape(m), 'fedlink_clients_connected')).toBe(1);
    links.length = 0;
  });

  it('coordinator metrics - observes link estimates from the tracker events without a client label', async () => {
    const m = make();
    await m.start();
    bus.publish({ type: 'updated', estimate: { clientId: 'a', rttMs: 40, upMbps: 5, downMbps: 20 } as LinkEstimate });
    bus.publish({ type: 'forgotten', clientId: 'a' });
    let s = await scrape(m);
    for (let i = 0; i < 50 && sampleSum(s, 'fedlink_link_rtt_seconds_count') === 0; i++) {
      await new Promise((r) => setImmediate(r));
      s = await scrape(m);
    }
    expect(sampleSum(s, 'fedlink_link_rtt_seconds_sum')).toBeCloseTo(0.04);
    expect(sampleSum(s, 'fedlink_link_rate_mbps_sum', { direction: 'up' })).toBe(5);
    expect(s.filter((x) => x.name.startsWith('fedlink_link_rate')).every((x) => !('clientId' in x.labels) && !('client' in x.labels))).toBe(true);
  });

  it('coordinator metrics - counts refusals by method and status name', async () => {
    const m = make();
    m.refused('/fedlink.v1.Fleet/PushUpdate', 'INVALID_ARGUMENT');
    m.refused('/fedlink.v1.Fleet/PushUpdate', 'INVALID_ARGUMENT');
    m.refused('/fedlink.v1.Control/GetRun', 'NOT_FOUND');
    const s = await scrape(m);
    expect(sampleSum(s, 'fedlink_rpc_refusals_total', { code: 'INVALID_ARGUMENT' })).toBe(2);
    expect(sampleSum(s, 'fedlink_rpc_refusals_total', { method: '/fedlink.v1.Control/GetRun' })).toBe(1);
  });

  it('coordinator metrics - the timed store measures every operation by outcome and keeps the store working', async () => {
    const seen: Array<[string, number, boolean]> = [];
    let t = 0;
    const inner = new MemoryStore();
    const store = timedStore(inner, (op, seconds, ok) => seen.push([op, seconds, ok]), () => (t += 5));
    expect(store.kind).toBe(inner.kind);
    await store.putRun({ runId: 'r', state: 'pending' } as RunRecord);
    expect((await store.getRun('r'))?.runId).toBe('r');
    const failing = timedStore({ ...inner, kind: inner.kind, getRun: () => Promise.reject(new Error('disk gone')) } as unknown as MemoryStore, (op, seconds, ok) => seen.push([op, seconds, ok]), () => (t += 5));
    await expect(failing.getRun('r')).rejects.toThrow('disk gone');
    expect(seen).toEqual([['putRun', 0.005, true], ['getRun', 0.005, true], ['getRun', 0.005, false]]);
  });
});

describe('coordinator metrics labels', () => {
  it('coordinator metrics - encodings become bounded labels: top-k without its fraction', () => {
    expect(['float32', 'float16', 'int8', 'topk:0.01', 'topk:0.2+int8', '', 'bogus'].map(encodingLabel)).toEqual(['float32', 'float16', 'int8', 'topk', 'topk+int8', 'float32', 'other']);
  });

  it('coordinator metrics - drop reasons map to the few reasons the label allows', () => {
    const drop = (over: Partial<RoundClientRecord>) => classifyDrop(client({ state: 'dropped', ...over }));
    expect(classifyDrop(client({}))).toBeUndefined();
    expect(drop({ reason: 'not connected at dispatch' })).toBe('disconnected');
    expect(drop({ reason: 'disconnected during upload: reset; not back within 10s' })).toBe('disconnected');
    expect(drop({ reason: 'exceeded 2× its predicted 3.0s', missedDeadline: true })).toBe('deadline');
    expect(drop({ reason: 'client failed: deadline exceeded' })).toBe('task-failed');
    expect(drop({ reason: 'run cancelled' })).toBe('cancelled');
    expect(drop({ reason: 'something new' })).toBe('other');
    expect(drop({ state: 'rejected', reason: 'update rejected: too large' })).toBe('rejected');
  });
});
