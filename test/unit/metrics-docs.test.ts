/** docs/metrics.md lists every series as the code registers it: the tables are regenerated here and must match. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { exposedNames } from '../../common/metrics/series';
import { withSeriesTables } from '../../common/metrics/series-docs';
import { DaemonMetrics } from '../../clients/daemon/metrics/daemon-metrics';
import { CoordinatorMetrics } from '../../services/coordinator/metrics/coordinator-metrics';
import { DOCUMENTED_SERIES } from '../../services/coordinator/metrics/documented-series';
import { EventBus } from '../../common/event-bus';

const doc = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');

describe('docs/metrics.md', () => {
  it('metrics docs - the series tables are the ones the code generates (run `npm run docs:metrics` after changing a series)', () => {
    expect(doc).toBe(withSeriesTables(doc, DOCUMENTED_SERIES));
  });

  it('metrics docs - every fedlink_ name the document mentions is one the coordinator or the daemon registers', async () => {
    const coordinator = new CoordinatorMetrics({ connectedClients: () => 0, activeRuns: () => 0, presenceCounts: () => new Map(), linkEvents: () => new EventBus<never>().subscribe() }, { port: 0, logger: silentLogger() });
    const daemon = new DaemonMetrics({ port: 0, logger: silentLogger() });
    const names = new Set([...(await exposedNames(coordinator.registry)), ...(await exposedNames(daemon.registry))]);
    const mentioned = [...new Set(doc.match(/\bfedlink_[a-z0-9_]+\b/g) ?? [])].filter((n) => n !== 'fedlink_');
    expect(mentioned.length).toBeGreaterThan(20);
    expect(mentioned.filter((n) => !names.has(n))).toEqual([]);
  });
});
