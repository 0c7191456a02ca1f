/**
 * What `clients list` and the dashboard show of each known client: its record,
 * its link estimate and its predicted round time, joined in one place so the
 * Control service and the dashboard's JSON cannot drift apart.
 */
import type { LinkEstimate } from '../../../common/link';
import type { ClientId, ClientRecord } from '../../../common/types';

/** One known client as operators see it. */
export interface ClientView {
  client: ClientRecord;
  /** Undefined until the link tracker heard of the client (or after it forgot it). */
  link?: LinkEstimate;
  /** Predicted round time for the most recent run, ms, when it can be predicted. */
  estimatedRoundMs?: number;
}

/** Where the views come from. */
export interface ClientViewSources {
  registry: { list(): ClientRecord[] };
  links: { get(clientId: ClientId): LinkEstimate | undefined };
  estimateRoundMs?: (clientId: ClientId) => number | undefined;
}

/** Every known client with its link estimate, in the registry's order. */
export function clientViews(sources: ClientViewSources): ClientView[] {
  return sources.registry.list().map((client) => ({ client, link: sources.links.get(client.clientId), estimatedRoundMs: sources.estimateRoundMs?.(client.clientId) }));
}
