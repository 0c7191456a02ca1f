/** `fedlink rounds list|show`: the rounds of a run, with per-client detail. */
import type { Command } from 'commander';
import { addControlFlags, printJson, withControl, type CliContext, type ControlFlags } from '../context';
import { addOutputOption, isWide, type OutputFlags } from '../output-option';
import { toJsonRound } from '../json-view';
import { nonNegativeInt } from '../flags';
import { roundDetails, roundsTable } from '../render';

/** Registers the `rounds` command group. */
export function registerRoundsCommands(program: Command, ctx: CliContext): void {
  const rounds = program.command('rounds').description('inspect the rounds of a run');

  addControlFlags(
    addOutputOption(rounds.command('list').description('list every round attempt of a run: state, reports, loss, accuracy, bytes, duration, reason').argument('<run>', 'run id')),
    'print {"rounds": [...]} as one JSON document',
  ).action(async (runId: string, flags: ControlFlags & OutputFlags) => {
    const res = await withControl(flags, (control) => control.listRounds(runId));
    if (flags.json) return printJson(ctx.io, { rounds: res.rounds.map(toJsonRound) });
    ctx.io.stdout.write(roundsTable(res.rounds, Date.now(), { wide: isWide(flags) }));
  });

  addControlFlags(
    addOutputOption(rounds
      .command('show')
      .description('show one round and each selected client: selected, dispatched, finished or dropped and why, examples, loss, duration, bytes')
      .argument('<run>', 'run id')
      .argument('<round>', 'round number', nonNegativeInt)),
    'print the Round as one JSON document',
  ).action(async (runId: string, round: number, flags: ControlFlags & OutputFlags) => {
    const res = await withControl(flags, (control) => control.getRound(runId, round));
    if (flags.json) return printJson(ctx.io, toJsonRound(res));
    ctx.io.stdout.write(roundDetails(res, Date.now(), { wide: isWide(flags), terminalColumns: ctx.io.stdout.columns }));
  });
}
