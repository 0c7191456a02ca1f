/**
 * `fedlink health`: asks a coordinator's grpc.health.v1 service and exits 0
 * only on SERVING, so a container HEALTHCHECK, a probe or a script can use it
 * without a separate grpc_health_probe binary.
 */
import { Option, type Command } from 'commander';
import { UnavailableError } from '../../../common/errors';
import { addControlFlags, printJson, type CliContext, type ControlFlags } from '../context';
import { duration } from '../flags';
import { tlsFromFlags } from '../tls-flags';

interface HealthFlags extends ControlFlags {
  service: string;
  timeout: number;
}

/** Registers `fedlink health`. */
export function registerHealthCommand(program: Command, ctx: CliContext): void {
  addControlFlags(
    program
      .command('health')
      .description("ask the coordinator's gRPC health service; exit 0 only when it reports SERVING, else 1 with one line")
      .addOption(new Option('--service <name>', "the service to ask about ('' is the server as a whole; fedlink.v1.Fleet is SERVING only on the leader)").default(''))
      .addOption(new Option('--timeout <duration>', 'give up after this long').argParser(duration).default(3000, '3s')),
    'print {"service", "status"} as one JSON document',
  ).action(async (flags: HealthFlags) => {
    // gRPC is loaded on use, so `fedlink --help` stays fast.
    const { checkHealth } = await import('../health-client');
    const status = await checkHealth({ address: flags.coordinator, tls: tlsFromFlags(flags), service: flags.service, timeoutMs: flags.timeout });
    if (flags.json) printJson(ctx.io, { service: flags.service, status });
    const what = flags.service ? `${flags.service} at ${flags.coordinator}` : `coordinator at ${flags.coordinator}`;
    if (status !== 'SERVING') throw new UnavailableError(`${what} is ${status}`);
    if (!flags.json) ctx.io.stdout.write(`${what}: SERVING\n`);
  });
}
