/** `fedlink clients list`: the coordinator's view of the fleet. */
import type { Command } from 'commander';
import { addControlFlags, printJson, withControl, writeLine, type CliContext, type ControlFlags } from '../context';
import { sharedPartitions } from '../fleet-check';
import { addOutputOption, isWide, type OutputFlags } from '../output-option';
import { toJsonClient } from '../json-view';
import { clientsTable } from '../render';

/** Registers the `clients` command group. */
export function registerClientsCommands(program: Command, ctx: CliContext): void {
  const clients = program.command('clients').description('inspect the edge clients known to the coordinator');

  addControlFlags(
    addOutputOption(clients.command('list').description('list clients: status, radio, RTT, up/down Mbit/s, last seen; with -o wide also estimated round time, backend, dataset size, activity')),
    'print {"clients": [...]} as one JSON document',
  ).action(async (flags: ControlFlags & OutputFlags) => {
    const res = await withControl(flags, (control) => control.listClients());
    // Warnings on stderr, so the table (or the JSON document) on stdout stays what scripts parse.
    for (const [partition, ids] of sharedPartitions(res.clients)) {
      writeLine(ctx.io.stderr, `fedlink: warning: ${ids.join(', ')} train on the same data (${partition}): give each daemon its own --index`);
    }
    if (flags.json) return printJson(ctx.io, { clients: res.clients.map(toJsonClient) });
    ctx.io.stdout.write(clientsTable(res.clients, Date.now(), { wide: isWide(flags) }));
  });
}
