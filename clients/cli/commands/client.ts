/**
 * `fedlink client`: runs an edge client daemon in this process until SIGINT/SIGTERM
 * (or until the coordinator ends its session for good: exit 1, one line); with
 * --check-data, only checks the local data against a model and exits.
 * The daemon (TFJS, datasets) is imported only here, on demand.
 */
import { InvalidArgumentError as FlagError, Option, type Command } from 'commander';
import { FedlinkError, InvalidArgumentError as UsageError, MissingDependencyError } from '../../../common/errors';
import { LOG_LEVELS } from '../../../common/log-levels';
import { compileDaemonOptions, compileDataOptions, type DaemonOptions } from '../../daemon/options';
import { DEFAULT_OBJECTIVE, LOSSES, type LossName } from '../../../common/model-definition';
import { dataSpecHelp, DEFAULT_DATA, parseDataSpec } from '../../trainer/data/readers';
import { parsePartitionSpec } from '../../trainer/partition';
import { coordinatorOption, type CliContext } from '../context';
import { duration, fraction, nonNegativeInt, positiveInt, positiveNumber } from '../flags';
import { addNatsFlags, toNatsOptions, type NatsFlags } from '../nats-flags';
import { withSettings } from '../settings/with-settings';
import { addMetricsFlags, metricsFromFlags, type MetricsFlags } from '../metrics-flags';
import { RADIO_TYPES, type RadioType } from '../../../common/link';
import { MODEL_NAMES } from '../../trainer/model-names';
import { DEVICE_MODEL_KINDS } from '../../daemon/task-limits';
import { DEFAULT_TASK_LIMITS } from '../../daemon/task-limits';
import { durationText } from '../../../common/duration';

/** What `fedlink client`'s flags parse into. */
export interface ClientFlags extends MetricsFlags {
  coordinator: string;
  id?: string;
  dataset: 'fashion-mnist';
  data?: string;
  dataModule?: string;
  dataDir?: string;
  partition: string;
  numPartitions?: number;
  index: number;
  seed: number;
  maxExamples?: number;
  logLevel: string;
  radio?: RadioType;
  slice?: string;
  metered?: boolean;
  battery?: number;
  charging?: boolean;
  linkReportInterval: number;
  reconnectMax: number;
  stateDir?: string;
  maxEpochs: number;
  maxTaskTime: number;
  allowedModels: string[];
  maxBatches: number;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  pki?: string;
  enrollToken?: string;
  clipNorm?: number;
  checkData?: boolean;
  model?: string;
  loss?: LossName;
  preprocessing?: string;
}

function dataSpec(text: string): string {
  try {
    parseDataSpec(text);
  } catch (err) {
    throw new FlagError(err instanceof FedlinkError ? err.message : String(err));
  }
  return text.trim();
}

function partition(text: string): string {
  try {
    parsePartitionSpec(text);
  } catch (err) {
    throw new FlagError(err instanceof FedlinkError ? err.message : String(err));
  }
  return text.trim();
}

/** "mlp,cnn" → ['mlp', 'cnn'], each a name in the trainer's model registry. */
function modelList(text: string): string[] {
  const names = text.split(',').map((n) => n.trim()).filter((n) => n.length > 0);
  if (names.length === 0) throw new FlagError(`expected one or more of ${DEVICE_MODEL_KINDS.join(', ')}, comma-separated`);
  const unknown = names.filter((n) => !DEVICE_MODEL_KINDS.includes(n));
  if (unknown.length > 0) throw new FlagError(`unknown model "${unknown[0]}" (known: ${DEVICE_MODEL_KINDS.join(', ')})`);
  return names;
}

/** Flags → DaemonOptions, checked the way the daemon will check them (one-line InvalidArgumentError). */
export function toDaemonOptions(flags: ClientFlags & NatsFlags): DaemonOptions {
  const options: DaemonOptions = {
    coordinator: flags.coordinator,
    clientId: flags.id,
    dataset: flags.dataset,
    data: flags.data,
    dataModule: flags.dataModule,
    dataDir: flags.dataDir,
    partition: flags.partition,
    numPartitions: flags.numPartitions,
    index: flags.index,
    seed: flags.seed,
    maxExamples: flags.maxExamples,
    logLevel: flags.logLevel,
    link: { radio: flags.radio, slice: flags.slice, metered: flags.metered, battery: flags.battery, charging: flags.charging },
    linkReportIntervalMs: flags.linkReportInterval,
    backoffMaxMs: flags.reconnectMax,
    stateDir: flags.stateDir,
    nats: toNatsOptions(flags),
    maxEpochs: flags.maxEpochs,
    maxTaskTimeMs: flags.maxTaskTime,
    allowedModels: flags.allowedModels,
    maxBatches: flags.maxBatches,
    tls: flags.tlsCa || flags.tlsCert || flags.tlsKey ? { ca: flags.tlsCa, cert: flags.tlsCert, key: flags.tlsKey } : undefined,
    pki: flags.pki,
    enrollToken: flags.enrollToken,
    clipNorm: flags.clipNorm,
    ...metricsFromFlags(flags),
  };
  compileDaemonOptions(options);
  return options;
}

/** Registers `fedlink client`. */
export function registerClientCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('client')
    .description('run an edge client daemon: connect, stay connected, train on local data (--data) when given a task; or --check-data');
  withSettings(addClientFlags(command), ctx, async (flags: ClientFlags & NatsFlags) => {
    if (flags.checkData) return checkDataCommand(flags, ctx);
    const stray = (['model', 'loss', 'preprocessing'] as const).find((f) => flags[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} goes with --check-data (a daemon takes the model from each task)`);
    const options = toDaemonOptions(flags);
    const { runDaemon }: { runDaemon: (options: DaemonOptions) => Promise<void> } = await import('../../daemon/main');
    await runDaemon(options);
  });
}

/** `fedlink client --check-data`: reads the data as a task of the model would, checks it, prints what it found. */
async function checkDataCommand(flags: ClientFlags, ctx: CliContext): Promise<void> {
  if (!flags.model) throw new UsageError('--check-data needs --model <mlp|cnn|path/to/model.json> (and the run\'s --loss and --preprocessing, if any)');
  const data = compileDataOptions(flags);
  const { checkDataOffline, DataCheckFailedError } = await import('../../daemon/check-data-offline');
  try {
    ctx.io.stdout.write(`${await checkDataOffline(data, { model: flags.model, loss: flags.loss, preprocessing: flags.preprocessing })}\n`);
  } catch (err) {
    // Data that does not fit, or cannot be read, is the check's answer (exit 1), not a usage mistake (exit 2).
    if (err instanceof FedlinkError && !(err instanceof MissingDependencyError)) throw new DataCheckFailedError(err.message, { cause: err });
    throw err;
  }
}

/** Adds every `fedlink client` flag (NATS ones included) to `command`; for other entry points that start a daemon too. */
export function addClientFlags(command: Command): Command {
  command
    .addOption(coordinatorOption('coordinator gRPC address; several comma-separated (a leader and its standbys) are tried in turn'))
    .option('--id <client-id>', 'this client\'s id (with TLS: taken from the certificate when absent, and must match it)')
    .addOption(new Option('--data <spec>', `local data: ${dataSpecHelp()} (default: ${DEFAULT_DATA}; docs/data.md)`).argParser(dataSpec))
    .addOption(new Option('--data-module <file>', 'read local data with your own module (.js/.ts exporting one function; docs/data.md): the only code of yours fedlink runs'))
    .addOption(new Option('--dataset <name>', 'older spelling of --data fashion-mnist').choices(['fashion-mnist']).default('fashion-mnist'))
    .addOption(new Option('--data-dir <dir>', 'directory of a named data set\'s files (default: FEDLINK_DATA_DIR, else /usr/share/datasets/fashion-mnist)'))
    .addOption(new Option('--partition <spec>', 'iid | dirichlet:<alpha> | labels:<k>').argParser(partition).default('iid'))
    .addOption(new Option('--num-partitions <n>', 'partitions the data is cut into, for a fleet sharing one data set (default: 10 for fashion-mnist, else 1: all of it)').argParser(positiveInt))
    .addOption(new Option('--index <i>', 'which partition this client holds (0-based)').argParser(nonNegativeInt).default(0))
    .addOption(new Option('--seed <n>', 'partitioning seed (the same on every client)').argParser(nonNegativeInt).default(42))
    .addOption(new Option('--max-examples <n>', 'use only the first N training examples before partitioning').argParser(positiveInt))
    .addOption(new Option('--radio <type>', 'radio type to report (what the device knows, or an emulation)').choices(RADIO_TYPES))
    .addOption(new Option('--slice <label>', 'network slice label to report'))
    .option('--metered', 'report the link as metered')
    .addOption(new Option('--battery <level>', 'battery level to report, 0..1').argParser(fraction))
    .option('--charging', 'report the device as charging')
    .addOption(new Option('--link-report-interval <duration>', 'send a link report at least this often (sooner on change)').argParser(duration).default(5000, '5s'))
    .addOption(new Option('--reconnect-max <duration>', 'longest wait between reconnect attempts (exponential backoff with jitter from 0.5s)').argParser(duration).default(15_000, '15s'))
    .addOption(new Option('--state-dir <dir>', 'keep state that must survive a restart here (the error-feedback residual of lossy updates; enrolled credentials in <dir>/tls/, used on later starts); default: memory only'))
    .addOption(new Option('--max-epochs <n>', 'refuse tasks asking more local epochs').argParser(positiveInt).default(DEFAULT_TASK_LIMITS.maxEpochs))
    .addOption(
      new Option('--max-task-time <duration>', 'refuse tasks whose deadline is further away, and abort training still running after it')
        .argParser(duration)
        .default(DEFAULT_TASK_LIMITS.maxTaskTimeMs, durationText(DEFAULT_TASK_LIMITS.maxTaskTimeMs)),
    )
    .addOption(
      new Option('--allowed-models <list>', "models it trains (custom: a run's own topology)")
        .argParser(modelList)
        .default([...DEVICE_MODEL_KINDS], DEVICE_MODEL_KINDS.join(',')),
    )
    .addOption(
      new Option('--max-batches <n>', 'refuse tasks asking more training steps (epochs x batches per epoch on the local partition)').argParser(positiveInt).default(DEFAULT_TASK_LIMITS.maxBatches),
    )
    .addOption(new Option('--tls-ca <file>', 'CA certificate (PEM) that signed the coordinator\'s; with --tls-cert/--tls-key: mutual TLS (default: plaintext)'))
    .addOption(new Option('--tls-cert <file>', 'this device\'s client certificate (PEM)'))
    .addOption(new Option('--tls-key <file>', 'this device\'s private key (PEM)'))
    .addOption(new Option('--pki <dir>', 'credentials directory holding ca.crt, tls.crt and tls.key (instead of --tls-*)'))
    .addOption(
      new Option('--enroll-token <token>', 'one-time token from `fedlink enroll create`: get a certificate from the coordinator (needs --state-dir and --tls-ca)'),
    )
    .addOption(
      new Option('--clip-norm <C>', 'clip every update to this L2 norm before upload: Δ = trained − global is scaled by min(1, C/‖Δ‖) (local DP, bounds one device\'s pull); default: no clipping')
        .argParser(positiveNumber),
    )
    .option('--check-data', 'only check the local data against --model (as a task would) and exit: 0 fits, 1 does not')
    .addOption(new Option('--model <name|file>', `with --check-data: ${MODEL_NAMES.join(', ')} or a TFJS Layers model.json`))
    .addOption(new Option('--loss <loss>', 'with --check-data: the run\'s loss').choices(LOSSES).default(undefined, DEFAULT_OBJECTIVE.loss))
    .addOption(new Option('--preprocessing <file>', 'with --check-data: the run\'s preprocessing, a JSON file'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'));
  return addNatsFlags(addMetricsFlags(command));
}
