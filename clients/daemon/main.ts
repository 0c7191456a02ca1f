/**
 * Entry point of the edge client daemon (`fedlink client`): loads this
 * client's partition, picks the TFJS backend, and keeps a session with the
 * coordinator until SIGINT/SIGTERM. Only weights leave the process, never data.
 */
import { FeedbackStore } from './encodings';
import { createRequire } from 'node:module';
import type { Clock } from '../../common/clock';
import { createLogger, type Logger } from '../../common/logger';
import { initBackend } from '../trainer/backend';
import { loadLocalPartition } from '../trainer/local-data';
import { trainLocal } from '../trainer/train';
import { compileDaemonOptions, type DaemonOptions } from './options';
import { LinkMonitor } from './link-monitor';
import { createEventTransport } from '../../common/events/nats-transport';
import { encodeLinkReport, encodePresence } from '../../common/events/payloads';
import { linkSubject, presenceSubject } from '../../common/events/subjects';
import { ClientSession, type Trainer } from './session';

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
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return 'dev';
  }
}

/** Loads data, initialises the backend and starts a session; no signal handlers, so usable in-process. */
export async function startDaemon(options: DaemonOptions, overrides: DaemonOverrides = {}): Promise<DaemonHandle> {
  const config = compileDaemonOptions(options);
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, name: 'fedlink-client' });
  const log = logger.child({ component: 'daemon', clientId: config.clientId });

  const data = await loadLocalPartition({
    dataset: config.dataset,
    dir: config.dataDir,
    partition: config.partition,
    numPartitions: config.numPartitions,
    index: config.index,
    seed: config.seed,
    maxExamples: config.maxExamples,
  });
  // The model is only known per task; 'mlp' is what every backend can train, and each task re-checks.
  const backend = await initBackend({ model: 'mlp', logger });
  log.info(
    { coordinator: config.coordinator, partition: config.partition, index: config.index, numPartitions: config.numPartitions, examples: data.count, backend },
    `client ${config.clientId}: partition ${config.index}/${config.numPartitions} (${config.partition}), ${data.count} examples, backend ${backend}`,
  );

  // Presence and link reports also go on NATS when configured; heartbeats carry them either way.
  const nats = config.nats;
  const events = createEventTransport({
    nats,
    name: `fedlink-client-${config.clientId}`, logger: logger.child({ component: 'events', clientId: config.clientId }),
  });

  const trainer: Trainer = {
    async train(task, weights, opts) {
      // Cheap when unchanged; switches away from wasm when a task asks for a model it cannot train (cnn).
      await initBackend({ model: task.model.name, logger });
      return trainLocal({ spec: task.model, weights, data, config: task.train }, opts);
    },
  };
  const session = new ClientSession({
    coordinator: config.coordinator,
    clientId: config.clientId,
    token: config.token,
    backend,
    datasetSize: data.count,
    dataset: config.dataset,
    trainer,
    version: packageVersion(),
    logger,
    clock: overrides.clock,
    features: overrides.features,
    backoffInitialMs: config.backoffInitialMs,
    backoffMaxMs: config.backoffMaxMs,
    link: new LinkMonitor(config.clientId, config.link),
    linkReportIntervalMs: config.linkReportIntervalMs,
    onLinkReport: (report) => events.publish(linkSubject(config.clientId), encodeLinkReport(report)),
    feedback: new FeedbackStore(config.stateDir, logger),
  });
  await events.start();
  const announce = (status: 'online' | 'draining' | 'offline') =>
    events.publish(presenceSubject(config.clientId), encodePresence({ clientId: config.clientId, status, atMs: Date.now() }));
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

/** Runs the daemon until SIGINT/SIGTERM, then stops it cleanly; a second signal exits at once. */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const handle = await startDaemon(options);
  // Clock timers are unref'd and an idle channel holds no handle, so while the session waits to
  // reconnect nothing would keep the process alive: this ref'd timer does, until a signal.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        // The user asked twice: they want out now, not after the grace period.
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      const done = () => {
        clearInterval(keepAlive);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      };
      handle.stop().then(done, done);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
