/**
 * Process entry of `fedlink coordinator`: builds the coordinator from options,
 * serves until SIGINT/SIGTERM, then drains. A second signal exits at once.
 */
import { createLogger } from '../../common/logger';
import { Coordinator, coordinatorConfig } from './coordinator';
import type { CoordinatorOptions } from './options';
import { openFileStore } from './store/file-store';

/** Starts a coordinator in this process (no signal handling): for tests and embedding. */
export async function startCoordinator(options: CoordinatorOptions, logger = createLogger({ level: options.logLevel, name: 'coordinator' })): Promise<Coordinator> {
  const store = options.stateDir ? await openFileStore(options.stateDir) : undefined;
  const coordinator = new Coordinator(coordinatorConfig(options), logger, { store });
  await coordinator.start();
  return coordinator;
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
