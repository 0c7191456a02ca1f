/**
 * `fedlink coordinator`: runs a coordinator in this process until SIGINT/SIGTERM.
 * The coordinator module (TFJS, gRPC server) is imported only here, on demand,
 * so control commands start fast.
 */
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from '../../../common/errors';
import { LOG_LEVELS } from '../../../common/log-levels';
import type { CoordinatorOptions } from '../../../services/coordinator/options';
import { LIMIT_NAMES, LIMITS, type LimitKind, type Limits } from '../../../services/coordinator/limits';
import { formatBytes } from '../format';
import { durationText } from '../../../common/duration';
import type { CliContext } from '../context';
import { byteSize, duration, nonNegativeInt, port, positiveInt, positiveNumber } from '../flags';
import { addNatsFlags, toNatsOptions, type NatsFlags } from '../nats-flags';
import { addTlsFlags, tlsFromFlags, type TlsFlags } from '../tls-flags';
import { addMetricsFlags, metricsFromFlags, type MetricsFlags } from '../metrics-flags';
import { withSettings } from '../settings/with-settings';
import { readCa, readCaFiles } from '../../../common/pki/files';
import { checkValueBound } from '../../../common/codecs/value-bound';
import { defaultJournalBudget, JOURNAL_MEMORY_FLAGS, journalMemoryPolicy } from '../../../services/coordinator/rounds/journal-memory';

interface CoordinatorFlags extends TlsFlags, MetricsFlags {
  host?: string;
  insecure?: boolean;
  tlsCaKey?: string;
  port: number;
  httpPort?: number;
  httpHost: string;
  dataDir?: string;
  heartbeatInterval: number;
  clientTimeout: number;
  drainTimeout: number;
  logLevel: string;
  linkStaleAfter: number;
  linkOfflineAfter: number;
  linkForgetAfter: number;
  maxTrackedClients: number;
  reconnectGrace: number;
  spoolDir?: string;
  journalMemory?: number;
  journalMemoryPerUpdate?: number;
  updateValueBound: number;
  receiveWindow: number;
  store: 'file' | 'memory' | 'jetstream';
  storeReplicas: number;
  ha?: boolean;
  advertise?: string;
  leaseTtl: number;
  stateDir: string;
  keepCheckpoints: number;
  checkpointEvery: number;
}

/** The commander attribute name of a limit's flag ('--max-connections' → 'maxConnections'). */
function limitAttribute(key: keyof Limits): string {
  return LIMITS[key].flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const LIMIT_PARSERS: Record<LimitKind, (text: string) => number> = { count: positiveInt, length: positiveInt, duration };

/** The limits set by flags (every limit has a flag with its default). */
function limitsFromFlags(flags: Record<string, unknown>): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const key of LIMIT_NAMES) {
    const value = flags[limitAttribute(key)];
    if (typeof value === 'number') out[key] = value;
  }
  return out;
}

/** Adds one option per limit, with the registry's help and default. */
function addLimitFlags(command: Command): Command {
  for (const key of LIMIT_NAMES) {
    const l = LIMITS[key];
    const arg = l.kind === 'duration' ? '<duration>' : '<n>';
    // As the flag would take it back: --print-config prints defaults this way, and a file may copy them.
    const shown = l.kind === 'duration' ? durationText(l.default) : String(l.default);
    command.addOption(new Option(`${l.flag} ${arg}`, `limit: ${l.help}`).argParser(LIMIT_PARSERS[l.kind]).default(l.default, shown));
  }
  return command;
}

/** Flags → CoordinatorOptions; throws InvalidArgumentError for settings that contradict each other. */
export function toCoordinatorOptions(flags: CoordinatorFlags & NatsFlags): CoordinatorOptions {
  if (flags.clientTimeout <= flags.heartbeatInterval) {
    throw new InvalidArgumentError(
      `--client-timeout (${flags.clientTimeout}ms) must be longer than --heartbeat-interval (${flags.heartbeatInterval}ms)`,
    );
  }
  if (flags.ha && (flags.store !== 'jetstream' || !flags.nats)) {
    throw new InvalidArgumentError('--ha needs --store jetstream and --nats <url>: the leader lease and the shared state live in NATS JetStream');
  }
  if (flags.store === 'jetstream' && !flags.nats) throw new InvalidArgumentError('--store jetstream needs --nats <url>');
  if (flags.linkForgetAfter <= flags.linkOfflineAfter) {
    throw new InvalidArgumentError(`--link-forget-after (${flags.linkForgetAfter}ms) must be longer than --link-offline-after (${flags.linkOfflineAfter}ms)`);
  }
  if (flags.receiveWindow < 65_535 || flags.receiveWindow > 2 ** 31 - 1) {
    throw new InvalidArgumentError(`--receive-window must be between 64KiB (HTTP/2's default) and 2GiB, got ${flags.receiveWindow} bytes`);
  }
  // Checked here so a contradiction is one line and exit 2, like the other flags.
  const journals = journalMemoryPolicy({ budgetBytes: flags.journalMemory, perUpdateBytes: flags.journalMemoryPerUpdate });
  const tls = tlsFromFlags(flags);
  if (tls && flags.insecure) throw new InvalidArgumentError('--insecure contradicts the TLS flags: drop one');
  if (flags.tlsCaKey && !flags.tlsCa) throw new InvalidArgumentError('--tls-ca-key goes with --tls-ca/--tls-cert/--tls-key (with --pki, put ca.key in that directory)');
  return {
    host: flags.host,
    port: flags.port,
    httpPort: flags.httpPort,
    httpHost: flags.httpHost,
    tls,
    // A CA key (ca.key beside the CA certificate with --pki, or --tls-ca-key) lets the coordinator enroll devices.
    ca: flags.pki ? readCa(flags.pki, { flag: '--pki' }) : flags.tlsCaKey ? readCaFiles(flags.tlsCa!, flags.tlsCaKey) : undefined,
    insecure: flags.insecure === true,
    dataDir: flags.dataDir,
    heartbeatIntervalMs: flags.heartbeatInterval,
    clientTimeoutMs: flags.clientTimeout,
    drainTimeoutMs: flags.drainTimeout,
    logLevel: flags.logLevel,
    linkStaleAfterMs: flags.linkStaleAfter,
    linkOfflineAfterMs: flags.linkOfflineAfter,
    linkForgetAfterMs: flags.linkForgetAfter,
    maxTrackedClients: flags.maxTrackedClients,
    reconnectGraceMs: flags.reconnectGrace,
    spoolDir: flags.spoolDir,
    // Only what the operator set: the coordinator derives the rest from its own host.
    journalMemoryBytes: flags.journalMemory === undefined ? undefined : journals.budgetBytes,
    journalMemoryPerUpdateBytes: flags.journalMemoryPerUpdate === undefined ? undefined : journals.perUpdateBytes,
    updateValueBound: checkValueBound(flags.updateValueBound),
    receiveWindowBytes: flags.receiveWindow,
    store: flags.store,
    stateDir: flags.store === 'file' ? flags.stateDir : undefined,
    storeReplicas: flags.storeReplicas,
    ha: flags.ha === true,
    advertise: flags.advertise,
    leaseTtlMs: flags.leaseTtl,
    keepCheckpoints: flags.keepCheckpoints,
    checkpointEvery: flags.checkpointEvery,
    nats: toNatsOptions(flags),
    limits: limitsFromFlags(flags as unknown as Record<string, unknown>),
    ...metricsFromFlags(flags),
  };
}

/** Registers `fedlink coordinator`. */
export function registerCoordinatorCommand(program: Command, ctx: CliContext): void {
  const command = program
    .command('coordinator')
    .description('run a coordinator (gRPC Fleet, Control, health, reflection) until SIGINT/SIGTERM')
    .addOption(new Option('--host <address>', 'address to listen on (default: 0.0.0.0 with TLS, 127.0.0.1 without)'))
    .option('--insecure', 'serve plaintext on a non-loopback --host: no identities, anyone who reaches the port can train, poison or read models')
    .addOption(new Option('--port <port>', 'gRPC port (0 picks a free one)').argParser(port).default(50051))
    .addOption(new Option('--http-port <port>', 'serve the read-only web dashboard on this port (0 picks a free one; default: no dashboard)').argParser(port))
    .addOption(new Option('--http-host <address>', 'address the dashboard listens on; beyond loopback it needs TLS (browsers then present an operator certificate) or --insecure').default('127.0.0.1'))
    .addOption(new Option('--data-dir <dir>', 'Fashion-MNIST directory for server-side evaluation (default: /usr/share/datasets/fashion-mnist)'))
    .addOption(new Option('--heartbeat-interval <duration>', 'heartbeat interval asked of clients').argParser(duration).default(2000, '2s'))
    .addOption(new Option('--client-timeout <duration>', 'a client silent this long is considered gone').argParser(duration).default(10_000, '10s'))
    .addOption(new Option('--drain-timeout <duration>', 'how long shutdown waits for in-flight transfers').argParser(duration).default(5000, '5s'))
    .addOption(new Option('--link-stale-after <duration>', 'a link estimate without news for this long is stale').argParser(duration).default(15_000, '15s'))
    .addOption(new Option('--link-offline-after <duration>', 'a client silent on every channel this long is offline').argParser(duration).default(30_000, '30s'))
    .addOption(new Option('--link-forget-after <duration>', 'the link tracker forgets a client silent on every channel this long (bounds what fake ids can cost)').argParser(duration).default(600_000, '10m'))
    .addOption(new Option('--max-tracked-clients <n>', 'most clients the link tracker follows at once; news of further ids is refused and counted').argParser(positiveInt).default(100_000))
    .addOption(new Option('--reconnect-grace <duration>', 'how long a selected client whose connection broke may take to come back and resume').argParser(duration).default(10_000, '10s'))
    .addOption(new Option('--store <kind>', 'where runs, rounds and checkpoints live: file (--state-dir), jetstream (KV + Object Store on --nats) or memory (lost on exit)').choices(['file', 'jetstream', 'memory']).default('file'))
    .addOption(new Option('--store-replicas <n>', 'replicas of the JetStream buckets (3 on a 3-node cluster)').argParser(positiveInt).default(1))
    .addOption(new Option('--state-dir <dir>', 'directory of the file store; a coordinator restarted on it resumes its runs').default('.fedlink/state'))
    .addOption(new Option('--keep-checkpoints <n>', 'checkpoints kept per run (the newest n)').argParser(positiveInt).default(3))
    .addOption(new Option('--checkpoint-every <k>', "also keep every k-th round's checkpoint (0: none)").argParser(nonNegativeInt).default(0))
    .option('--ha', 'compete for the leader lease with other coordinators on the same NATS JetStream; stand by (read-only) while another leads')
    .addOption(new Option('--advertise <host:port>', 'address clients and operators should use while this coordinator leads (default: 127.0.0.1:<port>)'))
    .addOption(new Option('--lease-ttl <duration>', 'leader lease lifetime without renewal; a standby takes over this long after the leader dies').argParser(duration).default(6000, '6s'))
    .addOption(new Option('--spool-dir <dir>', 'where uploads are journaled until their round folds them (default: a fresh directory under the system temp dir, removed on exit)'))
    .addOption(new Option(`${JOURNAL_MEMORY_FLAGS.budgetBytes} <size>`, `memory upload journals may hold in all until their rounds fold them; past it uploads are journaled to --spool-dir, 0 spools all (default: an eighth of RAM, at most 4GiB: ${formatBytes(defaultJournalBudget())} here)`).argParser(byteSize))
    .addOption(new Option(`${JOURNAL_MEMORY_FLAGS.perUpdateBytes} <size>`, `largest upload journaled in memory (default: a quarter of ${JOURNAL_MEMORY_FLAGS.budgetBytes})`).argParser(byteSize))
    .addOption(new Option('--update-value-bound <x>', 'largest |value| an update may carry; uploads with larger, NaN or infinite values are refused before anything is folded').argParser(positiveNumber).default(1e30, '1e30'))
    .addOption(new Option('--receive-window <size>', "HTTP/2 receive window per upload and per connection: an upload moves at most this much per round trip (grpc-js's own is 64KiB)").argParser(byteSize).default(4 << 20, '4MiB'))
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'));
  addTlsFlags(command, "the coordinator's (with --pki, a ca.key there enables enrollment)");
  command.addOption(new Option('--tls-ca-key <file>', "the CA's private key, with --tls-ca: lets the coordinator enroll devices (sign their certificates)"));
  addLimitFlags(command);
  addMetricsFlags(command);
  withSettings(addNatsFlags(command), ctx, async (flags: CoordinatorFlags & NatsFlags) => {
    const options = toCoordinatorOptions(flags);
    const { runCoordinator }: { runCoordinator: (options: CoordinatorOptions) => Promise<void> } = await import('../../../services/coordinator/main');
    await runCoordinator(options);
  });
}
