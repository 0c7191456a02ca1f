/** `fedlink model export|predict`: a run's checkpoint as a TFJS model on disk with its model card, and predictions from it. */
import { status } from '../grpc-status';
import type { Command } from 'commander';
import { InvalidArgumentError as FlagError, Option } from 'commander';
import { addControlFlags, printJson, withControl, type CliContext, type ControlFlags } from '../context';
import { CoordinatorCallError } from '../errors';
import { fetchCheckpoint } from '../fetch-checkpoint';
import { nonNegativeInt, positiveInt } from '../flags';
import { buildModelCard } from '../model-card';
import { packageVersion } from '../../../common/package-root';
import { tlsFromFlags } from '../tls-flags';

interface ExportFlags extends ControlFlags {
  round?: number;
  out: string;
}

interface PredictFlags extends ControlFlags {
  round?: number;
  input: string;
  top: number;
  remote?: boolean;
}

/** --top: 1 to 100 classes. */
function topK(text: string): number {
  const n = positiveInt(text);
  if (n > 100) throw new FlagError('expected at most 100');
  return n;
}

/** Registers the `model` command group. */
export function registerModelCommands(program: Command, ctx: CliContext): void {
  const model = program.command('model').description('work with the models a run produced');
  addControlFlags(
    model
      .command('export')
      .description(
        "write a run's checkpoint (default: the latest committed round) as a TFJS model: DIR/model.json + DIR/weights.bin, and its model card DIR/fedlink-model.json " +
          '(run, round, config, metrics, preprocessing, labels, contributors, checkpoint sha256); load it with tf.loadLayersModel (see docs/serving.md)',
      )
      .argument('<run>', 'run id')
      .addOption(new Option('--round <n>', 'export the checkpoint of this round (0 is the initial model; see runs show for the ones kept)').argParser(nonNegativeInt))
      .requiredOption('--out <dir>', 'directory to write model.json, weights.bin and fedlink-model.json to'),
    'print {"run", "round", "version", "modelJson", "weightsBin", "card", "bytes"} as one JSON document',
  ).action(async (runId: string, flags: ExportFlags) => {
    const got = await withControl(flags, async (control) => {
      const checkpoint = await fetchCheckpoint(control, runId, flags.round ?? -1);
      const run = await control.getRun(runId);
      const roundRecord =
        checkpoint.round > 0
          ? await control.getRound(runId, checkpoint.round).catch((err: unknown) => {
              // A record pruned or never written: the card says so (null metrics) rather than failing the export.
              if (err instanceof CoordinatorCallError && err.code === status.NOT_FOUND) return undefined;
              throw err;
            })
          : undefined;
      return { checkpoint, run, roundRecord };
    });
    const { checkpoint } = got;
    const card = buildModelCard({
      run: got.run, spec: checkpoint.spec, round: checkpoint.round, version: checkpoint.version, weightBytes: checkpoint.weights.byteLength,
      roundRecord: got.roundRecord, fedlinkVersion: packageVersion(), nowMs: Date.now(),
    });
    // TFJS (and its backend) only load when there is something to write.
    const { writeTfjsModel } = await import('../../trainer/tfjs-format');
    const { initBackend } = await import('../../trainer/backend');
    await initBackend({ prefer: 'cpu' });
    const written = await writeTfjsModel(checkpoint.spec, checkpoint.weights, flags.out, { card });
    const result = { run: runId, round: checkpoint.round, version: checkpoint.version, ...written };
    if (flags.json) return printJson(ctx.io, result);
    ctx.io.stdout.write(`run ${runId} round ${checkpoint.round} (version ${checkpoint.version.slice(0, 12)}): wrote ${written.modelJson}, ${written.weightsBin} (${written.bytes} bytes) and ${written.card}\n`);
  });

  addControlFlags(
    model
      .command('predict')
      .description(
        "predict with a run's model: applies the run's preprocessing to each input and prints the top class names with their probabilities (classifiers) or the values (regression), one line per input. " +
          'Runs the model here from its checkpoint, or with --remote on the coordinator (Inference.Predict, the latest committed model, swapped as rounds commit)',
      )
      .argument('<run>', 'run id')
      .requiredOption('--input <file|dir|->', 'a CSV file (header row naming the columns), JSON lines (objects or arrays of numbers), a PNG image, a directory of PNG images, or - for standard input')
      .addOption(new Option('--round <n>', "use this round's checkpoint (default: the latest committed)").argParser(nonNegativeInt))
      .addOption(new Option('--top <k>', 'classes shown per input (classifiers)').argParser(topK).default(1))
      .option('--remote', "use the coordinator's Inference service instead of running the model here"),
    'print one JSON object per input, one per line: {"input", "round", "version", "top": [{"label", "index", "probability"}]} or {..., "values": [...]}',
  ).action(async (runId: string, flags: PredictFlags) => {
    const { runPredict } = await import('../predict/run-predict');
    const { connectInference } = await import('../inference-client');
    const inference = flags.remote ? connectInference({ address: flags.coordinator, tls: tlsFromFlags(flags) }) : undefined;
    try {
      await withControl(flags, (control) =>
        runPredict({ runId, round: flags.round, input: flags.input, top: flags.top, json: flags.json === true, remote: flags.remote === true }, ctx.io, control, inference),
      );
    } finally {
      inference?.close();
    }
  });
}
