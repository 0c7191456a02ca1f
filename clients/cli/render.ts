/** Text views of Control messages (runs, rounds, round clients, fleet clients) for human output. */
import type { Metrics__Output } from '../../proto/gen/fedlink/v1/Metrics';
import { STRATEGY_OPTIONS, STRATEGY_OPTION_NAMES } from '../../services/coordinator/strategy/types';
import type { ClientInfo__Output } from '../../proto/gen/fedlink/v1/ClientInfo';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { RoundClient__Output } from '../../proto/gen/fedlink/v1/RoundClient';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import { stripControl } from '../../common/sanitize';
import { elapsed, formatAgo, formatBytes, formatDuration, formatMetric, formatTime, keyValues, table } from './format';

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
export function runDetails(run: Run__Output, nowMs = Date.now()): string {
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
  ]);
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
export function runsTable(runs: Run__Output[], nowMs = Date.now()): string {
  return table(
    ['run', 'state', 'rounds', 'model', 'strategy', 'test acc', 'created', 'reason'],
    runs.map((r) => [
      r.runId,
      r.state,
      `${r.committedRounds}/${r.config?.rounds ?? '?'}`,
      r.config?.model ?? '-',
      r.config?.strategy ?? '-',
      formatMetric(r.latestEval?.accuracy),
      formatAgo(r.createdAtMs, nowMs),
      r.reason,
    ]),
    'no runs',
  );
}

function selectedCount(round: Round__Output): number {
  return round.clients.length;
}

/** `rounds list` table. */
export function roundsTable(rounds: Round__Output[], nowMs = Date.now()): string {
  return table(
    ['round', 'attempt', 'state', 'reported', 'mean loss', 'test acc', 'down', 'up', 'duration', 'reason'],
    rounds.map((r) => [
      String(r.round),
      String(r.attempt),
      r.state,
      `${r.reported}/${selectedCount(r)}`,
      r.reported > 0 ? formatMetric(r.meanTrainLoss) : '-',
      formatMetric(r.eval?.accuracy),
      formatBytes(r.bytesDown),
      formatBytes(r.bytesUp),
      formatDuration(elapsed(r.startedAtMs, r.endedAtMs, nowMs)),
      r.reason,
    ]),
    'no rounds yet',
  );
}

/** `rounds show`: the round's summary, then one row per selected client. */
export function roundDetails(round: Round__Output, nowMs = Date.now()): string {
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
  ]);
  const skipped = round.skipped.length
    ? `\nnot selected:\n${table(['client', 'reason', 'predicted'], round.skipped.map((s) => [s.clientId, s.reason, s.predictedMs ? formatDuration(s.predictedMs) : '-']))}`
    : '';
  return `${head}\n${roundClientsTable(round.clients)}${skipped}`;
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
export function roundClientsTable(clients: RoundClient__Output[]): string {
  return table(
    ['client', 'state', 'reason', 'examples', 'train loss', 'duration', 'predicted', 'actual', 'encoding', 'down', 'up'],
    clients.map((c) => [
      c.clientId,
      c.state,
      c.reason,
      REPORTED.has(c.state) ? String(c.numExamples) : '-',
      REPORTED.has(c.state) ? formatMetric(c.trainLoss) : '-',
      c.durationMs ? formatDuration(c.durationMs) : '-',
      c.predictedMs ? formatDuration(c.predictedMs) : '-',
      c.actualMs ? formatDuration(c.actualMs) + (c.resumes ? ` (${c.resumes} resume${c.resumes > 1 ? 's' : ''})` : '') : '-',
      (c.encoding || 'float32') + (c.sparseAverage ? ' per-param' : ''),
      formatBytes(c.bytesDown) + (c.downloadMs ? ` in ${formatDuration(c.downloadMs)}` : ''),
      formatBytes(c.bytesUp) + (c.uploadMs ? ` in ${formatDuration(c.uploadMs)}` : ''),
    ]),
    'no clients selected',
  );
}

/** `clients list` table. */
export function clientsTable(clients: ClientInfo__Output[], nowMs = Date.now()): string {
  return table(
    ['client', 'status', 'radio', 'rtt', 'up Mbit/s', 'down Mbit/s', 'est. round', 'last seen', 'backend', 'size', 'activity'],
    clients.map((c) => {
      const l = c.link;
      const mbps = (v?: number) => (v ? (v >= 10 ? v.toFixed(0) : v.toFixed(1)) : '-');
      const status = l && l.presence !== 'unknown' && l.presence !== 'online' ? `${c.status} (${l.presence})` : c.status;
      return [
        c.clientId,
        l?.stale ? `${status}, stale` : status,
        l?.radio && l.radio !== 'unknown' ? l.radio + (l.slice ? `/${l.slice}` : '') : '-',
        l?.rttMs ? `${l.rttMs.toFixed(0)} ms` : '-',
        mbps(l?.upMbps),
        mbps(l?.downMbps),
        l?.estimatedRoundMs ? formatDuration(l.estimatedRoundMs) : '-',
        formatAgo(c.lastSeenMs, nowMs),
        c.backend || '-',
        String(c.datasetSize),
        c.activity || 'idle',
      ];
    }),
    'no clients',
  );
}
