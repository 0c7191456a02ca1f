/**
 * What the round engine needs from the fleet of connected clients. The gRPC
 * session registry implements it; unit tests pass a fake, so the engine is
 * tested without a network.
 */
import type { ClientId, TrainTask } from '../../../common/types';

/** A change in who is connected. */
export type FleetChange =
  | { type: 'connected'; clientId: ClientId }
  | { type: 'disconnected'; clientId: ClientId; reason: string }
  | { type: 'idle'; clientId: ClientId }
  /** Disconnected long enough (or pushed out by the cap on known clients) to be forgotten. */
  | { type: 'forgotten'; clientId: ClientId };

/** What selection and encoding choice know of a connected client (from its hello). */
export interface ClientTraits {
  datasetSize: number;
  idleSinceMs: number;
  encodings: string[];
  /** Capabilities.features, e.g. 'sparse-average'. */
  features?: string[];
  /** Capabilities.models: what the device agrees to train (empty: it did not say). */
  models?: string[];
}

/** The engine's view of the fleet. */
export interface FleetPort {
  /** Clients connected now and not working on a task. */
  idleClients(): ClientId[];
  /** Sends a task on the client's control stream; false if it is not connected. */
  dispatch(clientId: ClientId, task: TrainTask): boolean;
  /** Tells a client to abandon a task. */
  cancel(clientId: ClientId, taskId: string, reason: string): void;
  /** Marks a client free of its task (it settled one way or another). */
  release(clientId: ClientId, taskId: string): void;
  /** What selection needs to know of a connected client. */
  describe(clientId: ClientId): ClientTraits | undefined;
  /** Subscribes to connects and disconnects; returns the unsubscribe function. */
  onChange(listener: (change: FleetChange) => void): () => void;
}
