/**
 * The checks that bound what a client sends, at the rpc edge: one table of
 * every client string and which limit bounds it, num_examples against the
 * client's own hello, and the pending-upload slots. Refusals name the flag.
 */
import { InvalidArgumentError, ResourceExhaustedError } from '../../../common/errors';
import { stripControl } from '../../../common/sanitize';
import { LIMITS, type Limits } from '../limits';
import type { Hello__Output } from '../../../proto/gen/fedlink/v1/Hello';

/** Which limit bounds each string field a client sends (ids are bounded by the id rule in wire.ts). */
export const CLIENT_STRINGS = {
  'capabilities.backend': 'maxNameLength',
  'capabilities.dataset': 'maxNameLength',
  'capabilities.partition': 'maxNameLength',
  'capabilities.encodings': 'maxNameLength',
  'capabilities.features': 'maxNameLength',
  'capabilities.models': 'maxNameLength',
  'hello.version': 'maxNameLength',
  'link.radio': 'maxNameLength',
  'link.slice': 'maxNameLength',
  'update.encoding': 'maxNameLength',
  'update.chunk_digest': 'maxNameLength',
  'failure.reason': 'maxTextLength',
  'goodbye.reason': 'maxTextLength',
} as const satisfies Record<string, 'maxNameLength' | 'maxTextLength'>;

/** A client string field named in CLIENT_STRINGS. */
export type ClientString = keyof typeof CLIENT_STRINGS;

/** Refuses `value` over its limit (INVALID_ARGUMENT naming the flag); returns it stripped of control characters. */
export function clientString(value: string, field: ClientString, limits: Limits): string {
  const limit = CLIENT_STRINGS[field];
  if (value.length > limits[limit]) {
    throw new InvalidArgumentError(`${field} is ${value.length} characters, over the limit of ${limits[limit]} (${LIMITS[limit].flag})`);
  }
  return stripControl(value);
}

/** A list of names: at most maxListEntries entries, each checked by clientString. */
export function clientList(values: string[], field: ClientString, limits: Limits): string[] {
  if (values.length > limits.maxListEntries) {
    throw new InvalidArgumentError(`${field} has ${values.length} entries, over the limit of ${limits.maxListEntries} (${LIMITS.maxListEntries.flag})`);
  }
  return values.map((v) => clientString(v, field, limits));
}

/** What a hello declares about the client, checked and cleaned. */
export interface Declaration {
  backend: string;
  dataset: string;
  /** Capabilities.partition, "" when the client trains on all of its data. */
  partition: string;
  datasetSize: number;
  encodings: string[];
  features: string[];
  models: string[];
}

/** Checks a hello's capabilities and dataset size against the limits. */
export function checkHello(hello: Hello__Output, limits: Limits): Declaration {
  const caps = hello.capabilities;
  clientString(hello.version ?? '', 'hello.version', limits);
  return {
    backend: clientString(caps?.backend ?? '', 'capabilities.backend', limits),
    dataset: clientString(caps?.dataset ?? '', 'capabilities.dataset', limits),
    partition: clientString(caps?.partition ?? '', 'capabilities.partition', limits),
    datasetSize: checkCount(Number(hello.datasetSize), 'dataset_size', limits),
    encodings: clientList(caps?.encodings ?? [], 'capabilities.encodings', limits),
    features: clientList(caps?.features ?? [], 'capabilities.features', limits),
    models: clientList(caps?.models ?? [], 'capabilities.models', limits),
  };
}

function checkCount(n: number, field: string, limits: Limits): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${field} must be a non-negative integer, got ${n}`);
  if (n > limits.maxNumExamples) throw new InvalidArgumentError(`${field} ${n} is over the limit of ${limits.maxNumExamples} (${LIMITS.maxNumExamples.flag})`);
  return n;
}

/**
 * An update's (or result's) num_examples: at most what the client declared in
 * its hello, and at most the configured maximum. (`declared` undefined: the
 * client never said hello, only the maximum applies; the round refuses it anyway.)
 */
export function checkNumExamples(n: number, declared: number | undefined, field: string, limits: Limits): number {
  checkCount(n, field, limits);
  if (declared !== undefined && n > declared) {
    throw new InvalidArgumentError(`${field} ${n} is over the dataset_size of ${declared} the client declared in its hello (${LIMITS.maxNumExamples.flag} bounds both)`);
  }
  return n;
}

/** Counts upload calls open now, per client and in total, refusing past the limits. */
export class UploadSlots {
  private total = 0;
  private readonly perClient = new Map<string, number>();

  constructor(private readonly limits: Pick<Limits, 'maxPendingUploads' | 'maxPendingUploadsPerClient'>) {}

  /** Takes a slot for `clientId` (RESOURCE_EXHAUSTED naming the flag when none is free); returns its release, which is idempotent. */
  take(clientId: string): () => void {
    const mine = this.perClient.get(clientId) ?? 0;
    if (mine >= this.limits.maxPendingUploadsPerClient) {
      throw new ResourceExhaustedError(`client ${clientId} already has ${mine} uploads open, the limit (${LIMITS.maxPendingUploadsPerClient.flag})`);
    }
    if (this.total >= this.limits.maxPendingUploads) {
      throw new ResourceExhaustedError(`${this.total} uploads are open, the coordinator's limit (${LIMITS.maxPendingUploads.flag}); retry later`);
    }
    this.total++;
    this.perClient.set(clientId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perClient.get(clientId) ?? 1) - 1;
      if (left > 0) this.perClient.set(clientId, left);
      else this.perClient.delete(clientId);
    };
  }

  /** Upload calls open now. */
  get open(): number {
    return this.total;
  }
}
