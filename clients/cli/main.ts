/**
 * The `fedlink` command: builds the commander program, runs it, and turns every
 * failure into one line on stderr plus an exit code (0 ok, 1 failure, 2 usage).
 * `main` never calls process.exit, so tests run it in-process.
 */
import { Command, CommanderError } from 'commander';
import { registerClientCommand } from './commands/client';
import { registerClientsCommands } from './commands/clients';
import { registerCompletionCommand } from './commands/completion';
import { registerCoordinatorCommand } from './commands/coordinator';
import { registerDemoCommand } from './commands/demo';
import { registerHealthCommand } from './commands/health';
import { registerLinkemCommand } from './commands/linkem';
import { registerRoundsCommands } from './commands/rounds';
import { registerRunsCommands } from './commands/runs';
import { registerModelCommands } from './commands/model';
import { registerPkiCommands } from './commands/pki';
import { registerSecurityCommands } from './commands/security';
import type { CliContext, CliIo } from './context';
import { EXIT, errorLine, exitCodeFor, oneLine } from './errors';
import { processIo } from './process-io';
import { packageVersion } from '../../common/package-root';
import { silenceIpServernameWarning } from '../../common/tls-ip-warning';

/** Builds the program; settings set here are inherited by every subcommand. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('fedlink')
    .description('link-aware federated learning: run a coordinator or an edge client, and drive training runs over gRPC')
    .version(packageVersion(), '-V, --version', 'print the fedlink version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      outputError: (s, write) => write(`fedlink: ${oneLine(s).replace(/^error: /, '')}\n`),
    })
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      '\nEvery control command takes --coordinator <host:port> (env FEDLINK_COORDINATOR), --pki <dir> (env FEDLINK_PKI)\n' +
        'or --tls-ca/--tls-cert/--tls-key for mutual TLS, and --json; commands that print a table take -o wide for every column.\n' +
        'Shell completion: source <(fedlink completion bash), or zsh.\n' +
        'Exit codes: 0 ok (also when the reader of stdout goes away, as with | head), 1 failure (coordinator unreachable,\n' +
        'call failed, watched run failed), 2 bad usage (a wrong flag, or a value the coordinator refuses as invalid);\n' +
        'runs watch also: 3 run cancelled, 4 coordinator lost for longer than --give-up-after.\n' +
        'Set FEDLINK_DEBUG=1 to print stack traces.',
    );
  registerCoordinatorCommand(program, ctx);
  registerClientCommand(program, ctx);
  registerRunsCommands(program, ctx);
  registerRoundsCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerClientsCommands(program, ctx);
  registerSecurityCommands(program, ctx);
  registerDemoCommand(program, ctx);
  registerLinkemCommand(program, ctx);
  registerPkiCommands(program, ctx);
  registerHealthCommand(program, ctx);
  registerCompletionCommand(program, ctx);
  return program;
}

/** Runs the CLI on `argv` (as in process.argv) and resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const ctx: CliContext = { io, exitCode: EXIT.ok };
  silenceIpServernameWarning();
  // grpc-js prints its own "E ..." lines on stderr; our errors already say what went wrong, in one line.
  // Through the environment, which grpc-js reads when it loads: most commands never load it.
  process.env.GRPC_VERBOSITY ??= 'NONE';
  try {
    await buildProgram(ctx).parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    // Commander already printed its own (one-line) message.
    if (!(err instanceof CommanderError)) {
      io.stderr.write(`fedlink: ${errorLine(err)}\n`);
      if (process.env.FEDLINK_DEBUG === '1' && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    }
    return exitCodeFor(err);
  }
}
