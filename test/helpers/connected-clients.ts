/** Waiting for daemons to connect, as e2e, integration and container tests all do before a run. */
import { waitFor } from '../../common/wait-for';

/** Anything that lists clients as the Control API does. */
export interface ClientLister {
  listClients(): Promise<{ clients: { status?: string }[] }>;
}

/** How many clients the coordinator reports connected now. */
export async function connectedCount(control: ClientLister): Promise<number> {
  return (await control.listClients()).clients.filter((c) => c.status === 'connected').length;
}

/** Resolves once exactly `n` clients are connected (`atLeast`: n or more); rejects after `timeoutMs`. */
export async function waitForConnected(
  control: ClientLister,
  n: number,
  options: { label?: string; timeoutMs?: number; everyMs?: number; atLeast?: boolean } = {},
): Promise<void> {
  const enough = (count: number) => (options.atLeast ? count >= n : count === n);
  await waitFor(options.label ?? `${n} connected clients`, async () => (enough(await connectedCount(control)) ? true : undefined), options.timeoutMs ?? 120_000, options.everyMs);
}
