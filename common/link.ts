/**
 * Link-quality domain types: what a client reports about its network, what
 * the coordinator observes itself, and the smoothed estimate the scheduler
 * uses. Shared by daemon, coordinator, NATS payloads and CLI.
 */
import type { ClientId } from './types';

/** Radio access types a client may report. */
export const RADIO_TYPES = ['5g-sa', '5g-nsa', 'lte', 'wifi', 'ethernet', 'unknown'] as const;
/** One of RADIO_TYPES. */
export type RadioType = (typeof RADIO_TYPES)[number];

/** A client's view of its own link at one moment. Optional fields are "not known". */
export interface LinkReport {
  clientId: ClientId;
  measuredAtMs: number;
  radio: RadioType;
  slice?: string;
  rttMs?: number;
  jitterMs?: number;
  upMbps?: number;
  downMbps?: number;
  /** Fraction of probes/transfers lost since the last report, 0..1. */
  loss?: number;
  /** Connection resets since the last report. */
  resets?: number;
  metered?: boolean;
  /** 0..1 */
  battery?: number;
  charging?: boolean;
}

/** Something the coordinator measured about a client itself. */
export type CoordinatorObservation =
  | { kind: 'heartbeat-rtt'; clientId: ClientId; atMs: number; rttMs: number }
  /** `bound`: the transfer broke off having moved fewer than `bytes` in `seconds`, so that rate is an upper bound. */
  | { kind: 'transfer'; clientId: ClientId; atMs: number; direction: 'up' | 'down'; bytes: number; seconds: number; bound?: boolean }
  | { kind: 'disconnect'; clientId: ClientId; atMs: number; reason: string };

/** Presence of a client as announced by itself or inferred by the coordinator. */
export type Presence = 'online' | 'offline' | 'draining';

/** The coordinator's smoothed estimate of a client's link. */
export interface LinkEstimate {
  clientId: ClientId;
  presence: Presence | 'unknown';
  radio: RadioType;
  slice?: string;
  /** EWMA values; undefined until a first sample arrived. */
  rttMs?: number;
  jitterMs?: number;
  upMbps?: number;
  downMbps?: number;
  loss?: number;
  /** Total resets reported plus disconnects observed. */
  resets: number;
  disconnects: number;
  metered?: boolean;
  battery?: number;
  charging?: boolean;
  /** Last report or observation of any kind. */
  lastUpdateMs: number;
  /** Last report from the client itself. */
  lastReportMs?: number;
  /** No update within the staleness window. */
  stale: boolean;
  samples: number;
}
