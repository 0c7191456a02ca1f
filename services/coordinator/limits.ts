/**
 * Limits against hostile (or broken) callers, in one registry: each is a
 * `fedlink coordinator` flag with a safe default, and every refusal names its
 * flag. Kept free of grpc and TFJS imports: the CLI reads it to build its flags.
 */

/** Every limit, complete (what CoordinatorConfig carries). */
export interface Limits {
  /** Open TCP connections per listening address; more are closed at once (a daemon holds two: control and transfers). @default 25000 */
  maxConnections: number;
  /** Concurrent HTTP/2 streams (calls) per connection (`grpc.max_concurrent_streams`). @default 100 */
  maxStreamsPerConnection: number;
  /** A connection with no call open for this long is closed (`grpc.max_connection_idle_ms`), ms. @default 300000 */
  connectionIdleMs: number;
  /** A connection that has not completed its TLS handshake and HTTP/2 preface within this long is closed, ms. @default 10000 */
  handshakeTimeoutMs: number;
  /** An upload call that delivers no chunk for this long is ended; longer than one chunk takes on the slowest uplink served, ms. @default 120000 */
  uploadIdleMs: number;
  /** Upload (PushUpdate) calls open at once, all clients together. @default 4096 */
  maxPendingUploads: number;
  /** Upload calls open at once per client (one, plus a resume overlapping a broken call). @default 4 */
  maxPendingUploadsPerClient: number;
  /** Runs kept in memory (pending or running) at once; finished runs are released, their records stay in the store. @default 16 */
  maxActiveRuns: number;
  /** Largest num_examples (and hello dataset_size) a client may declare; an update's is also bounded by its client's hello. @default 10000000 */
  maxNumExamples: number;
  /** Longest name a client sends (backend, dataset, encodings, features, models, radio, slice), characters; ids follow the id rule (128). @default 128 */
  maxNameLength: number;
  /** Longest free text a client sends (failure and goodbye reasons), characters. @default 1024 */
  maxTextLength: number;
  /** Most entries in a list a client sends (encodings, features, models). @default 32 */
  maxListEntries: number;
  /** A client disconnected for this long is forgotten (memory and store), ms. @default 604800000 (7 days) */
  forgetClientsAfterMs: number;
  /** Client ids known at once; at the cap the longest-disconnected is forgotten, and a new id is refused when all are connected. @default 100000 */
  maxKnownClients: number;
  /** Inputs in one Predict call. @default 1024 */
  maxPredictBatch: number;
  /** Input bytes in one Predict call (float32: 4 per value); below grpc's 4 MiB message cap. @default 4000000 */
  maxPredictBytes: number;
  /** Models kept built for Predict at once (the latest of each run served, plus pinned rounds); the least recently used goes. @default 8 */
  maxServedModels: number;
}

/** How a limit's flag value is written: a count, a duration ('30s') or a length in characters. */
export type LimitKind = 'count' | 'duration' | 'length';

/** The registry: flag, default and help of every limit. */
export const LIMITS: { readonly [K in keyof Limits]: { flag: string; default: number; kind: LimitKind; help: string } } = {
  maxConnections: { flag: '--max-connections', default: 25_000, kind: 'count', help: 'open TCP connections per listening address (a daemon holds two); more are closed at once' },
  maxStreamsPerConnection: { flag: '--max-streams-per-connection', default: 100, kind: 'count', help: 'concurrent calls (HTTP/2 streams) per connection' },
  connectionIdleMs: { flag: '--connection-idle-timeout', default: 300_000, kind: 'duration', help: 'a connection with no call open this long is closed' },
  handshakeTimeoutMs: { flag: '--handshake-timeout', default: 10_000, kind: 'duration', help: 'a connection that has not finished its TLS handshake and HTTP/2 preface this long is closed' },
  uploadIdleMs: { flag: '--upload-idle-timeout', default: 120_000, kind: 'duration', help: 'an upload that delivers no chunk this long is ended (keep it above one chunk time on the slowest uplink)' },
  maxPendingUploads: { flag: '--max-pending-uploads', default: 4096, kind: 'count', help: 'upload calls open at once, all clients together' },
  maxPendingUploadsPerClient: { flag: '--max-pending-uploads-per-client', default: 4, kind: 'count', help: 'upload calls open at once per client' },
  maxActiveRuns: { flag: '--max-active-runs', default: 16, kind: 'count', help: 'runs pending or running at once (kept in memory); finished runs are released, their records stay in the store' },
  maxNumExamples: { flag: '--max-num-examples', default: 10_000_000, kind: 'count', help: "largest num_examples or dataset_size a client may declare (an update's is also bounded by its hello)" },
  maxNameLength: { flag: '--max-name-length', default: 128, kind: 'length', help: 'longest name a client sends (backend, dataset, encodings, models, radio, ...), characters' },
  maxTextLength: { flag: '--max-text-length', default: 1024, kind: 'length', help: 'longest free text a client sends (failure and goodbye reasons), characters' },
  maxListEntries: { flag: '--max-list-entries', default: 32, kind: 'count', help: 'most entries in a list a client sends (encodings, features, models)' },
  forgetClientsAfterMs: { flag: '--forget-clients-after', default: 7 * 24 * 3_600_000, kind: 'duration', help: 'a client disconnected this long is forgotten (memory and store)' },
  maxKnownClients: { flag: '--max-known-clients', default: 100_000, kind: 'count', help: 'client ids known at once; at the cap the longest-disconnected one is forgotten' },
  maxPredictBatch: { flag: '--max-predict-batch', default: 1024, kind: 'count', help: 'inputs in one Predict call' },
  maxPredictBytes: { flag: '--max-predict-bytes', default: 4_000_000, kind: 'count', help: 'input bytes in one Predict call (float32: 4 per value)' },
  maxServedModels: { flag: '--max-served-models', default: 8, kind: 'count', help: 'models kept built for Predict at once (latest per run and pinned rounds); the least recently used goes' },
};

/** The limit names, in registry order. */
export const LIMIT_NAMES = Object.keys(LIMITS) as Array<keyof Limits>;

/** Every limit at its default. */
export const DEFAULT_LIMITS: Limits = Object.fromEntries(LIMIT_NAMES.map((k) => [k, LIMITS[k].default])) as unknown as Limits;

/** Defaults applied to a partial set of limits. */
export function limitsWithDefaults(over: Partial<Limits> = {}): Limits {
  const out = { ...DEFAULT_LIMITS };
  for (const k of LIMIT_NAMES) if (over[k] !== undefined) out[k] = over[k];
  return out;
}
