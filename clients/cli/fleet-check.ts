/**
 * What the coordinator's fleet says about a run that is about to train: a
 * warning when fewer clients are connected than it selects per round (the
 * rounds then wait, and fail after --wait-for-clients if --min-clients never
 * show up), and daemons that hold the same data partition (each daemon needs
 * its own --index, or they all train on the same examples).
 */
import type { ClientInfo__Output } from '../../proto/gen/fedlink/v1/ClientInfo';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import type { ControlConnection } from './control-client';
import { writeLine, type Output } from './context';
import { CoordinatorCallError } from './errors';
import { formatDuration } from './format';

/** Client status of a daemon with an open session. */
const CONNECTED = 'connected';

/** The warning for `run` given the fleet, or undefined when enough clients are connected (or the run is not started). */
export function fewClientsWarning(run: Run__Output, clients: ClientInfo__Output[]): string | undefined {
  const c = run.config;
  if (!c || run.state === 'pending') return undefined;
  const connected = clients.filter((x) => x.status === CONNECTED).length;
  if (connected >= c.clientsPerRound) return undefined;
  // As the coordinator selects: it takes whoever is idle once --min-clients are (after a short grace), else fails the round after --wait-for-clients.
  const then =
    connected >= c.minClients
      ? 'rounds train with the clients there are'
      : `each round waits up to ${formatDuration(c.waitForClientsMs)} for --min-clients ${c.minClients}, then fails`;
  return `warning: ${connected} client(s) connected, fewer than --clients-per-round ${c.clientsPerRound}: ${then} (see fedlink clients list)`;
}

/** Writes fewClientsWarning to `err`; a coordinator that refuses ListClients (a role without it) just means no check. */
export async function warnIfFewClients(control: ControlConnection, run: Run__Output, err: Output): Promise<void> {
  if (run.state === 'pending') return;
  let clients: ClientInfo__Output[];
  try {
    clients = (await control.listClients()).clients;
  } catch (e) {
    if (e instanceof CoordinatorCallError) return;
    throw e;
  }
  const warning = fewClientsWarning(run, clients);
  if (warning) writeLine(err, `fedlink: ${warning}`);
}

/** Connected clients that share a data partition with another connected client, keyed by the partition. */
export function sharedPartitions(clients: ClientInfo__Output[]): Map<string, string[]> {
  const byPartition = new Map<string, string[]>();
  for (const c of clients) {
    if (c.status !== CONNECTED || !c.partition) continue;
    const key = `${c.dataset} ${c.partition}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), c.clientId]);
  }
  return new Map([...byPartition].filter(([, ids]) => ids.length > 1));
}
