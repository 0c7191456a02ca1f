/** `fedlink runs create|list|show|start|cancel|watch`: training runs on a coordinator. */
import { Option, type Command } from 'commander';
import { addControlFlags, printJson, withControl, writeLine, type CliContext, type ControlFlags } from '../context';
import { registerRunsMetricsCommand } from './runs-metrics';
import { warnIfFewClients } from '../fleet-check';
import { addOutputOption, isWide, type OutputFlags } from '../output-option';
import { toJsonRun } from '../json-view';
import { buildCreateRunRequest, type CreateRunFlags } from '../create-run-request';
import { atLeastOne, nonNegativeNumber, batchSize, duration, nonNegativeInt, positiveInt, positiveNumber, probability, strategySpec } from '../flags';
import { formatDuration } from '../format';
import { STRATEGIES, STRATEGY_NAMES } from '../../../services/coordinator/strategy/registry';
import { optionRange, STRATEGY_OPTION_NAMES, STRATEGY_OPTIONS, type StrategyOptionName } from '../../../services/coordinator/strategy/types';
import { strategyOption } from '../flags';
import { DEFAULT_OBJECTIVE, LOSSES, METRICS, OPTIMIZERS } from '../../../common/model-definition';
import { MODEL_NAMES } from '../../trainer/model-names';
import { readModelFile, uploadChunks } from '../model-file';
import { metricList, nameList, readPreprocessing } from '../objective-flags';
import { runDetails, runsTable } from '../render';
import { DEFAULT_GIVE_UP_AFTER_MS, watchCommand } from '../watch/watch-command';
import { WATCH_EXITS, watchExitHelp } from '../watch/watch-exit';

/** A strategy option's flag, its help naming the range and each strategy's default (from the registry). */
function strategyOptionFlag(name: StrategyOptionName): Option {
  const spec = STRATEGY_OPTIONS[name];
  const defaults = STRATEGY_NAMES.flatMap((n) => {
    const d = STRATEGIES.get(n)?.defaults[name];
    return d === undefined ? [] : [`${n} ${d}`];
  });
  return new Option(`${spec.flag} <x>`, `${spec.help}, ${optionRange(spec)} (default: ${defaults.join(', ') || 'off'})`).argParser(strategyOption(spec));
}

/** Registers the `runs` command group. */
export function registerRunsCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('create, inspect, cancel and watch training runs, and export their metrics');
  registerRunsMetricsCommand(runs, ctx);

  const create = runs
      .command('create')
      .description('create a federated training run (and start it unless --no-start)')
      .addOption(new Option('--rounds <n>', 'number of rounds').argParser(positiveInt).default(10))
      .addOption(new Option('--clients-per-round <n>', 'clients selected each round').argParser(positiveInt).default(5))
      .addOption(new Option('--min-clients <n>', 'reports a round needs to commit (default: half of --clients-per-round, rounded up)').argParser(positiveInt))
      .addOption(new Option('--local-epochs <n>', 'local epochs per client per round').argParser(positiveInt).default(1))
      .addOption(new Option('--batch-size <n|full>', 'local batch size; "full" = one batch of the whole partition (FedSGD with --local-epochs 1)').argParser(batchSize).default(32))
      .addOption(new Option('--lr <rate>', 'client learning rate').argParser(positiveNumber).default(0.05))
      .addOption(new Option('--deadline <duration>', 'per-round deadline (e.g. 90s, 2m)').argParser(duration).default(120_000, '120s'))
      .addOption(new Option('--strategy <name>', `aggregation strategy: ${STRATEGY_NAMES.map((n) => `${n} (${STRATEGIES.get(n)?.help})`).join('; ')}`).argParser(strategySpec).default('fedavg'))
      .addOption(new Option('--model <name|path>', `a built-in model (${MODEL_NAMES.join(', ')}; cnn is slow without @tensorflow/tfjs-node), or a TFJS model.json to upload (its weights, if listed, are the initial model)`).default('mlp'))
      .addOption(new Option('--loss <name>', 'training loss').choices([...LOSSES]).default(DEFAULT_OBJECTIVE.loss))
      .addOption(new Option('--metrics <list>', `metrics besides the loss, comma-separated: ${METRICS.join(', ')}`).argParser(metricList).default(undefined, 'accuracy for a classifier, mae for mse/mae'))
      .addOption(new Option('--optimizer <name>', 'client optimiser (its learning rate is --lr)').choices([...OPTIMIZERS]).default(DEFAULT_OBJECTIVE.optimizer.name))
      .addOption(new Option('--momentum <x>', 'momentum of --optimizer momentum (default 0.9)').argParser(probability))
      .addOption(new Option('--adam-beta1 <x>', 'β1 of --optimizer adam (default 0.9)').argParser(probability))
      .addOption(new Option('--adam-beta2 <x>', 'β2 of --optimizer adam (default 0.999)').argParser(probability))
      .addOption(new Option('--adam-epsilon <x>', 'ε of --optimizer adam (default 1e-7)').argParser(probability))
      .addOption(new Option('--preprocessing <file.json>', 'what every device applies to its raw data: {labelColumn, featureColumns, shift, divide, image: {height, width, channels, normalize}, labels} (docs/data.md)'))
      .addOption(new Option('--labels <list>', 'class names in index order, comma-separated (overrides the preprocessing file\'s)').argParser(nameList))
      .addOption(new Option('--label-column <name>', 'tabular data: the label column (overrides the preprocessing file\'s)'))
      .addOption(new Option('--feature-columns <list>', 'tabular data: the feature columns in model-input order, comma-separated').argParser(nameList))
      .addOption(new Option('--eval-data <name>', 'server-side evaluation set, e.g. fashion-mnist-test (default: none)'))
      .option('--accept-failures', 'commit a round when some selected clients failed but --min-clients reported (default)')
      .option('--no-accept-failures', 'fail a round as soon as any selected client fails')
      .addOption(
        new Option('--selection <policy>', 'client selection: random, fcfs (first available), sjf (shortest predicted round first), round-robin (least recently selected), deadline (FedCS: only clients predicted to make the deadline), utility (Oort)')
          .choices(['random', 'fcfs', 'sjf', 'round-robin', 'deadline', 'utility'])
          .default('random'),
      )
      .addOption(new Option('--over-selection <factor>', 'select up to ceil(clients-per-round × factor); the round commits once clients-per-round reported').argParser(atLeastOne).default(1))
      .addOption(
        new Option('--compression <encoding>', 'update encoding: float32, float16, int8, topk:<fraction>, topk:<fraction>+int8, or auto (per client and round, the lightest-loss encoding whose upload fits its time)').default('float32'),
      )
      .addOption(new Option('--downlink <encoding>', 'model broadcast encoding: float16 halves the download (encoded once per version)').choices(['float32', 'float16']).default('float32'))
      .addOption(new Option('--client-deadline-factor <factor>', 'cut a client loose once it takes this many times its predicted round time (0 = off)').argParser(nonNegativeNumber).default(0))
      .addOption(new Option('--seed <n>', 'seed of selection, initial weights and local shuffling').argParser(nonNegativeInt).default(42))
      .addOption(new Option('--max-round-retries <n>', 'times a failed round is tried again before the run fails').argParser(nonNegativeInt).default(2))
      .addOption(new Option('--wait-for-clients <duration>', 'how long a round waits for --min-clients to be connected').argParser(duration).default(60_000, '60s'))
      .addOption(new Option('--dp-noise <σ>', 'central DP-FedAvg: noise multiplier σ (noise stddev σ·C on the sum of clipped updates); needs --dp-clip').argParser(positiveNumber))
      .addOption(new Option('--dp-clip <C>', 'central DP-FedAvg: clip every update to L2 norm C; needs --dp-noise').argParser(positiveNumber))
      .addOption(new Option('--dp-delta <δ>', 'δ of the (ε, δ) guarantee reported (default: 1e-5)').argParser(probability))
      .addOption(new Option('--dp-target-epsilon <ε>', 'stop the run before a round would take ε past this').argParser(positiveNumber))
      .option('--no-start', 'create the run without starting it');
  for (const name of STRATEGY_OPTION_NAMES) create.addOption(strategyOptionFlag(name));
  addControlFlags(create, 'print the created Run as one JSON document').action(async (flags: CreateRunFlags & ControlFlags) => {
    const preprocessing = await readPreprocessing(flags);
    const modelFile = (MODEL_NAMES as readonly string[]).includes(flags.model) ? undefined : await readModelFile(flags.model);
    // Everything the coordinator would refuse is refused here first, before anything is uploaded.
    buildCreateRunRequest({ ...flags, preprocessing, ...(modelFile && { model: '', modelUpload: `model-${'0'.repeat(24)}` }) });
    const run = await withControl(flags, async (control) => {
      const upload = modelFile && (await control.uploadModel(uploadChunks(modelFile)));
      const created = await control.createRun(buildCreateRunRequest({ ...flags, preprocessing, ...(upload && { model: '', modelUpload: upload.uploadId }) }));
      await warnIfFewClients(control, created, ctx.io.stderr);
      return created;
    });
    if (flags.json) return printJson(ctx.io, toJsonRun(run));
    const c = run.config;
    writeLine(ctx.io.stdout, `created run ${run.runId}`);
    if (c) {
      const batch = c.train?.batchSize === 0 ? 'full' : String(c.train?.batchSize);
      writeLine(
        ctx.io.stdout,
        `  ${c.model}, ${c.strategy}, ${c.rounds} rounds, ${c.clientsPerRound} clients per round (min ${c.minClients}), ` +
          `${c.train?.localEpochs} epoch(s), batch ${batch}, lr ${Number((c.train?.learningRate ?? 0).toPrecision(6))}, deadline ${formatDuration(c.roundDeadlineMs)}`,
      );
    }
    writeLine(ctx.io.stdout, `  state ${run.state}; follow it with: fedlink runs watch ${run.runId}`);
  });

  addControlFlags(addOutputOption(runs.command('list').description('list runs')), 'print {"runs": [...]} as one JSON document').action(async (flags: ControlFlags & OutputFlags) => {
    const res = await withControl(flags, (control) => control.listRuns());
    if (flags.json) return printJson(ctx.io, { runs: res.runs.map(toJsonRun) });
    ctx.io.stdout.write(runsTable(res.runs, Date.now(), { wide: isWide(flags) }));
  });

  addControlFlags(
    addOutputOption(runs.command('show').description('show a run: config, state, rounds committed, latest evaluation, reason').argument('<run>', 'run id')),
    'print the Run as one JSON document',
  ).action(async (runId: string, flags: ControlFlags & OutputFlags) => {
    const run = await withControl(flags, (control) => control.getRun(runId));
    if (flags.json) return printJson(ctx.io, toJsonRun(run));
    ctx.io.stdout.write(runDetails(run, Date.now(), { wide: isWide(flags), terminalColumns: ctx.io.stdout.columns }));
  });

  addControlFlags(
    runs.command('start').description('start a run created with --no-start').argument('<run>', 'run id'),
    'print the Run as one JSON document',
  ).action(async (runId: string, flags: ControlFlags) => {
    const run = await withControl(flags, async (control) => {
      const started = await control.startRun(runId);
      await warnIfFewClients(control, started, ctx.io.stderr);
      return started;
    });
    if (flags.json) return printJson(ctx.io, toJsonRun(run));
    writeLine(ctx.io.stdout, `run ${run.runId}: started; follow it with: fedlink runs watch ${run.runId}`);
  });

  addControlFlags(
    runs.command('cancel').description('cancel a run: the current round closes now and no new round starts').argument('<run>', 'run id'),
    'print the Run as one JSON document',
  ).action(async (runId: string, flags: ControlFlags) => {
    const run = await withControl(flags, (control) => control.cancelRun(runId));
    if (flags.json) return printJson(ctx.io, toJsonRun(run));
    writeLine(ctx.io.stdout, `run ${run.runId}: ${run.state}${run.reason ? ` (${run.reason})` : ''}`);
  });

  addControlFlags(
    runs
      .command('watch')
      .description(`follow a run until it ends: a live view on a terminal, one line per event when piped; survives coordinator restarts and failovers (--coordinator may list an HA pair's addresses, comma-separated, to move between them); ${watchExitHelp()}`)
      .argument('<run>', 'run id')
      .addOption(new Option('--give-up-after <duration>', `exit ${WATCH_EXITS.lost.code} once the coordinator has been unreachable this long`).argParser(duration).default(DEFAULT_GIVE_UP_AFTER_MS, '60s')),
    'print one typed JSON event per line (JSON lines: {"type":"round_committed",...}) instead of text',
  ).action(async (runId: string, flags: ControlFlags & { giveUpAfter: number }) => {
    ctx.exitCode = await watchCommand(ctx, runId, flags);
  });
}
