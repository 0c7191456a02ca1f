/** Entry point of `fedlink linkem`: runs a LinkEmulator until SIGINT/SIGTERM. */
import { createLogger } from '../../common/logger';
import type { Output } from '../cli/context';
import { formatHostPort, type HostPort } from './host-port';
import type { LinkProfile } from './profiles';
import { LinkEmulator } from './proxy';

/** What `fedlink linkem` hands to runLinkem. */
export interface LinkemRunOptions {
  listen: HostPort;
  target: HostPort;
  profile: LinkProfile;
  seed: number;
  logLevel: string;
  /** Print the ready line as JSON. */
  json: boolean;
}

/**
 * Starts the emulator, prints one ready line on `stdout` (so scripts learn the port when
 * listening on :0), and stops cleanly on the first signal; a second signal exits at once.
 */
export async function runLinkem(options: LinkemRunOptions, stdout: Output): Promise<void> {
  const logger = createLogger({ level: options.logLevel, name: 'linkem' });
  const emulator = new LinkEmulator({
    listenHost: options.listen.host,
    listenPort: options.listen.port,
    target: formatHostPort(options.target),
    profile: options.profile,
    seed: options.seed,
    logger,
  });
  const port = await emulator.start();
  const listen = formatHostPort({ host: options.listen.host, port });
  const target = formatHostPort(options.target);
  stdout.write(
    options.json
      ? `${JSON.stringify({ listen, target, profile: options.profile, seed: options.seed })}\n`
      : `linkem: ${listen} -> ${target}, profile ${options.profile.name} (radio ${options.profile.radio}), seed ${options.seed}\n`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      const done = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      };
      emulator.stop().then(done, done);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
