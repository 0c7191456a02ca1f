/**
 * `fedlink client`: runs an edge client daemon in this process until SIGINT/SIGTERM.
 * The daemon (TFJS, datasets) is imported only here, on demand.
 */
import { InvalidArgumentError as FlagError, Option, type Command } from 'commander';
import { FedlinkError } from '../../../common/errors';
import { LOG_LEVELS } from '../../../common/logger';
import { compileDaemonOptions, type DaemonOptions } from '../../daemon/options';
import { parsePartitionSpec } from '../../trainer/partition';
import { coordinatorOption, tokenOption, type CliContext } from '../context';
import { duration, fraction, nonNegativeInt, positiveInt } from '../flags';
import { addNatsFlags, toNatsOptions, type NatsFlags } from '../nats-flags';
import { RADIO_TYPES, type RadioType } from '../../../common/link';

interface ClientFlags {
  coordinator: string;
  id: string;
  dataset: 'fashion-mnist';
  dataDir?: string;
  partition: string;
  numPartitions: number;
  index: number;
  seed: number;
  maxExamples?: number;
  token?: string;
  logLevel: string;
  radio?: RadioType;
  slice?: string;
  metered?: boolean;
  battery?: number;
  charging?: boolean;
  linkReportInterval: number;
  reconnectMax: number;
  stateDir?: string;
}

function partition(text: string): string {
  try {
    parsePartitionSpec(text);
  } catch (err) {
    throw new FlagError(err instanceof FedlinkError ? err.message : String(err));
  }
  return text.trim();
}

/** Flags → DaemonOptions, checked the way the daemon will check them (one-line InvalidArgumentError). */
export function toDaemonOptions(flags: ClientFlags & NatsFlags): DaemonOptions {
  const options: DaemonOptions = {
    coordinator: flags.coordinator,
    clientId: flags.id,
    dataset: flags.dataset,
    dataDir: flags.dataDir,
    partition: flags.partition,
    numPartitions: flags.numPartitions,
    index: flags.index,
    seed: flags.seed,
    maxExamples: flags.maxExamples,
    token: flags.token,
    logLevel: flags.logLevel,
    link: { radio: flags.radio, slice: flags.slice, metered: flags.metered, battery: flags.battery, charging: flags.charging },
    linkReportIntervalMs: flags.linkReportInterval,
    backoffMaxMs: flags.reconnectMax,
    stateDir: flags.stateDir,
    nats: toNatsOptions(flags),
  };
  compileDaemonOptions(options);
  return options;
}

/** Registers `fedlink client`. */
export function registerClientCommand(program: Command, _ctx: CliContext): void {
  const command = program
    .command('client')
    .description('run an edge client daemon: connect, stay connected, train on the local partition when given a task')
    .addOption(coordinatorOption('coordinator gRPC address; several comma-separated (a leader and its standbys) are tried in turn'))
    .requiredOption('--id <client-id>', 'this client\'s id')
    .addOption(new Option('--dataset <name>', 'local dataset').choices(['fashion-mnist']).default('fashion-mnist'))
    .addOption(new Option('--data-dir <dir>', 'dataset directory (default: /usr/share/datasets/fashion-mnist)'))
    .addOption(new Option('--partition <spec>', 'iid | dirichlet:<alpha> | labels:<k>').argParser(partition).default('iid'))
    .addOption(new Option('--num-partitions <n>', 'partitions the training set is cut into').argParser(positiveInt).default(10))
    .addOption(new Option('--index <i>', 'which partition this client holds (0-based)').argParser(nonNegativeInt).default(0))
    .addOption(new Option('--seed <n>', 'partitioning seed (the same on every client)').argParser(nonNegativeInt).default(42))
    .addOption(new Option('--max-examples <n>', 'use only the first N training examples before partitioning').argParser(positiveInt))
    .addOption(tokenOption())
    .addOption(new Option('--radio <type>', 'radio type to report (what the device knows, or an emulation)').choices(RADIO_TYPES))
    .addOption(new Option('--slice <label>', 'network slice label to report'))
    .option('--metered', 'report the link as metered')
    .addOption(new Option('--battery <level>', 'battery level to report, 0..1').argParser(fraction))
    .option('--charging', 'report the device as charging')
    .addOption(new Option('--link-report-interval <duration>', 'send a link report at least this often (sooner on change)').argParser(duration).default(5000, '5s'))
    .addOption(new Option('--reconnect-max <duration>', 'longest wait between reconnect attempts (exponential backoff with jitter from 0.5s)').argParser(duration).default(15_000, '15s'))
    .addOption(new Option('--state-dir <dir>', 'keep state that must survive a restart here (the error-feedback residual of lossy updates); default: memory only'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'));
  addNatsFlags(command).action(async (flags: ClientFlags & NatsFlags) => {
    const options = toDaemonOptions(flags);
    const { runDaemon }: { runDaemon: (options: DaemonOptions) => Promise<void> } = await import('../../daemon/main');
    await runDaemon(options);
  });
}
