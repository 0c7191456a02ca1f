/**
 * A small kustomize renderer for the manifest tests (no kubectl in CI): what
 * infra/k8s uses and nothing more. `resources` (files, or directories with
 * their own kustomization.yaml) and `patches` whose file is a JSON 6902 patch
 * (add, remove, replace, test) with a `target` (kind, name). Any other kustomization field is an error, so
 * a field this renderer would silently ignore (and kubectl would apply) fails
 * the test instead.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  patches?: { path: string; target: { kind: string; name: string } }[];
}

interface PatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'patches']);

/** Renders the kustomization in `dir` into its objects, in resource order. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = path.join(dir, 'kustomization.yaml');
  const k = parse(readFileSync(file, 'utf8')) as Kustomization;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${file}: the test renderer does not support ${unsupported.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const target = path.join(dir, resource);
    if (statSync(target).isDirectory()) objects.push(...renderKustomization(target));
    else objects.push(...readObjects(target));
  }
  for (const patch of k.patches ?? []) {
    const { kind, name } = patch.target ?? {};
    if (!kind || !name) throw new Error(`${file}: patch ${patch.path} needs target.kind and target.name`);
    const matches = objects.filter((o) => o.kind === kind && o.metadata.name === name);
    if (matches.length !== 1) throw new Error(`${file}: patch ${patch.path} targets ${kind}/${name}, which matches ${matches.length} objects`);
    const ops = parse(readFileSync(path.join(dir, patch.path), 'utf8')) as PatchOp[];
    for (const op of ops) applyOp(matches[0], op, `${patch.path} (${op.op} ${op.path})`);
  }
  return objects;
}

/** Every YAML document in a file, empty ones skipped. */
function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      return doc.toJSON() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Applies one RFC 6902 operation in place; a path that does not resolve is an error, as in kustomize. */
function applyOp(root: K8sObject, op: PatchOp, where: string): void {
  const keys = op.path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop();
  if (last === undefined) throw new Error(`${where}: empty path`);
  let parent: unknown = root;
  for (const key of keys) {
    parent = (parent as Record<string, unknown>)?.[key];
    if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`${where}: ${key} does not exist`);
  }
  if (op.op === 'test') {
    // Guards an index-based op: the patch fails instead of removing the wrong list entry.
    const actual = (parent as Record<string, unknown>)[last];
    if (JSON.stringify(actual) !== JSON.stringify(op.value)) throw new Error(`${where}: expected ${JSON.stringify(op.value)}, found ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    const exists = Number.isInteger(index) && index >= 0 && index < parent.length;
    if (op.op === 'add' && Number.isInteger(index) && index >= 0 && index <= parent.length) parent.splice(index, 0, op.value);
    else if (op.op === 'remove' && exists) parent.splice(index, 1);
    else if (op.op === 'replace' && exists) parent[index] = op.value;
    else throw new Error(`${where}: index ${last} out of range`);
    return;
  }
  const obj = parent as Record<string, unknown>;
  if (op.op !== 'add' && !(last in obj)) throw new Error(`${where}: ${last} does not exist`);
  if (op.op === 'remove') delete obj[last];
  else obj[last] = op.value;
}
