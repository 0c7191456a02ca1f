/**
 * What a container of a rendered workload would see, made on this machine so
 * the real CLI can parse its arguments: its environment (downward-API fields
 * filled in as the kubelet would for a given pod), its $(VAR) references
 * expanded, and each mount a temporary directory (a Secret's holding the files
 * the test says the Secret holds) with the mount paths in the arguments
 * pointed there.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IContainer, IPodTemplateSpec } from 'kubernetes-models/v1';

/** A container's view of its pod, on this machine. */
export interface PodSandbox {
  /** Environment variables as the kubelet sets them. */
  env: Record<string, string>;
  /** Rewrites a command line: $(VAR) expanded, mount paths moved to the temporary directories. */
  resolve(args: string[]): string[];
  /** Removes the temporary directories. */
  remove(): void;
}

/** The pod's identity, for downward-API fields. */
export interface PodIdentity {
  name: string;
  ordinal: number;
  ip: string;
}

/** Secret name → key → content, what the README's commands put in each Secret. */
export type SecretFixtures = Record<string, Record<string, string>>;

/** Builds the sandbox of `container` in a pod of `template`. */
export function podSandbox(template: IPodTemplateSpec, container: IContainer, pod: PodIdentity, secrets: SecretFixtures = {}): PodSandbox {
  const labels: Record<string, string> = { ...(template.metadata?.labels as Record<string, string>), 'apps.kubernetes.io/pod-index': String(pod.ordinal) };
  const fields: Record<string, string> = { 'metadata.name': pod.name, 'status.podIP': pod.ip };
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    const label = ref ? /^metadata\.labels\['(.+)'\]$/.exec(ref)?.[1] : undefined;
    const value = e.value ?? (label !== undefined ? labels[label] : ref !== undefined ? fields[ref] : undefined);
    if (value === undefined) throw new Error(`${container.name}: cannot fill env ${e.name} here (${JSON.stringify(e.valueFrom)})`);
    env[e.name] = value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
  }
  const root = mkdtempSync(path.join(tmpdir(), 'fedlink-k8s-pod-'));
  const moved: [string, string][] = [];
  for (const [i, mount] of (container.volumeMounts ?? []).entries()) {
    const dir = path.join(root, String(i));
    mkdirSync(dir);
    const secret = template.spec?.volumes?.find((v) => v.name === mount.name)?.secret;
    if (secret) {
      const files = secrets[secret.secretName ?? ''];
      if (!files) throw new Error(`${container.name}: the test has no fixture for Secret ${secret.secretName}`);
      const items = secret.items ?? Object.keys(files).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (files[item.key] === undefined) throw new Error(`Secret ${secret.secretName} has no key ${item.key}`);
        mkdirSync(path.dirname(path.join(dir, item.path)), { recursive: true });
        writeFileSync(path.join(dir, item.path), files[item.key], { mode: 0o600 });
      }
    }
    moved.push([mount.mountPath, dir]);
  }
  // Longest first, so /var/lib/fedlink/spool is moved by its own mount, not by /var/lib/fedlink's.
  moved.sort((a, b) => b[0].length - a[0].length);
  const resolve = (args: string[]) =>
    args.map((arg) => {
      const expanded = arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
      const hit = moved.find(([from]) => expanded.endsWith(from) || expanded.includes(`${from}/`));
      return hit ? expanded.replace(hit[0], hit[1]) : expanded;
    });
  return { env, resolve, remove: () => rmSync(root, { recursive: true, force: true }) };
}
