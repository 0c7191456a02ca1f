/**
 * Options of an edge client daemon, as `fedlink client` flags set them, and
 * their compilation (Temporal style) into one complete, validated config.
 */
import { CLIENT_ID_PATTERN } from '../../common/client-id';
import { InvalidArgumentError } from '../../common/errors';
import { RADIO_TYPES } from '../../common/link';
import type { NatsConnectOptions } from '../../common/nats-options';
import type { ModelName } from '../../common/types';
import { MODEL_NAMES } from '../trainer/model-names';
import type { DeclaredLink } from './link-monitor';
import { DEFAULT_TASK_LIMITS, DEVICE_MODEL_KINDS, type TaskLimits } from './task-limits';
import { credentialsSource, type CredentialsSource } from './credentials-source';
import { DEFAULT_DATA, parseDataSpec } from '../trainer/data/readers';
import type { LocalDataOptions } from '../trainer/local-data';
import { parsePartitionSpec } from '../trainer/partition';

/** Options of an edge client daemon, as `fedlink client` flags set them. */
export interface DaemonOptions {
  /** Coordinator address host:port, or several comma-separated (a leader and its standbys). */
  coordinator: string;
  /**
   * This client's id. With a certificate (or an enrollment) it comes from there
   * when unset, and must match it when set. Required without TLS.
   */
  clientId?: string;
  /** Local dataset name, the older spelling of `data: 'fashion-mnist'`. @default 'fashion-mnist' */
  dataset?: 'fashion-mnist';
  /**
   * Local data, a data spec (clients/trainer/data/readers.ts): `csv:<path>`, `jsonl:<path>`,
   * `idx:<images>,<labels>`, `images:<dir>`, `module:<file>` or a named data set (`fashion-mnist`).
   * @default `dataset`
   */
  data?: string;
  /** A data module (the device owner's code, docs/data.md): the same as `data: 'module:<file>'`. */
  dataModule?: string;
  /** Directory of a named data set's files. @default FEDLINK_DATA_DIR, else '/usr/share/datasets/fashion-mnist' */
  dataDir?: string;
  /** Partition spec: 'iid' | 'dirichlet:<alpha>' | 'labels:<k>'. @default 'iid' */
  partition?: string;
  /** Number of partitions the data is cut into. @default 10 for a named data set (fashion-mnist), else 1 (all of it) */
  numPartitions?: number;
  /** Which partition this client holds (0-based). @default 0 */
  index?: number;
  /** Seed of the partitioning (same seed on every client). @default 42 */
  seed?: number;
  /** Use only the first N examples of the training set before partitioning (small, fast runs). */
  maxExamples?: number;
  /** Reconnect backoff bounds, ms. @default 500 / 15000 */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** What the device declares about its link (radio, slice, metered, battery); overridable for emulation. */
  link?: DeclaredLink;
  /** A link report goes out at least this often, and sooner when it changed, ms. @default 5000 */
  linkReportIntervalMs?: number;
  /** NATS connection for presence and link reports; without it reports only ride heartbeats. */
  nats?: NatsConnectOptions;
  /** @default 'info' */
  logLevel?: string;
  /** Serve Prometheus /metrics on this port (0 picks a free one); unset: no metrics. */
  metricsPort?: number;
  /** Address the /metrics listener binds. @default '127.0.0.1' */
  metricsHost?: string;
  /**
   * Directory for state that must survive a restart (the error-feedback residual, and
   * the credentials an enrollment obtained, in `<stateDir>/tls/`); unset: memory only.
   */
  stateDir?: string;
  /** Most local epochs a task may ask for; more is refused. @default 20 */
  maxEpochs?: number;
  /** A task's deadline must be within this, and training still running after it is aborted, ms. @default 3_600_000 (1h) */
  maxTaskTimeMs?: number;
  /** Models this device trains; tasks for others are refused. @default every model in the trainer's registry */
  allowedModels?: string[];
  /** Most optimizer steps (epochs × batches per epoch) a task may ask for; more is refused. @default 100_000 */
  maxBatches?: number;
  /** TLS files (PEM paths): the CA that signed the coordinator's certificate, and this device's certificate and key. Unset: plaintext. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** A credentials directory holding ca.crt, tls.crt and tls.key (instead of `tls`). */
  pki?: string;
  /** One-time enrollment token: trade it for a certificate (needs `stateDir` and `tls.ca`). */
  enrollToken?: string;
  /**
   * Clip every update to this L2 norm before it is encoded: Δ = trained − global is scaled by
   * min(1, clipNorm / ‖Δ‖₂) (local differential privacy's first step; also bounds what one
   * device can move the model). Unset: no clipping.
   */
  clipNorm?: number;
}

/** DaemonOptions with every default filled in and every value checked. */
export interface DaemonConfig {
  coordinator: string;
  /** Unset when it comes from the certificate (see credentials.ts). */
  clientId?: string;
  /** The data spec this daemon reads. */
  data: string;
  /** What the hello announces as the dataset: a named data set's name, else the reader's kind (never a path). */
  dataset: string;
  dataDir?: string;
  partition: string;
  numPartitions: number;
  index: number;
  seed: number;
  maxExamples?: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  link: DeclaredLink;
  linkReportIntervalMs: number;
  nats?: NatsConnectOptions;
  logLevel: string;
  stateDir?: string;
  limits: TaskLimits;
  /** Where the TLS material comes from (or plaintext). */
  credentials: CredentialsSource;
  /** L2 bound of every update; unset: no clipping. */
  clipNorm?: number;
  /** Where Prometheus /metrics is served; unset: no metrics. */
  metrics?: { host: string; port: number };
}

/** Default reconnect backoff bounds, ms. */
export const DEFAULT_BACKOFF_INITIAL_MS = 500;
export const DEFAULT_BACKOFF_MAX_MS = 15_000;

// host:port, host a name, IPv4 or bracketed IPv6; the channel target grpc-js would otherwise reject late and vaguely.
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;
const CLIENT_ID = CLIENT_ID_PATTERN;

/** Throws InvalidArgumentError unless `address` is host:port with a port in 1..65535. */
export function validateAddress(address: string): void {
  const m = ADDRESS.exec(address ?? '');
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`invalid coordinator address "${address ?? ''}" (expected host:port, e.g. 127.0.0.1:50051)`);
  }
}

/** Throws InvalidArgumentError unless `id` is a usable client id. */
export function validateClientId(id: string): void {
  if (!id) throw new InvalidArgumentError('missing client id (use --id <name>)');
  if (!CLIENT_ID.test(id)) {
    throw new InvalidArgumentError(`invalid client id "${id}" (letters, digits, . _ : - ; at most 128 characters)`);
  }
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
  return v;
}

// Node timers overflow past 2^31-1 ms (they would fire at once).
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = nonNegativeInt(name, value, fallback);
  if (v < 1) throw new InvalidArgumentError(`${name} must be at least 1, got ${v}`);
  return v;
}

/** The task limits of the options, defaults filled in. */
function compileLimits(options: DaemonOptions): TaskLimits {
  const maxTaskTimeMs = positiveInt('max task time ms', options.maxTaskTimeMs, DEFAULT_TASK_LIMITS.maxTaskTimeMs);
  if (maxTaskTimeMs > MAX_TIMER_MS) throw new InvalidArgumentError(`max task time must be at most ${MAX_TIMER_MS} ms (about 24 days)`);
  const allowedModels = options.allowedModels ?? [...DEFAULT_TASK_LIMITS.allowedModels];
  if (allowedModels.length === 0) throw new InvalidArgumentError(`allowed models must name at least one of ${DEVICE_MODEL_KINDS.join(', ')}`);
  for (const name of allowedModels) {
    if (!DEVICE_MODEL_KINDS.includes(name)) throw new InvalidArgumentError(`unknown model "${name}" in allowed models (known: ${DEVICE_MODEL_KINDS.join(', ')})`);
  }
  return {
    maxEpochs: positiveInt('max epochs', options.maxEpochs, DEFAULT_TASK_LIMITS.maxEpochs),
    maxTaskTimeMs,
    allowedModels: [...new Set(allowedModels)],
    maxBatches: positiveInt('max batches', options.maxBatches, DEFAULT_TASK_LIMITS.maxBatches),
  };
}

/** Fills defaults and validates; every problem is an InvalidArgumentError with a one-line message. */
export function compileDaemonOptions(options: DaemonOptions): DaemonConfig {
  for (const address of (options.coordinator ?? '').split(',')) validateAddress(address.trim());
  const credentials = credentialsSource(options);
  // Without a certificate to take it from, the id must be given; with one, it is checked against it later.
  if (options.clientId || credentials.kind === 'plaintext') validateClientId(options.clientId ?? '');
  const data = compileDataOptions(options);
  const backoffInitialMs = nonNegativeInt('backoff initial ms', options.backoffInitialMs, DEFAULT_BACKOFF_INITIAL_MS);
  const backoffMaxMs = nonNegativeInt('backoff max ms', options.backoffMaxMs, DEFAULT_BACKOFF_MAX_MS);
  if (backoffInitialMs < 1 || backoffMaxMs < backoffInitialMs) {
    throw new InvalidArgumentError(`backoff bounds must satisfy 1 <= initial (${backoffInitialMs}) <= max (${backoffMaxMs})`);
  }
  const link = options.link ?? {};
  if (link.radio !== undefined && !RADIO_TYPES.includes(link.radio)) {
    throw new InvalidArgumentError(`unknown radio type "${link.radio}" (known: ${RADIO_TYPES.join(', ')})`);
  }
  if (link.battery !== undefined && !(link.battery >= 0 && link.battery <= 1)) throw new InvalidArgumentError(`battery must be in 0..1, got ${link.battery}`);
  const linkReportIntervalMs = nonNegativeInt('link report interval ms', options.linkReportIntervalMs, 5000);
  if (linkReportIntervalMs < 100) throw new InvalidArgumentError('link report interval must be at least 100 ms');
  if (options.nats && !/^(nats|tls|ws|wss):\/\/[^\s]+$/.test(options.nats.url.split(',')[0].trim())) {
    throw new InvalidArgumentError(`invalid NATS URL "${options.nats.url}" (expected e.g. nats://127.0.0.1:4222)`);
  }
  return {
    coordinator: options.coordinator,
    clientId: options.clientId || undefined,
    ...data,
    backoffInitialMs,
    backoffMaxMs,
    link,
    linkReportIntervalMs,
    nats: options.nats,
    logLevel: options.logLevel ?? 'info',
    stateDir: options.stateDir || undefined,
    limits: compileLimits(options),
    credentials,
    clipNorm: compileClipNorm(options.clipNorm),
    metrics: compileMetrics(options),
  };
}

/** Where /metrics is served, if anywhere: a port in 0..65535 (0: a free one). */
function compileMetrics(options: Pick<DaemonOptions, 'metricsPort' | 'metricsHost'>): DaemonConfig['metrics'] {
  if (options.metricsPort === undefined) {
    if (options.metricsHost !== undefined) throw new InvalidArgumentError('a metrics host needs a metrics port');
    return undefined;
  }
  const port = nonNegativeInt('metrics port', options.metricsPort, 0);
  if (port > 65535) throw new InvalidArgumentError(`metrics port must be in 0..65535, got ${port}`);
  return { host: options.metricsHost ?? '127.0.0.1', port };
}

/** The data options of a daemon, defaults filled in and checked (no file is read): also what `fedlink client --check-data` reads. */
export function compileDataOptions(options: Pick<DaemonOptions, 'dataset' | 'data' | 'dataModule' | 'dataDir' | 'partition' | 'numPartitions' | 'index' | 'seed' | 'maxExamples'>): LocalDataOptions & { dataset: string } {
  if (options.dataset !== undefined && options.dataset !== 'fashion-mnist') throw new InvalidArgumentError(`unsupported dataset "${String(options.dataset)}" (supported: fashion-mnist)`);
  if (options.data !== undefined && options.dataModule !== undefined) throw new InvalidArgumentError('give --data or --data-module, not both');
  if (options.dataModule !== undefined && options.dataModule.trim() === '') throw new InvalidArgumentError('--data-module needs a file');
  const data = options.dataModule !== undefined ? `module:${options.dataModule}` : (options.data ?? options.dataset ?? DEFAULT_DATA);
  const spec = parseDataSpec(data, { dataDir: options.dataDir });
  // A named data set is shared by a simulated fleet, cut ten ways by default; a device's own data is all its own.
  const numPartitions = nonNegativeInt('number of partitions', options.numPartitions, spec.named ? 10 : 1);
  if (numPartitions < 1) throw new InvalidArgumentError('number of partitions must be at least 1');
  const index = nonNegativeInt('partition index', options.index, 0);
  if (index >= numPartitions) throw new InvalidArgumentError(`partition index ${index} is out of range for ${numPartitions} partitions`);
  const partition = options.partition ?? 'iid';
  parsePartitionSpec(partition);
  if (options.maxExamples !== undefined) positiveInt('max examples', options.maxExamples, 1);
  return {
    data,
    dataset: spec.named?.name ?? spec.reader.kind,
    dataDir: options.dataDir,
    partition,
    numPartitions,
    index,
    seed: nonNegativeInt('seed', options.seed, 42),
    maxExamples: options.maxExamples,
  };
}

/** The clip norm, if any: a finite number > 0 (0 would erase every update, Infinity is no clipping). */
function compileClipNorm(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) throw new InvalidArgumentError(`clip norm must be a finite number > 0, got ${value}`);
  return value;
}
