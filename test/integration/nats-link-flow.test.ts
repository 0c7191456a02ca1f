/**
 * Integration: presence and link reports flow over a real nats-server from
 * daemons to the coordinator's link tracker, and losing NATS mid-run degrades
 * instead of breaking: training goes on on gRPC-side measurements, and when
 * the server comes back every process resumes publishing by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { waitFor } from '../../common/wait-for';
import { NatsTransport } from '../../common/events/nats-transport';
import type { TransportMessage } from '../../common/events/event-transport';
import { ALL_LINK, ALL_OBSERVATIONS, ALL_PRESENCE, ALL_ROUND_EVENTS } from '../../common/events/subjects';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server';
import { wireRunConfig } from '../helpers/run-config';

describe('integration NATS link flow', () => {
  let nats: NatsServerHandle;
  let coordinator: Coordinator;
  let observer: NatsTransport;
  const daemons: DaemonHandle[] = [];
  const seen: TransportMessage[] = [];

  beforeAll(async () => {
    requireFashionMnist();
    nats = await startNatsServer();
    coordinator = await startCoordinator({ host: '127.0.0.1', port: 0, heartbeatIntervalMs: 300, clientTimeoutMs: 5000, nats: { url: nats.url } }, silentLogger());
    observer = new NatsTransport({ servers: nats.url, reconnectTimeWaitMs: 100, name: 'observer' });
    await observer.start();
    for (const subject of [ALL_LINK, ALL_PRESENCE, ALL_OBSERVATIONS, ALL_ROUND_EVENTS]) {
      const sub = observer.subscribe(subject);
      // A local queue's iterator only ends (at stop), it never throws.
      void (async () => {
        for await (const m of sub) seen.push(m);
      })();
    }
    const radios = ['5g-sa', 'lte'] as const;
    for (let i = 0; i < 2; i++) {
      daemons.push(
        await startDaemon(
          {
            coordinator: `127.0.0.1:${coordinator.port}`, clientId: `nats-${i}`, numPartitions: 2, index: i, maxExamples: 600, backoffInitialMs: 50,
            link: { radio: radios[i], slice: i === 0 ? 'embb' : undefined, battery: 0.5 + i * 0.25 }, linkReportIntervalMs: 300, nats: { url: nats.url },
          },
          { logger: silentLogger() },
        ),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator?.stop();
    await observer?.stop();
    await nats?.stop();
  });

  const count = (pred: (m: TransportMessage) => boolean) => seen.filter(pred).length;
  const linkFrom = (id: string) => (m: TransportMessage) => m.subject.endsWith(`${id}.link`);

  it('nats - daemons publish presence and link reports that reach the coordinator tracker and the CLI view', async () => {
    await waitFor('link reports from both daemons on NATS', () => (count(linkFrom('nats-0')) > 0 && count(linkFrom('nats-1')) > 0 ? true : undefined), 20_000, 50);
    expect(count((m) => m.subject.endsWith('.presence') && (m.payload as { status: string }).status === 'online')).toBeGreaterThanOrEqual(2);
    const estimate = await waitFor('tracker estimates with RTT', () => {
      const e = coordinator.links.get('nats-0');
      return e?.rttMs !== undefined && coordinator.links.get('nats-1')?.rttMs !== undefined ? e : undefined;
    }, 20_000, 50);
    expect(estimate).toMatchObject({ presence: 'online', radio: '5g-sa', slice: 'embb', battery: 0.5, stale: false });
    expect(coordinator.links.get('nats-1')).toMatchObject({ radio: 'lte', battery: 0.75 });
  }, 40_000);

  it('nats - a NATS outage mid-run does not stop training, and publishing resumes when it returns', async () => {
    const run = await coordinator.manager.createRun(fromWireRunConfig(wireRunConfig({ rounds: 6, clientsPerRound: 2, minClients: 2, roundDeadlineMs: 60_000, selection: 'sjf' })));
    await waitFor('round 1 committed', async () => ((await coordinator.manager.getRun(run.runId)).committedRounds >= 1 ? true : undefined), 60_000, 50);
    await nats.kill();
    const killedAt = seen.length;
    await waitFor('the coordinator to notice', () => (coordinator.events.stats().connected ? undefined : true), 10_000, 10);
    const before = (await coordinator.manager.getRun(run.runId)).committedRounds;
    expect(before).toBeLessThan(6);
    // Training goes on without NATS: the coordinator schedules on its own gRPC-side measurements.
    await waitFor('a round committed without NATS', async () => ((await coordinator.manager.getRun(run.runId)).committedRounds > before ? true : undefined), 60_000, 20);
    expect(coordinator.events.stats().connected).toBe(false);
    const rttBefore = coordinator.links.get('nats-1')!.samples;
    await waitFor('more gRPC-side samples', () => (coordinator.links.get('nats-1')!.samples > rttBefore ? true : undefined), 10_000, 50);
    await nats.restart();
    await waitFor('events flowing again from daemons and coordinator', () => {
      const after = seen.slice(killedAt);
      return after.some(linkFrom('nats-0')) && after.some(linkFrom('nats-1')) && after.some((m) => m.subject.includes('.coord.observation.')) ? true : undefined;
    }, 30_000, 100);
    const done = await waitFor('the run to complete', async () => {
      const r = await coordinator.manager.getRun(run.runId);
      return r.state === 'running' ? undefined : r;
    }, 60_000, 100);
    expect(done.state, done.reason).toBe('completed');
    expect(coordinator.events.stats().connected).toBe(true);
    expect(seen.some((m) => m.subject === `fedlink.v1.run.${run.runId.replace(/[^A-Za-z0-9_-]/g, (c) => `~${c.charCodeAt(0).toString(16)}`)}.round`)).toBe(true);
  }, 120_000);
});
