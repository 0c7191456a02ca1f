/**
 * Every series the coordinator exports, in one table (docs/metrics.md and the
 * Grafana dashboard's test derive from it). Cardinality is bounded on purpose:
 * no client id and no run id is ever a label, so a fleet of 100,000 devices
 * costs the same handful of series as a fleet of three.
 */
import { DURATION_BUCKETS, type SeriesDef } from '../../../common/metrics/series';

/** Phases a round's time is split into (the `phase` label). */
export const ROUND_PHASES = ['download', 'train', 'upload', 'aggregate', 'commit'] as const;
/** A round phase. */
export type RoundPhase = (typeof ROUND_PHASES)[number];

/** Why a selected client did not report (the `reason` label; classify-drop.ts maps the free-text reasons). */
export const DROP_REASONS = ['deadline', 'disconnected', 'task-failed', 'rejected', 'cancelled', 'other'] as const;
/** A drop reason. */
export type DropReason = (typeof DROP_REASONS)[number];

/** Values of the `presence` label of tracked clients. */
export const PRESENCES = ['online', 'offline', 'draining', 'unknown'] as const;

/** Throughput buckets, bytes per second: 10 kB/s to 1 GB/s. */
const THROUGHPUT_BUCKETS = [1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9];
/** Round-trip buckets, seconds. */
const RTT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Link rate buckets, Mbit/s. */
const MBPS_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
/** Store operation buckets, seconds. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** The coordinator's series, by the name the recorder uses. */
export const COORDINATOR_SERIES = {
  rounds: {
    name: 'fedlink_rounds_total', type: 'counter', labels: ['state'],
    help: 'Round attempts that reached each state: training, aggregating, evaluating (server-side evaluation), committed, failed (one that could not start goes straight to failed).',
  },
  roundDuration: {
    name: 'fedlink_round_duration_seconds', type: 'histogram', labels: ['state'], buckets: DURATION_BUCKETS,
    help: 'Start to end of finished round attempts, by final state (committed or failed).',
  },
  phaseDuration: {
    name: 'fedlink_round_phase_duration_seconds', type: 'histogram', labels: ['phase'], buckets: DURATION_BUCKETS,
    help: `Time spent in each phase (${ROUND_PHASES.join(', ')}): download, train and upload per client as the coordinator saw them, aggregate and commit per round.`,
  },
  runsActive: {
    name: 'fedlink_runs_active', type: 'gauge', labels: [],
    help: 'Runs pending or running on this coordinator.',
  },
  clientsConnected: {
    name: 'fedlink_clients_connected', type: 'gauge', labels: [],
    help: 'Clients with an open session now.',
  },
  clientsSelected: {
    name: 'fedlink_clients_selected_total', type: 'counter', labels: [],
    help: 'Clients selected into rounds (one per client per finished round attempt).',
  },
  clientsDropped: {
    name: 'fedlink_clients_dropped_total', type: 'counter', labels: ['reason'],
    help: `Selected clients that did not report, by reason (${DROP_REASONS.join(', ')}).`,
  },
  transferBytes: {
    name: 'fedlink_transfer_bytes_total', type: 'counter', labels: ['direction', 'encoding'],
    help: 'Model (down) and update (up) bytes of finished round attempts, by encoding (top-k without its fraction).',
  },
  transferThroughput: {
    name: 'fedlink_transfer_throughput_bytes_per_second', type: 'histogram', labels: ['direction', 'encoding'], buckets: THROUGHPUT_BUCKETS,
    help: 'Per-client transfer rate, bytes over the time the coordinator saw the transfer take.',
  },
  transferResumes: {
    name: 'fedlink_transfer_resumes_total', type: 'counter', labels: [],
    help: 'Uploads resumed after a broken connection.',
  },
  linkRtt: {
    name: 'fedlink_link_rtt_seconds', type: 'histogram', labels: [], buckets: RTT_BUCKETS,
    help: 'Smoothed round-trip estimates, observed at every link update (no per-client label).',
  },
  linkRate: {
    name: 'fedlink_link_rate_mbps', type: 'histogram', labels: ['direction'], buckets: MBPS_BUCKETS,
    help: 'Smoothed throughput estimates, Mbit/s, observed at every link update (no per-client label).',
  },
  linkClients: {
    name: 'fedlink_link_clients', type: 'gauge', labels: ['presence'],
    help: `Clients the link tracker follows, by presence (${PRESENCES.join(', ')}).`,
  },
  storeDuration: {
    name: 'fedlink_store_operation_duration_seconds', type: 'histogram', labels: ['operation', 'outcome'], buckets: STORE_BUCKETS,
    help: 'Latency of store operations (putRound, putModel, ...), by outcome (ok or error).',
  },
  rpcRefusals: {
    name: 'fedlink_rpc_refusals_total', type: 'counter', labels: ['method', 'code'],
    help: 'Calls answered with a status other than OK, by gRPC method and status name.',
  },
} as const satisfies Record<string, SeriesDef>;
