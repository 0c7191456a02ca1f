/**
 * infra/compose/compose.yaml against the real CLI, without Docker: the `pki`
 * service's script runs (with /pki moved to a temporary directory), then every
 * fedlink service's command and environment goes through the CLI's parser,
 * with the coordinator, daemon and link emulator runners replaced by mocks
 * that record what they were handed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../clients/cli/main';
import { FEDLINK_BIN } from '../../clients/demo/process-group';
import type { DaemonOptions } from '../../clients/daemon/options';
import type { LinkemRunOptions } from '../../clients/linkem/main';
import type { CoordinatorOptions } from '../../services/coordinator/options';

const runCoordinator = vi.fn(async (_o: CoordinatorOptions) => {});
const runDaemon = vi.fn(async (_o: DaemonOptions) => {});
const runLinkem = vi.fn(async (_o: LinkemRunOptions) => {});
vi.mock('../../services/coordinator/main', () => ({ runCoordinator }));
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));
vi.mock('../../clients/linkem/main', () => ({ runLinkem }));

interface Service {
  image?: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  networks?: string[];
  volumes?: string[];
  profiles?: string[];
}

const COMPOSE = path.join(import.meta.dirname, '../../infra/compose/compose.yaml');
const root = mkdtempSync(path.join(tmpdir(), 'fedlink-compose-'));

/** Compose's interpolation with every variable unset: `${X:-default}` is the default, `$$` a literal `$`; /pki moved under `root`. */
function interpolate(text: string): string {
  return text.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1').replace(/\$\$/g, '$').replace(/(^|[\s"'[,])\/pki\b/g, `$1${root}/pki`);
}

const compose = parse(interpolate(readFileSync(COMPOSE, 'utf8')), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
/** Services that run the image's `fedlink` entrypoint (not the pki script). */
const fedlinkServices = Object.entries(services).filter(([, s]) => s.image === 'fedlink:latest' && (s.entrypoint ?? ['fedlink']).join(' ') === 'fedlink');
/** The pki service's script, with the real `fedlink` in place of the image's; chown is the container's business (root there, not here). */
const pkiScript = `fedlink() { ${JSON.stringify(process.execPath)} ${JSON.stringify(FEDLINK_BIN)} "$@"; }\nchown() { :; }\n${services.pki.command![0]}`;

/** Runs `fedlink <args>` in-process with the service's environment (only FEDLINK_* variables, as in its container). */
async function runService(service: Service): Promise<{ code: number; stderr: string }> {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('FEDLINK_')) delete process.env[k];
  Object.assign(process.env, service.environment ?? {});
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((stderr += s), true) } };
  try {
    return { code: await main(['node', 'fedlink', ...(service.command ?? [])], io), stderr };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

describe('infra/compose/compose.yaml', () => {
  // The certificates the coordinators' commands read.
  beforeAll(() => void execFileSync('sh', ['-ec', pkiScript], { stdio: 'pipe' }));
  afterEach(() => {
    runCoordinator.mockClear();
    runDaemon.mockClear();
    runLinkem.mockClear();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("compose - the pki service's script makes the CA, a certificate per daemon and the operator's with the real CLI, once", () => {
    // Idempotent: run again (beforeAll ran it first), it finds the CA and leaves everything alone.
    expect(execFileSync('sh', ['-ec', pkiScript]).toString()).toBe('pki: CA exists\n');
    const show = (dir: string) => execFileSync(process.execPath, [FEDLINK_BIN, 'pki', 'show', path.join(root, 'pki', dir)]).toString();
    expect(show('ca')).toMatch(/sans\s+DNS:coordinator-a, DNS:coordinator-b, DNS:linkem-0-a/);
    for (const i of [0, 1, 2]) expect(show(`edge-${i}`)).toMatch(new RegExp(`identity\\s+client edge-${i}`));
    expect(show('operator')).toMatch(/identity\s+operator compose/);
  });

  it('compose - every fedlink command parses with the real CLI (exit 0, nothing on stderr)', async () => {
    for (const [name, service] of fedlinkServices) {
      expect(await runService(service), name).toEqual({ code: 0, stderr: '' });
    }
    expect(fedlinkServices.map(([name]) => name)).toContain('cli');
    expect(runCoordinator).toHaveBeenCalledTimes(2);
    expect(runDaemon).toHaveBeenCalledTimes(3);
    expect(runLinkem).toHaveBeenCalledTimes(6);
  });

  it('compose - two coordinators share the JetStream store on all three NATS nodes, compete for the lease and serve mutual TLS', async () => {
    for (const name of ['coordinator-a', 'coordinator-b']) {
      runCoordinator.mockClear();
      expect(await runService(services[name]), name).toEqual({ code: 0, stderr: '' });
      const o = runCoordinator.mock.calls[0][0];
      expect(o).toMatchObject({ host: '0.0.0.0', insecure: false, ha: true, store: 'jetstream', storeReplicas: 3, advertise: `${name}:50051` });
      expect(o.tls?.certPem).toContain('CERTIFICATE');
      expect(o.nats?.url.split(',')).toEqual(['nats://nats-1:4222', 'nats://nats-2:4222', 'nats://nats-3:4222']);
    }
  });

  it('compose - each daemon holds its own partition and reaches both coordinators only through its own link emulators', async () => {
    const indexes: number[] = [];
    for (const i of [0, 1, 2]) {
      runDaemon.mockClear();
      const edge = services[`edge-${i}`];
      expect(await runService(edge)).toEqual({ code: 0, stderr: '' });
      const o = runDaemon.mock.calls[0][0];
      expect(o).toMatchObject({ clientId: `edge-${i}`, numPartitions: 3, pki: `${root}/pki/edge-${i}` });
      indexes.push(o.index!);
      expect(edge.networks).toEqual(['edge']);
      const targets: string[] = [];
      for (const address of o.coordinator.split(',')) {
        const linkem = services[address.split(':')[0]];
        runLinkem.mockClear();
        expect(await runService(linkem)).toEqual({ code: 0, stderr: '' });
        const l = runLinkem.mock.calls[0][0];
        expect(l.listen.port).toBe(Number(address.split(':')[1]));
        expect(linkem.networks).toContain('edge');
        targets.push(`${l.target.host}:${l.target.port}`);
      }
      expect(targets).toEqual(['coordinator-a:50051', 'coordinator-b:50051']);
    }
    expect(indexes).toEqual([0, 1, 2]);
  });

  it('compose - Prometheus (monitoring profile) scrapes every coordinator and daemon on the metrics port its CLI was given, on a network it shares with it', async () => {
    const prometheus = services.prometheus;
    expect(prometheus.profiles).toEqual(['monitoring']);
    const config = parse(readFileSync(path.join(path.dirname(COMPOSE), 'prometheus.yml'), 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const scraped = config.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets)).sort();
    const expected: string[] = [];
    for (const [name, service] of fedlinkServices.filter(([, s]) => ['coordinator', 'client'].includes(s.command?.[0] ?? ''))) {
      runCoordinator.mockClear();
      runDaemon.mockClear();
      expect(await runService(service)).toEqual({ code: 0, stderr: '' });
      const metrics = (runCoordinator.mock.calls[0]?.[0] ?? runDaemon.mock.calls[0]?.[0])?.metricsPort;
      expect(metrics, name).toBeGreaterThan(0);
      expect(service.networks!.some((n) => prometheus.networks!.includes(n)), name).toBe(true);
      expected.push(`${name}:${metrics}`);
    }
    expect(scraped).toEqual(expected.sort());
  });

  it('compose - Grafana (monitoring profile) is provisioned with that Prometheus and the dashboard of infra/grafana', () => {
    const grafana = services.grafana;
    expect(grafana.profiles).toEqual(['monitoring']);
    const dir = path.dirname(COMPOSE);
    for (const volume of grafana.volumes!) expect(readFileSync(path.resolve(dir, volume.split(':')[0])).length, volume).toBeGreaterThan(0);
    const datasources = parse(readFileSync(path.join(dir, 'grafana/datasources.yml'), 'utf8')) as { datasources: { type: string; url: string }[] };
    expect(datasources.datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    expect(grafana.volumes).toContain('../grafana/fedlink-dashboard.json:/var/lib/grafana/dashboards/fedlink-dashboard.json:ro');
  });
});
