/** Options of an edge client daemon, as `fedlink client` flags set them. */
export interface DaemonOptions {
  /** Coordinator address host:port. */
  coordinator: string;
  /** This client's id (bound to its credentials once auth is on). */
  clientId: string;
  /** Local dataset name. @default 'fashion-mnist' */
  dataset?: 'fashion-mnist';
  /** Dataset directory. @default '/usr/share/datasets/fashion-mnist' */
  dataDir?: string;
  /** Partition spec: 'iid' | 'dirichlet:<alpha>' | 'labels:<k>'. @default 'iid' */
  partition?: string;
  /** Number of partitions the training set is cut into. @default 10 */
  numPartitions?: number;
  /** Which partition this client holds (0-based). @default 0 */
  index?: number;
  /** Seed of the partitioning (same seed on every client). @default 42 */
  seed?: number;
  /** Use only the first N examples of the training set before partitioning (small, fast runs). */
  maxExamples?: number;
  /** Bearer token sent in metadata. */
  token?: string;
  /** Reconnect backoff bounds, ms. @default 500 / 15000 */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** @default 'info' */
  logLevel?: string;
}
