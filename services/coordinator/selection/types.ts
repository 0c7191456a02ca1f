/**
 * Contract of the client selection policies: what a policy is told about each
 * idle client and about the round, and what it answers. Policies are pure
 * functions of these inputs; randomness and time arrive in the context.
 */
import type { LinkEstimate } from '../../../common/link';
import type { Rng } from '../../../common/random';
import type { ClientId, SelectionPolicyName } from '../../../common/types';

/** What one past round of this run looked like from one client's side. */
export interface ClientRoundHistory {
  round: number;
  selected: boolean;
  reported: boolean;
  /** Examples trained on (FedAvg n_k), when it reported. */
  examples?: number;
  trainLoss?: number;
  /** Local training time, all epochs, ms. */
  computeMs?: number;
  downloadMs?: number;
  uploadMs?: number;
  /** Dispatch → update accepted, ms. */
  actualMs?: number;
  predictedMs?: number;
  /** Set when it was cut off at a deadline without reporting: how long it had been working, ms. */
  missedDeadlineMs?: number;
}

/** A client's selection history in the current run. */
export interface ClientHistory {
  timesSelected: number;
  lastSelectedRound?: number;
  /** Most recent last, capped by the coordinator. */
  rounds: ClientRoundHistory[];
}

/** An idle client the policy may pick. */
export interface Candidate {
  clientId: ClientId;
  datasetSize: number;
  /** When it last became idle (clock ms). */
  idleSinceMs: number;
  link?: LinkEstimate;
  history: ClientHistory;
}

/** The round the policy selects for. */
export interface SelectionContext {
  round: number;
  /** clients_per_round */
  count: number;
  /** >= 1; the policy picks up to ceil(count × overSelection). */
  overSelection: number;
  /** Round deadline as a duration, ms; 0 or Infinity means none. */
  roundDeadlineMs: number;
  modelBytes: number;
  updateBytes: number;
  localEpochs: number;
  batchSize: number | 'full';
  nowMs: number;
  rng: Rng;
}

/** Predicted download + compute + upload time of one client, ms. */
export interface Prediction {
  downloadMs: number;
  computeMs: number;
  uploadMs: number;
  totalMs: number;
  /** Where the figures came from: link estimates, the client's own history, both, or priors only. */
  basis: 'link+history' | 'link' | 'history' | 'prior';
}

/** Who was picked (in pick order) and why everyone else was not. */
export interface SelectionResult {
  selected: Array<{ clientId: ClientId; predictedMs?: number }>;
  skipped: Array<{ clientId: ClientId; reason: string; predictedMs?: number }>;
}

/** A selection policy: pure, deterministic for a given context (including its rng). */
export type SelectionPolicy = (candidates: Candidate[], ctx: SelectionContext) => SelectionResult;

/** Names `--selection` accepts. */
export const SELECTION_POLICIES = ['random', 'fcfs', 'sjf', 'round-robin', 'deadline', 'utility'] as const;

// Compile-time check that this list and common/types' SelectionPolicyName agree both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const namesAgree: Same<(typeof SELECTION_POLICIES)[number], SelectionPolicyName> = true;
void namesAgree;
