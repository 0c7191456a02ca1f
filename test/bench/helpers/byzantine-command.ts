/**
 * The Byzantine client's command line: every `fedlink client` flag, plus the
 * attack and its parameters. Failures end as one line on stderr and an exit
 * code, as `fedlink` does (0 ok, 1 failure, 2 bad usage); `main` never calls
 * process.exit, so tests run it in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import { addClientFlags, toDaemonOptions, type ClientFlags } from '../../../clients/cli/commands/client';
import type { CliIo } from '../../../clients/cli/context';
import { errorLine, exitCodeFor, oneLine } from '../../../clients/cli/errors';
import { nonNegativeInt, positiveNumber } from '../../../clients/cli/flags';
import type { NatsFlags } from '../../../clients/cli/nats-flags';
import { ATTACKS, ATTACK_NAMES, DEFAULT_ATTACK_PARAMS, attack } from './byzantine-attacks';

const NAME = 'byzantine-client';

interface AttackFlags {
  attack: string;
  flipScale: number;
  noiseSigma: number;
  attackSeed: number;
}

/** Builds the program; its action starts the daemon with the attack's overrides and runs it until a signal. */
export function buildByzantineProgram(io: CliIo): Command {
  const program = new Command(NAME)
    .description(`a fedlink client daemon that attacks the federation (tests and benches only); takes every \`fedlink client\` flag. Attacks: ${ATTACKS.map((a) => `${a.name}: ${a.help}`).join('; ')}`)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`${NAME}: ${oneLine(s).replace(/^error: /, '')}\n`),
    })
    .showHelpAfterError(false);
  addClientFlags(program)
    .addOption(new Option('--attack <name>', 'what this client does instead of honest training').choices(ATTACK_NAMES).makeOptionMandatory())
    .addOption(new Option('--flip-scale <k>', 'sign-flip: upload global − k·(trained − global)').argParser(positiveNumber).default(DEFAULT_ATTACK_PARAMS.scale))
    .addOption(new Option('--noise-sigma <sigma>', 'noise: standard deviation of the upload around the global model').argParser(positiveNumber).default(DEFAULT_ATTACK_PARAMS.sigma))
    .addOption(new Option('--attack-seed <n>', 'noise: seed of the noise generator').argParser(nonNegativeInt).default(DEFAULT_ATTACK_PARAMS.seed))
    .action(async (flags: ClientFlags & NatsFlags & AttackFlags) => {
      const options = toDaemonOptions(flags);
      const overrides = attack(flags.attack).overrides({ scale: flags.flipScale, sigma: flags.noiseSigma, seed: flags.attackSeed });
      // The daemon (TFJS, datasets) only once the flags are known to be good.
      const { startDaemon, superviseDaemon } = await import('../../../clients/daemon/main');
      await superviseDaemon(await startDaemon(options, overrides));
    });
  return program;
}

/** Runs the Byzantine client on `argv` (as in process.argv) and resolves to the exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    await buildByzantineProgram(io).parseAsync(argv);
    return 0;
  } catch (err) {
    // Commander already printed its own (one-line) message.
    if (!(err instanceof CommanderError)) io.stderr.write(`${NAME}: ${errorLine(err)}\n`);
    return exitCodeFor(err);
  }
}
