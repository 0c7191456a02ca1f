/**
 * infra/k8s: the base and every overlay, rendered (test/helpers/k8s-kustomize.ts),
 * validated against the Kubernetes schemas, checked against the house rules
 * (non-root, read-only root, probes on exposed ports, labels that match), with
 * the containers' arguments parsed by the real CLI and the NATS config by the
 * real nats-server. What would start (the coordinator, the daemon, the health
 * check) is mocked: only what the CLI hands it is checked.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IContainer, IProbe } from 'kubernetes-models/v1';
import type { CoordinatorOptions } from '../../services/coordinator/options';
import type { DaemonOptions } from '../../clients/daemon/options';
import {
  envReferenceProblems,
  grpcServiceNames,
  labelProblems,
  probeProblems,
  probesOf,
  resourceProblems,
  schemaProblems,
  securityProblems,
  volumeProblems,
  type K8sCheck,
} from '../helpers/k8s-checks';
import { renderKustomization, type K8sObject } from '../helpers/k8s-kustomize';
import { podSandbox, type SecretFixtures } from '../helpers/k8s-pod-sandbox';
import { container, find, workloads } from '../helpers/k8s-schemas';
import { findNatsServerBinary } from '../helpers/nats-server';
import { createTestPki, type TestPki } from '../helpers/pki';
import { runCliWithEnv as runCli } from '../helpers/cli-in-process';

const runCoordinator = vi.fn(async (_options: CoordinatorOptions) => {});
vi.mock('../../services/coordinator/main', () => ({ runCoordinator }));
const runDaemon = vi.fn(async (_options: DaemonOptions) => {});
vi.mock('../../clients/daemon/main', () => ({ runDaemon }));
const checkHealth = vi.fn(async (_options: { address: string; service: string; tls?: unknown }) => 'SERVING');
vi.mock('../../clients/cli/health-client', () => ({ checkHealth }));

const ROOT = path.resolve(__dirname, '../..');
const K8S = path.join(ROOT, 'infra/k8s');
/** The base and every overlay on disk. */
const KUSTOMIZATIONS = ['base', ...readdirSync(path.join(K8S, 'overlays')).map((d) => `overlays/${d}`)];
const GRPC_SERVICES = grpcServiceNames(path.join(ROOT, 'proto/fedlink/v1'));

const CHECKS: Record<string, K8sCheck> = {
  schemas: schemaProblems,
  labels: labelProblems,
  security: securityProblems,
  resources: resourceProblems,
  probes: probeProblems(GRPC_SERVICES),
  volumes: volumeProblems,
  'env references': envReferenceProblems,
};

let pki: TestPki;
/** What the README's commands put in each Secret, made with a real test PKI. */
let secrets: SecretFixtures;

beforeAll(async () => {
  pki = await createTestPki();
  const edge: Record<string, string> = { 'ca.crt': pki.ca.certPem };
  const base = renderKustomization(path.join(K8S, 'base'));
  const daemons = workloads(base).find((w) => w.object.metadata.name === 'fedlink-edge')!;
  for (let i = 0; i < daemons.replicas; i++) {
    const creds = await pki.client(`fedlink-edge-${i}`);
    edge[`fedlink-edge-${i}.crt`] = creds.certPem;
    edge[`fedlink-edge-${i}.key`] = creds.keyPem;
  }
  const coordinator = Object.fromEntries(['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((f) => [f, readFileSync(path.join(pki.dir, f), 'utf8')]));
  secrets = { 'fedlink-coordinator-pki': coordinator, 'fedlink-edge-pki': edge };
});

afterAll(() => pki?.remove());


/** Starts (with runCoordinator mocked) what the coordinator container of `objects` would run, as pod `ordinal`. */
async function launchCoordinator(objects: K8sObject[], ordinal = 0): Promise<{ code: number; stderr: string; options?: CoordinatorOptions; c: IContainer }> {
  const deployment = workloads(objects).find((w) => w.object.kind === 'Deployment' && w.object.metadata.name === 'fedlink-coordinator')!;
  const c = container(deployment.template, 'coordinator');
  const sandbox = podSandbox(deployment.template, c, { name: `fedlink-coordinator-abc12-${ordinal}`, ordinal, ip: `10.0.0.${10 + ordinal}` }, secrets);
  try {
    runCoordinator.mockClear();
    const res = await runCli(sandbox.resolve(c.args ?? []), sandbox.env);
    return { ...res, options: runCoordinator.mock.calls.at(-1)?.[0], c };
  } finally {
    sandbox.remove();
  }
}

/** What an exec probe of the coordinator asks `fedlink health`: its service, address and whether over TLS. */
async function execProbe(objects: K8sObject[], probe: IProbe): Promise<{ code: number; stderr: string; asked?: { address: string; service: string; tls?: unknown } }> {
  const deployment = workloads(objects).find((w) => w.object.metadata.name === 'fedlink-coordinator')!;
  const c = container(deployment.template, 'coordinator');
  const sandbox = podSandbox(deployment.template, c, { name: 'fedlink-coordinator-abc12-0', ordinal: 0, ip: '10.0.0.10' }, secrets);
  try {
    const [bin, ...args] = probe.exec!.command!;
    // The image links its entry point as `fedlink` on PATH (Dockerfile).
    expect(bin).toBe('fedlink');
    checkHealth.mockClear();
    const res = await runCli(sandbox.resolve(args), sandbox.env);
    return { ...res, asked: checkHealth.mock.calls.at(-1)?.[0] };
  } finally {
    sandbox.remove();
  }
}

/** The gRPC health service a probe asks about, whichever way it asks. */
async function probedService(objects: K8sObject[], probe: IProbe): Promise<string | undefined> {
  if (probe.grpc) return probe.grpc.service ?? '';
  if (!probe.exec) return undefined;
  const res = await execProbe(objects, probe);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return res.asked?.service;
}

/** Checks the NATS StatefulSet's config with `nats-server -t` as each of its pods would load it; returns the problems. */
function natsConfigProblems(objects: K8sObject[]): string[] {
  const nats = workloads(objects).find((w) => w.object.metadata.name === 'fedlink-nats')!;
  const c = container(nats.template, 'nats');
  const configArg = (c.command ?? []).concat(c.args ?? []).find((a) => a.endsWith('.conf'))!;
  const mount = c.volumeMounts!.find((m) => configArg.startsWith(`${m.mountPath}/`))!;
  const cmName = nats.template.spec!.volumes!.find((v) => v.name === mount.name)!.configMap!.name!;
  const data = (find(objects, 'ConfigMap', cmName).data ?? {}) as Record<string, string>;
  const text = data[path.basename(configArg)];
  if (text === undefined) return [`ConfigMap ${cmName} has no ${path.basename(configArg)}`];
  const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-k8s-nats-'));
  const problems: string[] = [];
  try {
    const file = path.join(dir, 'nats.conf');
    writeFileSync(file, text);
    for (let i = 0; i < nats.replicas; i++) {
      const sandbox = podSandbox(nats.template, c, { name: `fedlink-nats-${i}`, ordinal: i, ip: `10.0.1.${i}` });
      sandbox.remove();
      const res = spawnSync(findNatsServerBinary(), ['-t', '-c', file], { env: { PATH: process.env.PATH, ...sandbox.env }, encoding: 'utf8' });
      if (res.status !== 0) problems.push(`nats-server -t as fedlink-nats-${i}: ${(res.stderr || res.stdout).trim()}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

describe.each(KUSTOMIZATIONS)('infra/k8s/%s', (name) => {
  const objects = renderKustomization(path.join(K8S, name));

  it.each(Object.keys(CHECKS))('%s - the rendered manifests break no rule', (check) => {
    expect(objects.length).toBeGreaterThan(0);
    expect(CHECKS[check](objects)).toEqual([]);
  });

  it('coordinator - two replicas whose arguments the real CLI turns into an HA coordinator on the NATS cluster, with no state of its own', async () => {
    const deployment = find(objects, 'Deployment', 'fedlink-coordinator');
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    const { code, stderr, options, c } = await launchCoordinator(objects);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(options).toMatchObject({ ha: true, store: 'jetstream', host: '0.0.0.0' });
    expect(c.ports?.map((p) => p.containerPort)).toContain(options!.port);
    // Every NATS URL names a Service of the rendered NATS pods on its port, and there are as many of them as replicas asked.
    const nats = workloads(objects).find((w) => w.object.metadata.name === 'fedlink-nats')!;
    expect(options!.storeReplicas).toBeLessThanOrEqual(nats.replicas);
    for (const url of options!.nats!.url!.split(',')) {
      const { hostname, port } = new URL(url);
      const service = find(objects, 'Service', hostname);
      expect((service.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(Number(port));
    }
    // JetStream holds the state: every volume is scratch (emptyDir) or credentials (Secret), none a claim.
    const volumes = (deployment.spec as { template: { spec: { volumes: Record<string, unknown>[] } } }).template.spec.volumes;
    for (const v of volumes) expect(v.emptyDir ?? v.secret, JSON.stringify(v)).toBeDefined();
  });

  it('coordinator - readiness asks for the Fleet service (the leader only); startup and liveness for the server as a whole', async () => {
    const { c } = await launchCoordinator(objects);
    expect(await probedService(objects, c.readinessProbe!)).toBe('fedlink.v1.Fleet');
    expect(await probedService(objects, c.livenessProbe!)).toBe('');
    expect(await probedService(objects, c.startupProbe!)).toBe('');
  });

  it('coordinator - exec probes ask the coordinator on its own port, over TLS when it serves TLS', async () => {
    const { options, c } = await launchCoordinator(objects);
    for (const [kind, probe] of probesOf(c).filter(([, p]) => p.exec)) {
      const res = await execProbe(objects, probe);
      expect(res.code, `${kind}: ${res.stderr}`).toBe(0);
      expect(res.asked?.address, kind).toBe(`127.0.0.1:${options!.port}`);
      expect(res.asked?.tls !== undefined, kind).toBe(options!.tls !== undefined);
    }
  });

  it('edge daemons - every pod parses its arguments with the real CLI and holds its own partition of the data', async () => {
    const daemons = workloads(objects).find((w) => w.object.metadata.name === 'fedlink-edge')!;
    const c = container(daemons.template, 'daemon');
    const indexes: number[] = [];
    for (let i = 0; i < daemons.replicas; i++) {
      const sandbox = podSandbox(daemons.template, c, { name: `fedlink-edge-${i}`, ordinal: i, ip: `10.0.2.${i}` }, secrets);
      try {
        runDaemon.mockClear();
        const res = await runCli(sandbox.resolve(c.args ?? []), sandbox.env);
        expect(res.stderr).toBe('');
        expect(res.code).toBe(0);
        const options = runDaemon.mock.calls.at(-1)![0];
        expect(options.numPartitions).toBeGreaterThanOrEqual(daemons.replicas);
        indexes.push(options.index ?? -1);
        // It dials the coordinator's Service on the Service's port.
        const [host, port] = options.coordinator.split(':');
        const service = find(objects, 'Service', host);
        expect((service.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(Number(port));
      } finally {
        sandbox.remove();
      }
    }
    expect(indexes).toEqual([...Array(daemons.replicas).keys()]);
  });

  it('nats - the config passes nats-server -t as every pod loads it, routes to every pod through the headless Service, and stores JetStream on the pod volume', () => {
    expect(natsConfigProblems(objects)).toEqual([]);
    const nats = workloads(objects).find((w) => w.object.metadata.name === 'fedlink-nats')!;
    const spec = nats.object.spec as { serviceName: string; volumeClaimTemplates: { metadata: { name: string } }[] };
    const headless = find(objects, 'Service', spec.serviceName).spec as { clusterIP?: string; publishNotReadyAddresses?: boolean };
    expect(headless).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const c = container(nats.template, 'nats');
    const cluster = c.ports!.find((p) => p.name === 'cluster')!.containerPort;
    const text = Object.values((find(objects, 'ConfigMap', 'fedlink-nats-config').data ?? {}) as Record<string, string>).join('\n');
    const routes = [...text.matchAll(/nats-route:\/\/([^\s,\]]+)/g)].map((m) => m[1]).sort();
    expect(routes).toEqual([...Array(nats.replicas).keys()].map((i) => `fedlink-nats-${i}.${spec.serviceName}:${cluster}`));
    const storeDir = /store_dir:\s*"?([^\s"]+)/.exec(text)?.[1];
    const claimMounts = c.volumeMounts!.filter((m) => spec.volumeClaimTemplates.some((t) => t.metadata.name === m.name)).map((m) => m.mountPath);
    expect(claimMounts.some((m) => storeDir?.startsWith(`${m}/`))).toBe(true);
  });
});

describe('infra/k8s checks', () => {
  /** A fresh copy of the base with one thing broken. */
  function broken(edit: (objects: K8sObject[]) => void): K8sObject[] {
    const objects = renderKustomization(path.join(K8S, 'base'));
    edit(objects);
    return objects;
  }
  const coordinator = (objects: K8sObject[]) => container(workloads(objects).find((w) => w.object.metadata.name === 'fedlink-coordinator')!.template, 'coordinator');

  it.each<[string, string, (objects: K8sObject[]) => void]>([
    ['schemas', 'a port given as text', (o) => (coordinator(o).ports![0].containerPort = '50051' as unknown as number)],
    ['labels', 'a pod template without its selector label', (o) => (workloads(o)[0].template.metadata!.labels!['app.kubernetes.io/name'] = 'other')],
    ['labels', 'a Service aiming at a port no pod exposes', (o) => ((find(o, 'Service', 'fedlink-coordinator').spec as { ports: { targetPort: string }[] }).ports[0].targetPort = 'http')],
    ['security', 'a writable root filesystem', (o) => (coordinator(o).securityContext!.readOnlyRootFilesystem = false)],
    ['security', 'the fedlink image as another uid', (o) => (workloads(o).find((w) => w.object.metadata.name === 'fedlink-coordinator')!.template.spec!.securityContext!.runAsUser = 1000)],
    ['resources', 'a container without a memory limit', (o) => delete coordinator(o).resources!.limits!.memory],
    ['probes', 'a readiness probe on a port the container does not expose', (o) => (coordinator(o).readinessProbe!.grpc!.port = 50052)],
    ['probes', 'a probe asking for a service no proto defines', (o) => (coordinator(o).readinessProbe!.grpc!.service = 'fedlink.v1.Fleeet')],
    ['volumes', 'a mount without its volume', (o) => (coordinator(o).volumeMounts![0].name = 'gone')],
    ['env references', 'an argument naming an unset variable', (o) => coordinator(o).args!.push('--advertise=$(POD_ADDRESS):50051')],
  ])('%s - %s is reported', (check, _what, edit) => {
    expect(CHECKS[check](broken(edit)).length).toBeGreaterThan(0);
  });

  it('coordinator - an argument the CLI does not know fails to parse (exit 2, one line)', async () => {
    const res = await launchCoordinator(broken((o) => coordinator(o).args!.push('--ha-mode=active')));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown option '--ha-mode=active'/);
    expect(runCoordinator).not.toHaveBeenCalled();
  });

  it('nats - a config nats-server refuses is reported', () => {
    const objects = broken((o) => {
      const data = find(o, 'ConfigMap', 'fedlink-nats-config').data as Record<string, string>;
      data['nats.conf'] = data['nats.conf'].replace('jetstream {', 'jetstream {\n  max_fil_store: 1GB');
    });
    expect(natsConfigProblems(objects).join('\n')).toMatch(/max_fil_store/);
  });
});
