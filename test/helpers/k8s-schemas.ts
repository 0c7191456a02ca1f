/**
 * Validates rendered Kubernetes objects against the Kubernetes OpenAPI schemas
 * (the `kubernetes-models` classes), and reads the parts of workloads the
 * manifest tests check. A kind without a schema here is an error, not a pass.
 */
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import type { IContainer, IPodTemplateSpec } from 'kubernetes-models/v1';
import type { K8sObject } from './k8s-kustomize';

/** One schema per apiVersion/kind the manifests use. */
const SCHEMAS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** Throws with the schema's complaints when the object does not validate (or has no schema here). */
export function validateObject(o: K8sObject): void {
  const Model = SCHEMAS[`${o.apiVersion}/${o.kind}`];
  if (!Model) throw new Error(`${o.apiVersion} ${o.kind} ${o.metadata?.name}: no schema for this kind in test/helpers/k8s-schemas.ts`);
  try {
    new Model(o as never).validate();
  } catch (err) {
    throw new Error(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`, { cause: err });
  }
}

/** A workload: a Deployment or StatefulSet with its pod template. */
export interface Workload {
  object: K8sObject;
  replicas: number;
  selector: Record<string, string>;
  template: IPodTemplateSpec;
}

/** The Deployments and StatefulSets among `objects`. */
export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const spec = o.spec as { replicas?: number; selector: { matchLabels?: Record<string, string> }; template: IPodTemplateSpec };
      return { object: o, replicas: spec.replicas ?? 1, selector: spec.selector.matchLabels ?? {}, template: spec.template };
    });
}

/** The object of `kind` named `name`; throws when missing. */
export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name} in the rendered manifests`);
  return found;
}

/** The container named `name` in a pod template; throws when missing. */
export function container(template: IPodTemplateSpec, name: string): IContainer {
  const found = template.spec?.containers.find((c) => c.name === name);
  if (!found) throw new Error(`no container named ${name}`);
  return found;
}

/** Whether every label of `selector` is on `labels` (an empty selector matches nothing here: ours never are). */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}
