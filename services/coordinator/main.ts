/**
 * Process entry of `fedlink coordinator`: builds the coordinator from options,
 * serves until SIGINT/SIGTERM, then drains. A second signal exits at once.
 */
import { createLogger } from '../../common/logger';
import { Coordinator, coordinatorConfig } from './coordinator';
import type { CoordinatorOptions } from './options';
import { openFileStore } from './store/file-store';
import { lockStateDir } from './store/state-dir-lock';
import { openJetStreamStore } from './store/jetstream-store';
import type { Store } from './store/store';
import { InvalidArgumentError, UnavailableError } from '../../common/errors';

/** Starts a coordinator in this process (no signal handling): for tests and embedding. */
export async function startCoordinator(options: CoordinatorOptions, logger = createLogger({ level: options.logLevel, name: 'coordinator' })): Promise<Coordinator> {
  // A file store's directory belongs to one coordinator process (state-dir-lock.ts).
  const lock = (options.store ?? (options.stateDir ? 'file' : 'memory')) === 'file' && options.stateDir ? lockStateDir(options.stateDir) : undefined;
  try {
    const store = await openStore(options);
    const coordinator = new Coordinator(coordinatorConfig(options), logger, { store, onStopped: () => lock?.release() });
    await coordinator.start();
    return coordinator;
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** The store the options ask for; undefined means the coordinator's in-memory default. */
export async function openStore(options: CoordinatorOptions): Promise<Store | undefined> {
  const kind = options.store ?? (options.stateDir ? 'file' : 'memory');
  if (kind === 'memory') return undefined;
  if (kind === 'file') {
    if (!options.stateDir) throw new InvalidArgumentError('the file store needs a state directory (--state-dir)');
    return openFileStore(options.stateDir);
  }
  const nats = options.nats;
  if (!nats) throw new InvalidArgumentError('the jetstream store needs a NATS server (--nats nats://host:port)');
  try {
    return await openJetStreamStore({ ...nats, servers: nats.url, replicas: options.storeReplicas, name: 'fedlink-coordinator-store' });
  } catch (err) {
    throw new UnavailableError(`cannot open the JetStream store on ${nats.url}: ${(err as Error).message} (is nats-server running with -js?)`, { cause: err });
  }
}

/** Runs a coordinator until SIGINT/SIGTERM. */
export async function runCoordinator(options: CoordinatorOptions): Promise<void> {
  const logger = createLogger({ level: options.logLevel, name: 'coordinator' });
  const coordinator = await startCoordinator(options, logger);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'signal received, shutting down');
      coordinator.stop(`coordinator received ${signal}`).then(resolve, resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
