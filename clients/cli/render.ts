/** Text views of Control messages (runs, rounds, round clients, fleet clients) for human output. */
import type { Metrics__Output } from '../../proto/gen/fedlink/v1/Metrics';
import { STRATEGY_OPTIONS, STRATEGY_OPTION_NAMES } from '../../services/coordinator/strategy/types';
import type { ClientInfo__Output } from '../../proto/gen/fedlink/v1/ClientInfo';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { RoundClient__Output } from '../../proto/gen/fedlink/v1/RoundClient';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import type { SkippedClient__Output } from '../../proto/gen/fedlink/v1/SkippedClient';
import { stripControl } from '../../common/sanitize';
import { columnsTable, elapsed, formatAgo, formatBytes, formatDuration, formatMetric, formatTime, keyValues, type Column } from './format';

/** How wide a view may be: `wide` (from -o wide) shows every column and wraps nothing. */
export interface ViewOptions {
  wide?: boolean;
  /** The terminal's width, when stdout is one: key/value lines wrap to it (piped output never wraps, so grep sees whole lines). */
  terminalColumns?: number;
}

function wrapWidth(options: ViewOptions): number {
  return options.wide || !options.terminalColumns ? Infinity : options.terminalColumns;
}

/** Run states after which nothing changes any more. */
export const TERMINAL_RUN_STATES = new Set(['completed', 'failed', 'cancelled']);

/** Client states whose train metrics are real (others carry proto zeros). */
const REPORTED = new Set(['finished']);

function batchText(batchSize: number): string {
  return batchSize === 0 ? 'full' : String(batchSize);
}

/** The strategy options a run set (" (server lr 0.01, beta1 0.9)"), in the registry's order. */
function strategyOptionsText(c: NonNullable<Run__Output['config']>): string {
  const set = STRATEGY_OPTION_NAMES.filter((name) => typeof c[name] === 'number').map((name) => `${STRATEGY_OPTIONS[name].wire.replace(/_/g, ' ')} ${c[name]}`);
  return set.length ? ` (${set.join(', ')})` : '';
}

/** `runs show`: configuration, progress, latest evaluation and reason. */
export function runDetails(run: Run__Output, nowMs = Date.now(), options: ViewOptions = {}): string {
  const c = run.config;
  const t = c?.train;
  const ev = run.latestEval;
  return keyValues([
    ['run', run.runId],
    ['state', run.state],
    ['rounds', c ? `${run.committedRounds}/${c.rounds} committed${run.currentRound && !TERMINAL_RUN_STATES.has(run.state) ? `, current round ${run.currentRound}` : ''}` : String(run.committedRounds)],
    ['model', c ? `${c.model}${run.modelVersion ? ` (version ${run.modelVersion.slice(0, 12)})` : ''}` : undefined],
    ['strategy', c ? `${c.strategy}${strategyOptionsText(c)}, selection ${c.selection}, seed ${c.seed}` : undefined],
    ['clients', c ? `${c.clientsPerRound} per round, min ${c.minClients}, ${c.acceptFailures ? 'accept' : 'no'} failures` : undefined],
    ['training', t ? `${t.localEpochs} local epoch(s), batch ${batchText(t.batchSize)}, lr ${Number(t.learningRate.toPrecision(6))}` : undefined],
    ['deadline', c ? `${formatDuration(c.roundDeadlineMs)} per round, wait for clients ${formatDuration(c.waitForClientsMs)}, max retries ${c.maxRoundRetries}` : undefined],
    ['eval data', c ? c.evalData || 'none' : undefined],
    ['privacy', privacyText(run)],
    ['latest eval', ev ? evalText(ev) : '-'],
    ['created', `${formatTime(run.createdAtMs)} (${formatAgo(run.createdAtMs, nowMs)})`],
    ['updated', `${formatTime(run.updatedAtMs)} (${formatAgo(run.updatedAtMs, nowMs)})`],
    ['reason', run.reason || undefined],
    ['checkpoints', run.checkpoints.length ? run.checkpoints.map((c) => `round ${c.round} ${c.version.slice(0, 12)} (${formatBytes(c.bytes)})`).join(', ') : 'none'],
  ], wrapWidth(options));
}

/** "(ε = 1.23, δ = 1e-5) after 4 round(s); noise σ 1.1, clip C 1, stops before ε 3". */
function privacyText(run: Run__Output): string | undefined {
  const p = run.privacy;
  if (!p) return undefined;
  const target = p.targetEpsilon ? `, stops before ε ${p.targetEpsilon}` : '';
  return `(ε = ${formatMetric(p.epsilon)}, δ = ${p.delta}) after ${p.rounds} round(s); DP-FedAvg noise σ ${p.noise}, clip C ${p.clip}${target}`;
}

/** "loss 0.21, accuracy 0.93 on 114 examples"; a regression's errors instead of its (meaningless) accuracy. */
function evalText(m: Metrics__Output): string {
  const errors = [m.mae !== undefined && `mae ${formatMetric(m.mae)}`, m.mse !== undefined && `mse ${formatMetric(m.mse)}`].filter(Boolean);
  const score = errors.length ? errors.join(', ') : `accuracy ${formatMetric(m.accuracy)}`;
  return `loss ${formatMetric(m.loss)}, ${score} on ${m.numExamples} examples`;
}

/** `runs list` table. */
export function runsTable(runs: Run__Output[], nowMs = Date.now(), options: ViewOptions = {}): string {
  const columns: Array<Column<Run__Output>> = [
    { head: 'run', cell: (r) => r.runId, shrink: true },
    { head: 'state', cell: (r) => r.state },
    { head: 'rounds', cell: (r) => `${r.committedRounds}/${r.config?.rounds ?? '?'}` },
    { head: 'model', cell: (r) => r.config?.model ?? '-', wide: true },
    { head: 'strategy', cell: (r) => r.config?.strategy ?? '-', wide: true },
    { head: 'test acc', cell: (r) => formatMetric(r.latestEval?.accuracy) },
    { head: 'created', cell: (r) => formatAgo(r.createdAtMs, nowMs) },
    { head: 'reason', cell: (r) => r.reason, shrink: true },
  ];
  return columnsTable(columns, runs, { wide: options.wide, empty: 'no runs' });
}

function selectedCount(round: Round__Output): number {
  return round.clients.length;
}

/** `rounds list` table. */
export function roundsTable(rounds: Round__Output[], nowMs = Date.now(), options: ViewOptions = {}): string {
  const columns: Array<Column<Round__Output>> = [
    { head: 'round', cell: (r) => String(r.round) },
    { head: 'attempt', cell: (r) => String(r.attempt) },
    { head: 'state', cell: (r) => r.state },
    { head: 'reported', cell: (r) => `${r.reported}/${selectedCount(r)}` },
    { head: 'mean loss', cell: (r) => (r.reported > 0 ? formatMetric(r.meanTrainLoss) : '-') },
    { head: 'test acc', cell: (r) => formatMetric(r.eval?.accuracy) },
    { head: 'down', cell: (r) => formatBytes(r.bytesDown), wide: true },
    { head: 'up', cell: (r) => formatBytes(r.bytesUp), wide: true },
    { head: 'duration', cell: (r) => formatDuration(elapsed(r.startedAtMs, r.endedAtMs, nowMs)) },
    { head: 'reason', cell: (r) => r.reason, shrink: true },
  ];
  return columnsTable(columns, rounds, { wide: options.wide, empty: 'no rounds yet' });
}

/** `rounds show`: the round's summary, then one row per selected client. */
export function roundDetails(round: Round__Output, nowMs = Date.now(), options: ViewOptions = {}): string {
  const head = keyValues([
    ['run', round.runId],
    ['round', `${round.round} (attempt ${round.attempt})`],
    ['state', round.state],
    ['reported', `${round.reported} of ${selectedCount(round)} selected`],
    ['mean loss', round.reported > 0 ? formatMetric(round.meanTrainLoss) : '-'],
    ['test eval', round.eval ? evalText(round.eval) : '-'],
    ['bytes', `${formatBytes(round.bytesDown)} down, ${formatBytes(round.bytesUp)} up`],
    ['started', formatTime(round.startedAtMs)],
    ['deadline', formatTime(round.deadlineUnixMs)],
    ['duration', formatDuration(elapsed(round.startedAtMs, round.endedAtMs, nowMs))],
    ['reason', round.reason || undefined],
    ['selection', schedulingText(round)],
    ['aggregation', round.aggregation || undefined],
    ['strategy', strategyMetricsText(round)],
  ], wrapWidth(options));
  const skippedColumns: Array<Column<SkippedClient__Output>> = [
    { head: 'client', cell: (c) => c.clientId, shrink: true },
    { head: 'reason', cell: (c) => c.reason, shrink: true },
    { head: 'predicted', cell: (c) => (c.predictedMs ? formatDuration(c.predictedMs) : '-') },
  ];
  const skipped = round.skipped.length ? `\nnot selected:\n${columnsTable(skippedColumns, round.skipped, { wide: options.wide })}` : '';
  return `${head}\n${roundClientsTable(round.clients, options)}${skipped}`;
}

function strategyMetricsText(round: Round__Output): string | undefined {
  const entries = Object.entries(round.strategyMetrics ?? {});
  return entries.length ? entries.map(([k, v]) => `${k.replace(/_/g, ' ')} ${formatMetric(v)}`).join(', ') : undefined;
}

function schedulingText(round: Round__Output): string | undefined {
  const m = round.scheduling;
  if (!m) return undefined;
  const ms = (v: number) => formatDuration(Math.round(v));
  return (
    `${m.policy}; wait mean ${ms(m.meanWaitMs)} p95 ${ms(m.p95WaitMs)}; response mean ${ms(m.meanResponseMs)} p95 ${ms(m.p95ResponseMs)}; ` +
    `drop rate ${(m.dropRate * 100).toFixed(0)}%; prediction error mean ${ms(m.meanAbsPredictionErrorMs)}`
  );
}

/** Per-client rows of one round. */
export function roundClientsTable(clients: RoundClient__Output[], options: ViewOptions = {}): string {
  const columns: Array<Column<RoundClient__Output>> = [
    { head: 'client', cell: (c) => c.clientId, shrink: true },
    { head: 'state', cell: (c) => c.state },
    { head: 'examples', cell: (c) => (REPORTED.has(c.state) ? String(c.numExamples) : '-') },
    { head: 'train loss', cell: (c) => (REPORTED.has(c.state) ? formatMetric(c.trainLoss) : '-') },
    { head: 'duration', cell: (c) => (c.durationMs ? formatDuration(c.durationMs) : '-') },
    { head: 'predicted', cell: (c) => (c.predictedMs ? formatDuration(c.predictedMs) : '-'), wide: true },
    { head: 'actual', cell: (c) => (c.actualMs ? formatDuration(c.actualMs) + (c.resumes ? ` (${c.resumes} resume${c.resumes > 1 ? 's' : ''})` : '') : '-'), wide: true },
    { head: 'encoding', cell: (c) => (c.encoding || 'float32') + (c.sparseAverage ? ' per-param' : ''), wide: true },
    { head: 'down', cell: (c) => formatBytes(c.bytesDown) + (c.downloadMs ? ` in ${formatDuration(c.downloadMs)}` : ''), wide: true },
    { head: 'up', cell: (c) => formatBytes(c.bytesUp) + (c.uploadMs ? ` in ${formatDuration(c.uploadMs)}` : ''), wide: true },
    // Last in the default view: the longest cell, cut first.
    { head: 'reason', cell: (c) => c.reason, shrink: true },
  ];
  return columnsTable(columns, clients, { wide: options.wide, empty: 'no clients selected' });
}

/** `clients list` table. */
export function clientsTable(clients: ClientInfo__Output[], nowMs = Date.now(), options: ViewOptions = {}): string {
  const mbps = (v?: number) => (v ? (v >= 10 ? v.toFixed(0) : v.toFixed(1)) : '-');
  const columns: Array<Column<ClientInfo__Output>> = [
    { head: 'client', cell: (c) => c.clientId, shrink: true },
    {
      head: 'status',
      cell: (c) => {
        const l = c.link;
        const status = l && l.presence !== 'unknown' && l.presence !== 'online' ? `${c.status} (${l.presence})` : c.status;
        return l?.stale ? `${status}, stale` : status;
      },
      shrink: true,
    },
    { head: 'radio', cell: (c) => (c.link?.radio && c.link.radio !== 'unknown' ? c.link.radio + (c.link.slice ? `/${c.link.slice}` : '') : '-') },
    { head: 'rtt', cell: (c) => (c.link?.rttMs ? `${c.link.rttMs.toFixed(0)} ms` : '-') },
    { head: 'up Mbit/s', cell: (c) => mbps(c.link?.upMbps) },
    { head: 'down Mbit/s', cell: (c) => mbps(c.link?.downMbps) },
    { head: 'est. round', cell: (c) => (c.link?.estimatedRoundMs ? formatDuration(c.link.estimatedRoundMs) : '-'), wide: true },
    { head: 'last seen', cell: (c) => formatAgo(c.lastSeenMs, nowMs) },
    { head: 'backend', cell: (c) => c.backend || '-', wide: true },
    { head: 'size', cell: (c) => String(c.datasetSize), wide: true },
    { head: 'partition', cell: (c) => c.partition || '-', wide: true },
    { head: 'activity', cell: (c) => c.activity || 'idle', wide: true },
  ];
  return columnsTable(columns, clients, { wide: options.wide, empty: 'no clients' });
}
