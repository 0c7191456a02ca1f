/**
 * A fake fleet for round-engine unit tests: clients are ids in a set, dispatched
 * tasks are recorded, and the test decides what each client does.
 */
import type { ClientId, TrainTask } from '../../common/types';
import type { ClientTraits, FleetChange, FleetPort } from '../../services/coordinator/rounds/fleet-port';

/** In-memory FleetPort with hooks for tests. */
export class FakeFleet implements FleetPort {
  readonly connected = new Set<ClientId>();
  readonly busy = new Map<ClientId, string>();
  readonly dispatched: TrainTask[] = [];
  readonly cancelled: Array<{ clientId: ClientId; taskId: string; reason: string }> = [];
  private readonly listeners = new Set<(c: FleetChange) => void>();
  /** Called on every dispatch, so a test can script the client's behaviour. */
  onDispatch: (clientId: ClientId, task: TrainTask) => void = () => {};

  constructor(clients: ClientId[] = []) {
    for (const c of clients) this.connected.add(c);
  }

  connect(clientId: ClientId): void {
    this.connected.add(clientId);
    this.emit({ type: 'connected', clientId });
  }

  disconnect(clientId: ClientId): void {
    this.connected.delete(clientId);
    this.busy.delete(clientId);
    this.emit({ type: 'disconnected', clientId, reason: 'test' });
  }

  idleClients(): ClientId[] {
    return [...this.connected].filter((c) => !this.busy.has(c));
  }

  dispatch(clientId: ClientId, task: TrainTask): boolean {
    if (!this.connected.has(clientId)) return false;
    this.busy.set(clientId, task.taskId);
    this.dispatched.push(task);
    this.onDispatch(clientId, task);
    return true;
  }

  cancel(clientId: ClientId, taskId: string, reason: string): void {
    this.cancelled.push({ clientId, taskId, reason });
  }

  release(clientId: ClientId, taskId: string): void {
    if (this.busy.get(clientId) === taskId) {
      this.busy.delete(clientId);
      this.emit({ type: 'idle', clientId });
    }
  }

  /** Dataset sizes and idle-since times a test wants selection to see. */
  readonly info = new Map<ClientId, ClientTraits>();

  describe(clientId: ClientId): ClientTraits | undefined {
    const defaults = { datasetSize: 100, idleSinceMs: 0, encodings: ['float32', 'float16', 'int8', 'topk', 'topk+int8'], features: ['sparse-average'] };
    return this.connected.has(clientId) ? (this.info.get(clientId) ?? defaults) : undefined;
  }

  onChange(listener: (change: FleetChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(c: FleetChange): void {
    for (const l of [...this.listeners]) l(c);
  }
}
