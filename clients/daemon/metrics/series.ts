/**
 * Every series an edge daemon exports, in one table (docs/metrics.md and the
 * Grafana dashboard's test derive from it). A daemon is one device, so its
 * series carry no client label: Prometheus adds the scrape target's.
 */
import { DURATION_BUCKETS, type SeriesDef } from '../../../common/metrics/series';

/** Task outcomes (the `outcome` label). */
export const TASK_OUTCOMES = ['started', 'finished', 'failed'] as const;

/** The daemon's series, by the name the recorder uses. */
export const DAEMON_SERIES = {
  connected: {
    name: 'fedlink_daemon_connected', type: 'gauge', labels: [],
    help: '1 while the session with the coordinator is open, else 0.',
  },
  reconnects: {
    name: 'fedlink_daemon_reconnects_total', type: 'counter', labels: [],
    help: 'Sessions opened again after the first (the coordinator restarted, failed over or the link broke).',
  },
  reconnectAttempts: {
    name: 'fedlink_daemon_reconnect_attempts_total', type: 'counter', labels: [],
    help: 'Connection attempts scheduled after a lost or refused session.',
  },
  tasks: {
    name: 'fedlink_daemon_tasks_total', type: 'counter', labels: ['outcome'],
    help: `Training tasks by outcome (${TASK_OUTCOMES.join(', ')}); finished means the update was accepted.`,
  },
  trainingDuration: {
    name: 'fedlink_daemon_training_duration_seconds', type: 'histogram', labels: [], buckets: DURATION_BUCKETS,
    help: 'Local training time per task (without download and upload).',
  },
  transferBytes: {
    name: 'fedlink_daemon_transfer_bytes_total', type: 'counter', labels: ['direction'],
    help: 'Bytes of finished transfers: model downloads (down) and update uploads (up).',
  },
  transferDuration: {
    name: 'fedlink_daemon_transfer_duration_seconds', type: 'histogram', labels: ['direction'], buckets: DURATION_BUCKETS,
    help: 'Time of finished transfers, by direction.',
  },
  transferResumes: {
    name: 'fedlink_daemon_transfer_resumes_total', type: 'counter', labels: ['direction'],
    help: 'Transfers resumed after a broken connection, by direction.',
  },
  linkRtt: {
    name: 'fedlink_daemon_link_rtt_seconds', type: 'gauge', labels: [],
    help: 'Smoothed heartbeat round trip, as last reported to the coordinator.',
  },
  linkRate: {
    name: 'fedlink_daemon_link_rate_mbps', type: 'gauge', labels: ['direction'],
    help: 'Smoothed transfer throughput, Mbit/s, as last reported to the coordinator.',
  },
} as const satisfies Record<string, SeriesDef>;
