import type { NatsConnectOptions } from '../../common/nats-options';
import type { CaMaterial } from '../../common/pki/certificates';
import type { TlsMaterial } from '../../common/pki/files';
import type { Limits } from './limits';

/** Options of a coordinator process, as `fedlink coordinator` flags set them. */
export interface CoordinatorOptions {
  /** Address to listen on. @default '0.0.0.0' with TLS, '127.0.0.1' without */
  host?: string;
  /**
   * The coordinator's certificate, key and the deployment CA: serve TLS, verify
   * client certificates against the CA and take identities from them. Without
   * it the coordinator listens on loopback only, unless `insecure`.
   */
  tls?: TlsMaterial;
  /** The CA's certificate and key: lets the coordinator enroll devices (sign their CSRs). */
  ca?: CaMaterial;
  /** Serve plaintext on a non-loopback address (no identities: anyone reaching the port is trusted). @default false */
  insecure?: boolean;
  /** gRPC port; 0 picks a free one (printed on start). @default 50051 */
  port?: number;
  /** Port of the read-only web dashboard (docs/dashboard.md); 0 picks a free one. @default no dashboard */
  httpPort?: number;
  /** Address the dashboard listens on; beyond loopback it needs TLS (then operator certificates) or `insecure`. @default '127.0.0.1' */
  httpHost?: string;
  /** Fashion-MNIST directory for server-side evaluation. @default '/usr/share/datasets/fashion-mnist' */
  dataDir?: string;
  /** Heartbeat interval asked of clients, ms. @default 2000 */
  heartbeatIntervalMs?: number;
  /** A client silent for this long is considered gone, ms. @default 10000 */
  clientTimeoutMs?: number;
  /** Largest accepted update, bytes. @default 512 MiB */
  maxUpdateBytes?: number;
  /** How long a graceful shutdown waits for in-flight transfers, ms. @default 5000 */
  drainTimeoutMs?: number;
  /** A link estimate with no report or observation for this long is stale, ms. @default 15000 */
  linkStaleAfterMs?: number;
  /** A client silent on every channel for this long is offline, ms. @default 30000 */
  linkOfflineAfterMs?: number;
  /** A client silent on every channel for this long is forgotten by the link tracker, ms. @default 600000 (10 min) */
  linkForgetAfterMs?: number;
  /** Most clients the link tracker follows at once; news of further ids is refused and counted. @default 100000 */
  maxTrackedClients?: number;
  /** A selected client whose session breaks may reconnect and resume within this long before it is dropped, ms. @default 10000 */
  reconnectGraceMs?: number;
  /**
   * Directory for the journals of uploads that do not stay in memory (see
   * journalMemoryBytes), held until their round folds them. @default <tmpdir>/fedlink-spool-<pid>, removed on stop
   */
  spoolDir?: string;
  /** What upload journals may hold in memory in all, bytes; past it uploads go to the spool. @default min(RAM / 8, 4 GiB) (journal-memory.ts) */
  journalMemoryBytes?: number;
  /** Largest upload journaled in memory, bytes. @default journalMemoryBytes / 4 */
  journalMemoryPerUpdateBytes?: number;
  /** Largest |value| (float32 weights, or a delta's decoded values) an update may carry; uploads with larger, NaN or infinite values are refused before anything is folded. @default 1e30 */
  updateValueBound?: number;
  /** Transfer chunk size (model downloads; the largest upload chunk asked of clients), bytes. @default 1 MiB */
  chunkBytes?: number;
  /**
   * HTTP/2 receive window, per upload stream and per connection, bytes: an upload
   * moves at most this much per round trip, and a client can have this much in
   * flight per upload. @default 4 MiB (grpc-js alone leaves Node's 64 KiB)
   */
  receiveWindowBytes?: number;
  /**
   * Directory of the embedded durable store (runs, rounds, clients, checkpoints as
   * files); a coordinator restarted on it resumes its runs. Unset: in memory only.
   */
  stateDir?: string;
  /**
   * Where state lives: 'file' (stateDir), 'jetstream' (KV + Object Store on the
   * `nats` connection) or 'memory'. @default 'file' when stateDir is set, else 'memory'
   */
  store?: 'file' | 'jetstream' | 'memory';
  /** Replicas of the JetStream buckets (3 on a 3-node cluster). @default 1 */
  storeReplicas?: number;
  /**
   * High availability: compete for a leader lease in the JetStream store's
   * NATS; only the holder runs rounds and writes state, the others stand by
   * (read-only Control, Fleet refused) and take over when the lease expires.
   * Needs store 'jetstream'. @default false
   */
  ha?: boolean;
  /** The address this coordinator advertises while it leads. @default 127.0.0.1:<port> (or host:port) */
  advertise?: string;
  /** Leader lease lifetime without renewal, ms. @default 6000 */
  leaseTtlMs?: number;
  /** Checkpoints kept per run: the newest N. @default 3 */
  keepCheckpoints?: number;
  /** Also keep every Kth round's checkpoint (0: none). @default 0 */
  checkpointEvery?: number;
  /** NATS connection; without it an in-process event bus is used. */
  nats?: NatsConnectOptions;
  /** Serve Prometheus /metrics on this port (0 picks a free one); unset: no metrics. */
  metricsPort?: number;
  /** Address the /metrics listener binds. @default '127.0.0.1' */
  metricsHost?: string;
  /** @default 'info' */
  logLevel?: string;
  /** Limits against hostile callers; each field is documented, with its @default and flag, in limits.ts. */
  limits?: Partial<Limits>;
}
