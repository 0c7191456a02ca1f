/** `fedlink runs metrics <run>`: per-round metrics as CSV or JSON lines, for notebooks and experiment trackers. */
import { Option, type Command } from 'commander';
import { addControlFlags, withControl, writeLine, type CliContext, type ControlFlags } from '../context';
import { writeOutFile } from '../out-file';
import { formatRoundMetrics, METRIC_COLUMNS, METRIC_FORMATS, type MetricFormat } from '../round-metrics';

interface MetricsFlags extends ControlFlags {
  format: MetricFormat;
  out?: string;
}

/** Registers `metrics` on the `runs` group. */
export function registerRunsMetricsCommand(runs: Command, ctx: CliContext): void {
  const command = runs
    .command('metrics')
    .description(`export a run's per-round metrics, one row per round attempt: ${METRIC_COLUMNS.map((c) => c.name).join(', ')}, then the strategy's own (strategy.<name>)`)
    .argument('<run>', 'run id')
    .addOption(new Option('--format <format>', 'csv (header row; an empty cell is not known) or jsonl (one JSON object per line; null is not known)').choices(METRIC_FORMATS).default('csv'))
    .addOption(new Option('--out <file>', 'write to this file (default: stdout)'));
  // No --json: --format is the output.
  addControlFlags(command, null).action(async (runId: string, flags: MetricsFlags) => {
    const res = await withControl(flags, (control) => control.listRounds(runId));
    const text = formatRoundMetrics(res.rounds, flags.format);
    if (!flags.out) return void ctx.io.stdout.write(text);
    writeOutFile('--out', flags.out, text);
    writeLine(ctx.io.stderr, `wrote ${flags.out} (${res.rounds.length} round attempt(s), ${flags.format})`);
  });
}
