/**
 * Entry point of the edge client daemon (`fedlink client`): settles its
 * credentials (enrolling first when given a token), reads this client's data
 * (`--data`; again per run when a run preprocesses differently, task-data.ts),
 * picks the TFJS backend, and keeps a session with the coordinator
 * until SIGINT/SIGTERM, or until the coordinator ends it for good (a final
 * drain). Only weights leave the process, never data.
 */
import { FeedbackStore } from './encodings';
import { packageVersion } from '../../common/package-root';
import type { Clock } from '../../common/clock';
import { createLogger, type Logger } from '../../common/logger';
import { initBackend } from '../trainer/backend';
import type { LabeledImages } from '../trainer/fashion-mnist';
import type { LocalDataset } from '../trainer/dataset';
import { InvalidArgumentError } from '../../common/errors';
import { TaskData, type LocalDataReader } from './task-data';
import { trainLocal } from '../trainer/train';
import { compileDaemonOptions, type DaemonOptions } from './options';
import { LinkMonitor } from './link-monitor';
import { createEventTransport } from '../../common/events/nats-transport';
import { encodeLinkReport, encodePresence } from '../../common/events/payloads';
import { linkSubject, presenceSubject } from '../../common/events/subjects';
import { ClientSession, type Trainer } from './session';
import { resolveCredentials } from './credentials';
import { channelCredentials } from '../../common/channel-credentials';
import { SessionEndedError } from '../../common/errors';

/** A running daemon, as `startDaemon` hands it to in-process callers. */
export interface DaemonHandle {
  session: ClientSession;
  /** Stops the session cleanly (goodbye, in-flight task abandoned, timers cleared). Idempotent. */
  stop(): Promise<void>;
}

/** Things an in-process caller (tests, the demo) may supply instead of the defaults. */
export interface DaemonOverrides {
  /** @default a pino logger at `options.logLevel` */
  logger?: Logger;
  clock?: Clock;
  /** Features announced in the hello; e.g. [] to behave like a daemon from before them. */
  features?: string[];
  /**
   * Wraps the trainer the daemon builds, so a caller can change what a task
   * produces (test/bench's Byzantine clients do) without a fork of the daemon.
   */
  wrapTrainer?: (trainer: Trainer) => Trainer;
  /** Replaces the local partition before anything trains on it (e.g. relabelled); it must keep the count the hello announced. */
  transformData?: (data: LabeledImages) => LabeledImages;
  /** Reads the local data instead of the readers (tests). */
  readData?: LocalDataReader;
}

/**
 * The examples as today's trainer takes them (flat inputs, class indices as
 * bytes), until trainLocal takes a LocalDataset (issue 12's trainer work):
 * then the dataset is passed as it is and this goes.
 */
function asLabeledImages(data: LocalDataset): LabeledImages {
  const width = data.featureShape.reduce((a, b) => a * b, 1);
  if (data.labelShape.length > 0) throw new InvalidArgumentError(`this trainer takes one class index per example, not labels of shape [${data.labelShape.join(', ')}]`);
  return { images: data.features, labels: Uint8Array.from(data.labels), count: data.count, height: 1, width };
}

/** Loads data, initialises the backend and starts a session; no signal handlers, so usable in-process. */
export async function startDaemon(options: DaemonOptions, overrides: DaemonOverrides = {}): Promise<DaemonHandle> {
  const config = compileDaemonOptions(options);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, name: 'fedlink-client' });
  // Before the (slow) data and backend: a wrong certificate or a refused token should fail at once.
  const credentials = await resolveCredentials({ source: config.credentials, clientId: config.clientId, coordinator: config.coordinator, logger });
  const clientId = credentials.clientId;
  const log = logger.child({ component: 'daemon', clientId });

  const { data: dataSpec, dataDir, partition, numPartitions, index, seed, maxExamples } = config;
  const taskData = new TaskData({ data: dataSpec, dataDir, partition, numPartitions, index, seed, maxExamples }, log, overrides.readData);
  const data = await taskData.start();
  // The model is only known per task; 'mlp' is what every backend can train, and each task re-checks.
  const backend = await initBackend({ model: 'mlp', logger });
  log.info(
    {
      coordinator: config.coordinator, data: config.data, partition: config.partition, index: config.index, numPartitions: config.numPartitions, examples: data.count, backend,
      tls: credentials.tls ? 'mutual' : 'off', limits: config.limits, clipNorm: config.clipNorm,
    },
    `client ${clientId}: ${config.dataset} partition ${config.index}/${config.numPartitions} (${config.partition}), ${data.count} examples, backend ${backend}`,
  );

  // Presence and link reports also go on NATS when configured; heartbeats carry them either way.
  const nats = config.nats;
  const events = createEventTransport({
    nats,
    name: `fedlink-client-${clientId}`, logger: logger.child({ component: 'events', clientId }),
  });

  const local: Trainer = {
    async prepare(task) {
      await taskData.forTask(task);
    },
    async train(task, weights, opts) {
      // The same data prepare() checked (kept for the run), checked again for a wrapped trainer that skips prepare().
      const fitted = await taskData.forTask(task);
      const images = asLabeledImages(fitted);
      // Cheap when unchanged; switches away from wasm when a task asks for a model it cannot train (cnn).
      await initBackend({ model: task.model.name, logger });
      return trainLocal({ spec: task.model, weights, data: overrides.transformData ? overrides.transformData(images) : images, config: task.train }, opts);
    },
  };
  const trainer = overrides.wrapTrainer ? overrides.wrapTrainer(local) : local;
  const session = new ClientSession({
    coordinator: config.coordinator,
    clientId,
    credentials: channelCredentials(credentials.tls),
    limits: config.limits,
    clipNorm: config.clipNorm,
    backend,
    datasetSize: data.count,
    dataset: config.dataset,
    // So `fedlink clients list` can tell daemons that share a partition (a forgotten --index); one partition is all of the data.
    partition: config.numPartitions > 1 ? `${config.index}/${config.numPartitions} ${config.partition} seed ${config.seed}` : '',
    trainer,
    version: packageVersion(),
    logger,
    clock: overrides.clock,
    features: overrides.features,
    backoffInitialMs: config.backoffInitialMs,
    backoffMaxMs: config.backoffMaxMs,
    link: new LinkMonitor(clientId, config.link),
    linkReportIntervalMs: config.linkReportIntervalMs,
    onLinkReport: (report) => events.publish(linkSubject(clientId), encodeLinkReport(report)),
    feedback: new FeedbackStore(config.stateDir, logger),
  });
  await events.start();
  const announce = (status: 'online' | 'draining' | 'offline') =>
    events.publish(presenceSubject(clientId), encodePresence({ clientId: clientId, status, atMs: Date.now() }));
  announce('online');
  session.start();
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      announce('draining');
      await session.stop('client shutting down');
      announce('offline');
      await events.stop();
    })());
  return { session, stop };
}

/**
 * Runs the daemon until SIGINT/SIGTERM, then stops it cleanly; a second signal exits at once.
 * Rejects with SessionEndedError (one line: the coordinator's reason) when the coordinator
 * ended the session for good, so `fedlink client` exits 1 instead of fighting another daemon.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  await superviseDaemon(await startDaemon(options));
}

/** runDaemon's part after the start: waits for a signal or a final drain, as described there. */
export async function superviseDaemon(handle: DaemonHandle): Promise<void> {
  // Clock timers are unref'd and an idle channel holds no handle, so while the session waits to
  // reconnect nothing would keep the process alive: this ref'd timer does, until a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<void>((resolve) => {
    let stopping = false;
    onSignal = (signal) => {
      if (stopping) {
        // The user asked twice: they want out now, not after the grace period.
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      handle.stop().then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  const finalReason = await Promise.race([signalled.then(() => undefined), handle.session.stopped]);
  try {
    if (finalReason !== undefined) {
      await handle.stop();
      throw new SessionEndedError(`${finalReason}; this one stops`);
    }
  } finally {
    clearInterval(keepAlive);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
