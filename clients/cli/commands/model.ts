/** `fedlink model export`: a run's checkpoint as a TFJS model on disk. */
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { Option } from 'commander';
import { FedlinkError } from '../../../common/errors';
import { addControlFlags, printJson, withControl, type CliContext, type ControlFlags } from '../context';
import { nonNegativeInt } from '../flags';

interface ExportFlags extends ControlFlags {
  round?: number;
  out: string;
}

/** The export did not arrive whole (a coordinator bug or a broken stream). */
class CorruptExportError extends FedlinkError {}

/** Registers the `model` command group. */
export function registerModelCommands(program: Command, ctx: CliContext): void {
  const model = program.command('model').description('work with the models a run produced');
  addControlFlags(
    model
      .command('export')
      .description("write a run's checkpoint (default: the latest committed round) as a TFJS model: DIR/model.json + DIR/weights.bin, loadable with tf.loadLayersModel")
      .argument('<run>', 'run id')
      .addOption(new Option('--round <n>', 'export the checkpoint of this round (0 is the initial model; see runs show for the ones kept)').argParser(nonNegativeInt))
      .requiredOption('--out <dir>', 'directory to write model.json and weights.bin to'),
    'print {"run", "round", "version", "modelJson", "weightsBin", "bytes"} as one JSON document',
  ).action(async (runId: string, flags: ExportFlags) => {
    const got = await withControl(flags, async (control) => {
      let spec;
      let round = 0;
      let version = '';
      const parts: Buffer[] = [];
      for await (const chunk of control.exportModel(runId, flags.round ?? -1)) {
        if (chunk.header) {
          version = chunk.header.sha256;
          round = chunk.round;
          spec = chunk.model;
        }
        parts.push(chunk.data);
      }
      return { spec, round, version, bytes: Buffer.concat(parts) };
    });
    if (!got.spec || createHash('sha256').update(got.bytes).digest('hex') !== got.version) {
      throw new CorruptExportError(`the checkpoint of run ${runId} did not arrive whole (sha256 mismatch); nothing was written`);
    }
    // TFJS (and its backend) only load when there is something to write.
    const { writeTfjsModel } = await import('../../trainer/tfjs-format');
    const { initBackend } = await import('../../trainer/backend');
    await initBackend({ prefer: 'cpu' });
    const weights = new Float32Array(got.bytes.buffer, got.bytes.byteOffset, got.bytes.length / 4);
    const spec = { name: got.spec.name, inputShape: got.spec.inputShape, numClasses: got.spec.numClasses, tensors: got.spec.tensors.map((t) => ({ name: t.name, shape: t.shape })) };
    const written = await writeTfjsModel(spec as Parameters<typeof writeTfjsModel>[0], weights.slice(), flags.out);
    const result = { run: runId, round: got.round, version: got.version, ...written };
    if (flags.json) return printJson(ctx.io, result);
    ctx.io.stdout.write(`run ${runId} round ${got.round} (version ${got.version.slice(0, 12)}): wrote ${written.modelJson} and ${written.weightsBin} (${written.bytes} bytes)\n`);
  });
}
