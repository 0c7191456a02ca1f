/**
 * infra/grafana/fedlink-dashboard.json is valid JSON, takes its datasource from a
 * variable, and every query names series the coordinator or the daemon registers;
 * every series of the tables has a panel.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../common/event-bus';
import { silentLogger } from '../../common/logger';
import { exposedNames } from '../../common/metrics/series';
import { DaemonMetrics } from '../../clients/daemon/metrics/daemon-metrics';
import { CoordinatorMetrics } from '../../services/coordinator/metrics/coordinator-metrics';
import { DOCUMENTED_SERIES } from '../../services/coordinator/metrics/documented-series';

interface Target { expr: string; datasource?: { uid?: string } }
interface Panel { id: number; type: string; title: string; datasource?: { uid?: string }; targets?: Target[]; panels?: Panel[] }
interface Dashboard { panels: Panel[]; templating: { list: Array<{ name: string; type: string; query: unknown; definition?: string }> } }

const text = readFileSync(new URL('../../infra/grafana/fedlink-dashboard.json', import.meta.url), 'utf8');

/** Every panel, those inside rows included. */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** The fedlink series a PromQL query names. */
function seriesIn(expr: string): string[] {
  return expr.match(/\bfedlink_[a-z0-9_]+\b/g) ?? [];
}

/** Whether brackets, braces and parentheses pair up (outside quoted strings). */
function balanced(expr: string): boolean {
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const c of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('([{'.includes(c)) open.push(c);
    else if (c in pairs && open.pop() !== pairs[c]) return false;
  }
  return open.length === 0;
}

describe('grafana dashboard', () => {
  const dashboard = JSON.parse(text) as Dashboard;
  const panels = allPanels(dashboard.panels);
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

  it('grafana dashboard - is JSON with unique panel ids and a query in every graph', () => {
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels.filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    for (const q of queries) expect(balanced(q.expr), `${q.panel}: ${q.expr}`).toBe(true);
  });

  it('grafana dashboard - takes its Prometheus datasource from a variable, in every panel and query', () => {
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const p of panels.filter((x) => x.type !== 'row')) expect(p.datasource?.uid, p.title).toBe('${datasource}');
    for (const q of queries) expect(q.datasource?.uid, q.panel).toBe('${datasource}');
  });

  it('grafana dashboard - every series a query or variable names is one the code registers, and every series has a panel', async () => {
    const coordinator = new CoordinatorMetrics({ connectedClients: () => 0, activeRuns: () => 0, presenceCounts: () => new Map(), linkEvents: () => new EventBus<never>().subscribe() }, { port: 0, logger: silentLogger() });
    const daemon = new DaemonMetrics({ port: 0, logger: silentLogger() });
    const registered = new Set([...(await exposedNames(coordinator.registry)), ...(await exposedNames(daemon.registry))]);
    for (const q of queries) expect(seriesIn(q.expr).length, `${q.panel}: ${q.expr}`).toBeGreaterThan(0);
    const named = [...queries.map((q) => q.expr), ...dashboard.templating.list.map((v) => v.definition ?? '')].flatMap(seriesIn);
    expect(named.filter((n) => !registered.has(n))).toEqual([]);
    const used = new Set(named.map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    const declared = Object.values(DOCUMENTED_SERIES).flatMap((table) => Object.values(table).map((d) => d.name));
    expect(declared.filter((n) => !used.has(n))).toEqual([]);
  });
});
