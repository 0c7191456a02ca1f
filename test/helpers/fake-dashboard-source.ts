/** A dashboard source held in memory, for tests of the dashboard's server and page without a coordinator. */
import { EventBus } from '../../common/event-bus';
import { NotFoundError } from '../../common/errors';
import type { LinkEstimate } from '../../common/link';
import type { ClientRecord, RoundRecord, RunConfig, RunRecord } from '../../common/types';
import type { DashboardSource } from '../../services/coordinator/dashboard/dashboard-source';
import type { RunEvent } from '../../services/coordinator/rounds/run-driver';

/** A run record with just enough in it for the page. */
export function fakeRun(runId: string, over: Partial<RunRecord> = {}): RunRecord {
  const config = { rounds: 5, clientsPerRound: 2, minClients: 1, strategy: 'fedavg', model: 'mlp' } as RunConfig;
  return {
    runId, state: 'running', config, currentRound: 1, committedRounds: 0, createdAtMs: 1_700_000_000_000, updatedAtMs: 1_700_000_000_000, modelVersion: 'v0',
    model: { name: 'mlp', inputShape: [784], numClasses: 10, tensors: [{ name: 'w', shape: [784, 10] }, { name: 'b', shape: [10] }], topology: '{"big":"json"}' },
    ...over,
  };
}

/** A round of `runId` with the given clients. */
export function fakeRound(runId: string, round: number, clients: RoundRecord['clients'], over: Partial<RoundRecord> = {}): RoundRecord {
  return { runId, round, attempt: 1, state: 'training', startedAtMs: 1_700_000_000_000, deadlineMs: 1_700_000_060_000, clients, bytesDown: 0, bytesUp: 0, modelVersion: 'v0', ...over };
}

/** A connected client. */
export function fakeClient(clientId: string, over: Partial<ClientRecord> = {}): ClientRecord {
  return { clientId, status: 'connected', backend: 'wasm', dataset: 'fashion-mnist', datasetSize: 100, encodings: ['float32'], models: ['mlp'], connectedAtMs: 1_700_000_000_000, lastSeenMs: 1_700_000_000_000, peer: '127.0.0.1:1', ...over };
}

/** The fake: mutate its maps, publish on its buses, fire fleet changes. */
export class FakeDashboardSource implements DashboardSource {
  readonly runs = new Map<string, RunRecord>();
  readonly rounds = new Map<string, RoundRecord[]>();
  readonly clientRecords: ClientRecord[] = [];
  readonly links = new Map<string, LinkEstimate>();
  readonly runBus = new EventBus<RunEvent>();
  readonly linkBus = new EventBus<unknown>();
  private readonly fleetListeners = new Set<() => void>();
  /** Whether the fake plays an HA standby (runs driven elsewhere: no run events, the store is followed). */
  standbyNow = false;

  standby(): boolean {
    return this.standbyNow;
  }

  async listRuns(): Promise<RunRecord[]> {
    return [...this.runs.values()];
  }

  async getRun(runId: string): Promise<RunRecord> {
    const run = this.runs.get(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    return run;
  }

  async listRounds(runId: string): Promise<RoundRecord[]> {
    await this.getRun(runId);
    return this.rounds.get(runId) ?? [];
  }

  clients() {
    return this.clientRecords.map((client) => ({ client, link: this.links.get(client.clientId) }));
  }

  runEvents() {
    return this.runBus.subscribe();
  }

  linkEvents() {
    return this.linkBus.subscribe();
  }

  onFleetChange(listener: () => void): () => void {
    this.fleetListeners.add(listener);
    return () => this.fleetListeners.delete(listener);
  }

  /** Tells listeners the fleet changed. */
  fleetChanged(): void {
    for (const l of this.fleetListeners) l();
  }

  /** Listeners subscribed now (0 once the dashboard stopped). */
  get fleetListenerCount(): number {
    return this.fleetListeners.size;
  }
}
