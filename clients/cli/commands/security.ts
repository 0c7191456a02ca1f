/**
 * The admin side of the trust model: `fedlink enroll create` (a one-time token
 * for a device), `fedlink clients revoke`, `fedlink audit list`, and
 * `fedlink whoami` (what the coordinator makes of your credentials).
 */
import { Option, type Command } from 'commander';
import { isClientId } from '../../../common/client-id';
import { addControlFlags, printJson, withControl, writeLine, type CliContext, type ControlFlags } from '../context';
import { addOutputOption, isWide, type OutputFlags } from '../output-option';
import { toJsonAuditEntry, toJsonEnrollment } from '../json-view';
import { duration, positiveInt } from '../flags';
import { columnsTable, formatTime, type Column } from '../format';
import type { AuditEntry__Output } from '../../../proto/gen/fedlink/v1/AuditEntry';
import { InvalidArgumentError as FlagError } from 'commander';

function clientId(text: string): string {
  if (!isClientId(text)) throw new FlagError('expected a client id: letters, digits and . _ : - (at most 128, starting with a letter or digit)');
  return text;
}

/** Registers `enroll`, `clients revoke`, `audit` and `whoami`. */
export function registerSecurityCommands(program: Command, ctx: CliContext): void {
  const enroll = program.command('enroll').description('enroll devices: one-time tokens a device trades for its client certificate');
  addControlFlags(
    enroll
      .command('create')
      .description('create a one-time enrollment token for one client id (admin); printed once, stored only as a hash')
      .addOption(new Option('--client <id>', 'the client id the device will have').argParser(clientId).makeOptionMandatory())
      .addOption(new Option('--ttl <duration>', 'how long the token stays valid (at most 30d)').argParser(duration).default(24 * 3600_000, '24h')),
    'print {"clientId", "token", "expiresAt", "expiresAtMs"} as one JSON document',
  ).action(async (flags: ControlFlags & { client: string; ttl: number }) => {
    const res = await withControl(flags, (control) => control.createEnrollment(flags.client, flags.ttl));
    if (flags.json) return printJson(ctx.io, toJsonEnrollment(res));
    ctx.io.stdout.write(
      `enrollment token for ${res.clientId} (single use, valid until ${formatTime(Number(res.expiresAtMs))}):\n\n  ${res.token}\n\n` +
        `on the device:\n  fedlink client --coordinator ${flags.coordinator} --tls-ca ca.crt --state-dir <dir> --enroll-token <token>\n`,
    );
  });

  const clients = program.commands.find((c) => c.name() === 'clients') ?? program.command('clients');
  addControlFlags(
    clients
      .command('revoke')
      .description('refuse a client from now on and end its open session (admin); permanent for this id')
      .argument('<client>', 'client id', clientId)
      .addOption(new Option('--reason <text>', 'why (kept in the audit log, told to the client)')),
    'print {"clientId", "sessionClosed"} as one JSON document',
  ).action(async (id: string, flags: ControlFlags & { reason?: string }) => {
    const res = await withControl(flags, (control) => control.revokeClient(id, flags.reason ?? ''));
    if (flags.json) return printJson(ctx.io, res);
    writeLine(ctx.io.stdout, `revoked ${res.clientId}${res.sessionClosed ? '; its open session was ended' : ' (it was not connected)'}`);
  });

  const audit = program.command('audit').description('the audit log of state-changing calls');
  addControlFlags(
    addOutputOption(
      audit
        .command('list')
        .description('who did what, when, and the outcome, newest first (admin)')
        .addOption(new Option('--limit <n>', 'entries to show').argParser(positiveInt).default(50)),
    ),
    'print {"entries": [...]} as one JSON document',
  ).action(async (flags: ControlFlags & OutputFlags & { limit: number }) => {
    const res = await withControl(flags, (control) => control.listAudit(flags.limit));
    if (flags.json) return printJson(ctx.io, { entries: res.entries.map(toJsonAuditEntry) });
    const columns: Array<Column<AuditEntry__Output>> = [
      { head: 'time', cell: (e) => formatTime(Number(e.atMs)) },
      { head: 'who', cell: (e) => e.principal, shrink: true },
      { head: 'action', cell: (e) => e.action },
      { head: 'target', cell: (e) => e.target, shrink: true },
      { head: 'outcome', cell: (e) => e.outcome },
      { head: 'detail', cell: (e) => e.detail, shrink: true },
      { head: 'peer', cell: (e) => e.peer || '-', wide: true },
    ];
    ctx.io.stdout.write(columnsTable(columns, res.entries, { wide: isWide(flags) }));
  });

  addControlFlags(program.command('whoami').description('who the coordinator takes you for (identity and role)')).action(async (flags: ControlFlags) => {
    const res = await withControl(flags, (control) => control.whoAmI());
    if (flags.json) return printJson(ctx.io, res);
    writeLine(ctx.io.stdout, `${res.kind} ${res.name}${res.role ? ` (${res.role})` : ''}${res.tls ? ', mutual TLS' : ', plaintext (no identity checked)'}`);
  });
}
