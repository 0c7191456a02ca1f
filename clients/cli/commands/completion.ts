/** `fedlink completion bash|zsh`: prints a shell completion script derived from the command tree. */
import { Argument, type Command } from 'commander';
import type { CliContext } from '../context';
import { bashCompletion, commandSpecs, SHELLS, zshCompletion, type Shell } from '../completion-script';

/** Registers `fedlink completion`; the script describes `program` as it is when the command runs (every command registered). */
export function registerCompletionCommand(program: Command, ctx: CliContext): void {
  program
    .command('completion')
    .description('print a shell completion script: commands, subcommands, flags and their choices')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText('after', '\nbash:  source <(fedlink completion bash)     (e.g. in ~/.bashrc)\nzsh:   source <(fedlink completion zsh)      (in ~/.zshrc, after compinit)')
    .action((shell: Shell) => {
      const specs = commandSpecs(program);
      ctx.io.stdout.write(shell === 'bash' ? bashCompletion(specs) : zshCompletion(specs));
    });
}
