/**
 * The rules infra/k8s must follow, each a function from rendered objects to a
 * list of problems (empty: it holds), so a test asserts the list is empty and
 * another one proves that a broken manifest yields a problem.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { IContainer, IProbe } from 'kubernetes-models/v1';
import type { K8sObject } from './k8s-kustomize';
import { selects, validateObject, workloads, type Workload } from './k8s-schemas';

/** A rule over the rendered objects. */
export type K8sCheck = (objects: K8sObject[]) => string[];

/** The uid of the image's fedlink user (Dockerfile). */
export const FEDLINK_UID = 10001;

/** Every container of every workload, with where it is. */
function containers(objects: K8sObject[]): { w: Workload; c: IContainer; where: string }[] {
  return workloads(objects).flatMap((w) =>
    [...(w.template.spec?.initContainers ?? []), ...(w.template.spec?.containers ?? [])].map((c) => ({ w, c, where: `${w.object.kind}/${w.object.metadata.name} container ${c.name}` })),
  );
}

/** Every object validates against its Kubernetes schema. */
export const schemaProblems: K8sCheck = (objects) =>
  objects.flatMap((o) => {
    try {
      validateObject(o);
      return [];
    } catch (err) {
      return [(err as Error).message];
    }
  });

/** Pod templates carry their selector's labels; every Service, PDB and NetworkPolicy selects some pods, and a Service's target port exists on them. */
export const labelProblems: K8sCheck = (objects) => {
  const all = workloads(objects);
  const problems = all
    .filter((w) => !selects(w.selector, w.template.metadata?.labels as Record<string, string> | undefined))
    .map((w) => `${w.object.kind}/${w.object.metadata.name}: its selector does not match its pod template's labels`);
  for (const o of objects) {
    const spec = o.spec as Record<string, unknown> | undefined;
    let selector: Record<string, string> | undefined;
    if (o.kind === 'Service') selector = spec?.selector as Record<string, string>;
    else if (o.kind === 'PodDisruptionBudget') selector = (spec?.selector as { matchLabels?: Record<string, string> })?.matchLabels;
    else if (o.kind === 'NetworkPolicy') selector = (spec?.podSelector as { matchLabels?: Record<string, string> })?.matchLabels;
    else continue;
    const selected = all.filter((w) => selects(selector, w.template.metadata?.labels as Record<string, string> | undefined));
    if (selected.length === 0) {
      problems.push(`${o.kind}/${o.metadata.name}: selects no pod of any workload`);
      continue;
    }
    if (o.kind !== 'Service') continue;
    for (const port of (spec?.ports as { name?: string; port: number; targetPort?: string | number }[]) ?? []) {
      const target = port.targetPort ?? port.port;
      for (const w of selected) {
        const exposed = (w.template.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
        if (!exposed.some((p) => p.name === target || p.containerPort === target)) problems.push(`Service/${o.metadata.name}: target port ${target} is not a port of ${w.object.metadata.name}`);
      }
    }
  }
  return problems;
};

/** Non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp, no privilege escalation; fedlink's image as its own uid. */
export const securityProblems: K8sCheck = (objects) =>
  containers(objects).flatMap(({ w, c, where }) => {
    const pod = w.template.spec?.securityContext ?? {};
    const own = c.securityContext ?? {};
    const problems: string[] = [];
    if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if (own.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
    if (own.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (!own.capabilities?.drop?.includes('ALL')) problems.push(`${where}: does not drop ALL capabilities`);
    if ((own.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities ${own.capabilities?.add?.join(', ')}`);
    if ((own.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault') problems.push(`${where}: seccomp profile is not RuntimeDefault`);
    if (c.image?.startsWith('fedlink:') && (own.runAsUser ?? pod.runAsUser) !== FEDLINK_UID) problems.push(`${where}: fedlink's image runs as uid ${FEDLINK_UID}`);
    if (w.template.spec?.automountServiceAccountToken !== false) problems.push(`${w.object.kind}/${w.object.metadata.name}: mounts a service account token it does not use`);
    return problems;
  });

/** CPU and memory requests and limits on every container. */
export const resourceProblems: K8sCheck = (objects) =>
  containers(objects).flatMap(({ c, where }) =>
    (['requests', 'limits'] as const).flatMap((kind) =>
      (['cpu', 'memory'] as const).filter((r) => c.resources?.[kind]?.[r] === undefined).map((r) => `${where}: no ${r} in resources.${kind}`),
    ),
  );

/** The gRPC services the coordinator's protos define, as grpc.health.v1 names them ('' is the server as a whole). */
export function grpcServiceNames(protoDir: string): string[] {
  const names = [''];
  for (const file of readdirSync(protoDir).filter((f) => f.endsWith('.proto'))) {
    const text = readFileSync(path.join(protoDir, file), 'utf8');
    const pkg = /^package\s+([\w.]+)\s*;/m.exec(text)?.[1];
    for (const m of text.matchAll(/^service\s+(\w+)/gm)) names.push(pkg ? `${pkg}.${m[1]}` : m[1]);
  }
  return names;
}

/** The probes of a container, by kind. */
export function probesOf(c: IContainer): [string, IProbe][] {
  return (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).filter((k) => c[k] !== undefined).map((k) => [k, c[k]!]);
}

/** Probes name a port the container exposes (and, for gRPC, a service the coordinator has). */
export function probeProblems(services: string[]): K8sCheck {
  return (objects) =>
    containers(objects).flatMap(({ c, where }) =>
      probesOf(c).flatMap(([kind, p]) => {
        const ports = c.ports ?? [];
        const exposes = (port: string | number) => ports.some((x) => x.containerPort === port || x.name === port);
        const problems: string[] = [];
        const port = p.grpc?.port ?? p.httpGet?.port ?? p.tcpSocket?.port;
        if (port !== undefined && !exposes(port)) problems.push(`${where}: ${kind} asks port ${port}, which the container does not expose`);
        if (p.grpc && !services.includes(p.grpc.service ?? '')) problems.push(`${where}: ${kind} asks for gRPC service "${p.grpc.service}", which no proto defines`);
        if (!p.grpc && !p.httpGet && !p.tcpSocket && !p.exec) problems.push(`${where}: ${kind} has no handler`);
        return problems;
      }),
    );
}

/** Every mount names a volume of its pod (or a claim template); every volume is mounted; ConfigMap volumes name a rendered ConfigMap. */
export const volumeProblems: K8sCheck = (objects) =>
  workloads(objects).flatMap((w) => {
    const where = `${w.object.kind}/${w.object.metadata.name}`;
    const volumes = w.template.spec?.volumes ?? [];
    const claims = ((w.object.spec as { volumeClaimTemplates?: { metadata?: { name?: string } }[] }).volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
    const names = [...volumes.map((v) => v.name), ...claims];
    const mounts = (w.template.spec?.containers ?? []).flatMap((c) => c.volumeMounts ?? []);
    const problems = mounts.filter((m) => !names.includes(m.name)).map((m) => `${where}: mount ${m.mountPath} names no volume "${m.name}"`);
    problems.push(...names.filter((n) => !mounts.some((m) => m.name === n)).map((n) => `${where}: volume ${n} is never mounted`));
    for (const v of volumes) {
      if (v.configMap && !objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap?.name)) problems.push(`${where}: volume ${v.name} names no rendered ConfigMap ${v.configMap.name}`);
    }
    return problems;
  });

/** Every $(VAR) in a container's command, args or exec probes is one of its env variables (Kubernetes leaves unknown ones as text). */
export const envReferenceProblems: K8sCheck = (objects) =>
  containers(objects).flatMap(({ c, where }) => {
    const defined = new Set((c.env ?? []).map((e) => e.name));
    const texts = [...(c.command ?? []), ...(c.args ?? []), ...probesOf(c).flatMap(([, p]) => p.exec?.command ?? [])];
    return texts.flatMap((t) => [...t.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].filter((m) => !defined.has(m[1])).map((m) => `${where}: $(${m[1]}) is not in its env`));
  });
