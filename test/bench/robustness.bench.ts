/**
 * Robust aggregation against Byzantine clients: the 2NN on Fashion-MNIST with
 * N daemons (separate processes, iid partitions), A of them replaced by
 * Byzantine clients (test/bench/helpers/byzantine-client.ts), every client in
 * every round. Each strategy runs clean (the A slots train honestly) and under
 * each attack, on a fresh coordinator with the same seed; the honest daemons
 * stay up across runs, the A slots are restarted per run. Prints the final test
 * accuracy per strategy × condition, the loss against clean FedAvg, and one
 * JSON line. The target: FedAvg under sign-flip loses more than 20 points, while
 * under every attack some other strategy ends within 2 points of clean FedAvg.
 *
 * Knobs (env): BENCH_STRATEGIES (fedavg,median,trimmed-mean:0.2,krum:4,multi-krum:4:12,norm-bound:0.5),
 * BENCH_ATTACKS (sign-flip,noise,label-flip), BENCH_CLIENTS (20), BENCH_BYZANTINE (4),
 * BENCH_ROUNDS (15), BENCH_EXAMPLES_PER_CLIENT (600), BENCH_NOISE_SIGMA (1), BENCH_RUN_TIMEOUT (600 s per run).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectControl } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { loadFashionMnistLabels } from '../../clients/trainer/fashion-mnist';
import { BenchProcesses, clientArgs, startCoordinator, trainOnce, waitForClients, type FleetData, type RunOutcome } from './helpers/bench-fleet';
import { ATTACK_NAMES } from './helpers/byzantine-attacks';

const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const STRATEGIES = list(process.env.BENCH_STRATEGIES ?? 'fedavg,median,trimmed-mean:0.2,krum:4,multi-krum:4:12,norm-bound:0.5');
const ATTACKS = list(process.env.BENCH_ATTACKS ?? ATTACK_NAMES.join(','));
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const BYZANTINE = Number(process.env.BENCH_BYZANTINE ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PER_CLIENT = Number(process.env.BENCH_EXAMPLES_PER_CLIENT ?? 600);
const NOISE_SIGMA = Number(process.env.BENCH_NOISE_SIGMA ?? 1);
const RUN_TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT ?? 600) * 1000;
const SEED = 13;
const BASELINE = 'fedavg';
const CLEAN = 'clean';

/** One strategy under one condition ('clean' or an attack). */
interface Cell extends RunOutcome {
  strategy: string;
  condition: string;
}

const pct = (a: number | null) => (a === null ? '-' : (100 * a).toFixed(1));

/** The ids, process names and flags of the slots that turn Byzantine. */
function slot(i: number, condition: string): { name: string; id: string } {
  const honest = condition === CLEAN;
  return { name: `${honest ? 'edge' : 'byz'}-${i}-${condition}`, id: `${honest ? 'edge' : 'byz'}-${String(i).padStart(2, '0')}` };
}

async function runCell(strategy: string, condition: string, procs: BenchProcesses, data: FleetData, port: number): Promise<Cell> {
  const coordinator = `coordinator-${strategy}-${condition}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  startCoordinator(procs, coordinator, port);
  const slots = Array.from({ length: BYZANTINE }, (_, k) => CLIENTS - BYZANTINE + k);
  for (const i of slots) {
    const { name, id } = slot(i, condition);
    const args = clientArgs(data, i, id, port);
    if (condition === CLEAN) procs.fedlink(name, ['client', ...args]);
    else procs.byzantine(name, ['--attack', condition, '--noise-sigma', String(NOISE_SIGMA), '--attack-seed', String(SEED + i), ...args]);
  }
  const control = connectControl({ address: `127.0.0.1:${port}`, deadlineMs: 5000 });
  try {
    await waitForClients(control, procs, CLIENTS, [coordinator, ...slots.map((i) => slot(i, condition).name)]);
    const outcome = await trainOnce(
      control,
      {
        rounds: ROUNDS, clientsPerRound: CLIENTS, minClients: CLIENTS - BYZANTINE, model: 'mlp', strategy, selection: 'random',
        evalData: 'fashion-mnist-test', acceptFailures: true, seed: SEED, maxRoundRetries: 2, roundDeadlineMs: 120_000, waitForClientsMs: 60_000,
        overSelection: 1, train: { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: SEED },
      },
      RUN_TIMEOUT_MS,
      (round, accuracy, metrics) => {
        const norm = metrics.update_norm !== undefined ? `, update norm ${metrics.update_norm.toFixed(3)}` : '';
        console.log(`  ${strategy} / ${condition}: round ${round} test acc ${accuracy.toFixed(4)}${norm}`);
      },
    );
    if (outcome.state !== 'completed') console.log(`  ${strategy} / ${condition}: ${outcome.state}${outcome.reason ? `: ${outcome.reason}` : ''}`);
    return { strategy, condition, ...outcome };
  } finally {
    control.close();
    await procs.stop(coordinator);
    await Promise.all(slots.map((i) => procs.stop(slot(i, condition).name)));
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  await loadFashionMnistLabels('test');
  if (!(BYZANTINE >= 0 && BYZANTINE < CLIENTS)) throw new Error(`BENCH_BYZANTINE must be in 0..${CLIENTS - 1}`);
  const unknown = ATTACKS.filter((a) => !ATTACK_NAMES.includes(a));
  if (unknown.length) throw new Error(`unknown attack ${unknown.join(', ')} (known: ${ATTACK_NAMES.join(', ')})`);
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-robustness-'));
  const procs = new BenchProcesses(logDir);
  const port = await freePort();
  const data: FleetData = { clients: CLIENTS, partition: 'iid', examplesPerClient: PER_CLIENT, seed: SEED };
  const conditions = [CLEAN, ...ATTACKS];
  const started = Date.now();
  console.log(
    `robustness: ${CLIENTS} clients (${BYZANTINE} Byzantine), ${ROUNDS} rounds, ${PER_CLIENT} examples each, strategies ${STRATEGIES.join(', ')}; ` +
      `conditions ${conditions.join(', ')}; logs in ${logDir}`,
  );
  const cells: Cell[] = [];
  try {
    // The honest daemons stay up; each run brings its own coordinator and Byzantine slots.
    for (let i = 0; i < CLIENTS - BYZANTINE; i++) procs.fedlink(`edge-${i}`, ['client', ...clientArgs(data, i, `edge-${String(i).padStart(2, '0')}`, port)]);
    for (const strategy of STRATEGIES) for (const condition of conditions) cells.push(await runCell(strategy, condition, procs, data, port));
  } finally {
    await procs.stopAll(5000);
  }

  const cell = (s: string, c: string) => cells.find((x) => x.strategy === s && x.condition === c);
  const cleanFedavg = cell(BASELINE, CLEAN)?.finalAccuracy ?? null;
  const width = Math.max(10, ...STRATEGIES.map((s) => s.length));
  console.log(`\n  final test accuracy, % (points vs clean ${BASELINE})`);
  console.log(`  ${'strategy'.padEnd(width)} ${conditions.map((c) => c.padStart(18)).join('')}`);
  for (const s of STRATEGIES) {
    const row = conditions.map((c) => {
      const x = cell(s, c);
      if (!x || x.finalAccuracy === null) return (x?.state ?? '-').padStart(18);
      const delta = cleanFedavg === null ? '' : ` (${(100 * (x.finalAccuracy - cleanFedavg)).toFixed(1)})`;
      return `${pct(x.finalAccuracy)}${delta}`.padStart(18);
    });
    console.log(`  ${s.padEnd(width)} ${row.join('')}`);
  }

  // The target: FedAvg breaks under sign-flip, and under every attack another strategy holds.
  const signFlipFedavg = cell(BASELINE, 'sign-flip')?.finalAccuracy ?? null;
  const fedavgSignFlipLossPoints = cleanFedavg !== null && signFlipFedavg !== null ? 100 * (cleanFedavg - signFlipFedavg) : null;
  const bestRobust: Record<string, { strategy: string; accuracy: number; pointsBelowCleanFedavg: number | null } | null> = {};
  for (const attack of ATTACKS) {
    const candidates = cells.filter((x) => x.condition === attack && x.strategy !== BASELINE && x.finalAccuracy !== null);
    const best = candidates.sort((a, b) => b.finalAccuracy! - a.finalAccuracy!)[0];
    bestRobust[attack] = best ? { strategy: best.strategy, accuracy: best.finalAccuracy!, pointsBelowCleanFedavg: cleanFedavg === null ? null : 100 * (cleanFedavg - best.finalAccuracy!) } : null;
  }
  const holdsEverywhere = STRATEGIES.filter(
    (s) => s !== BASELINE && cleanFedavg !== null && ATTACKS.every((a) => { const acc = cell(s, a)?.finalAccuracy; return acc != null && 100 * (cleanFedavg - acc) <= 2; }),
  );
  const targetMet =
    fedavgSignFlipLossPoints !== null && fedavgSignFlipLossPoints > 20 && ATTACKS.every((a) => (bestRobust[a]?.pointsBelowCleanFedavg ?? Infinity) <= 2);
  console.log(`\n  ${BASELINE} under sign-flip: ${fedavgSignFlipLossPoints === null ? 'not measured' : `${fedavgSignFlipLossPoints.toFixed(1)} points below clean (target > 20)`}`);
  for (const a of ATTACKS) {
    const b = bestRobust[a];
    console.log(`  best other strategy under ${a}: ${b ? `${b.strategy} ${pct(b.accuracy)} %, ${b.pointsBelowCleanFedavg?.toFixed(1) ?? '-'} points below clean ${BASELINE} (target <= 2)` : 'none measured'}`);
  }
  console.log(`  within 2 points under every attack: ${holdsEverywhere.join(', ') || 'none'}; target ${targetMet ? 'met' : 'not met'}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(
    JSON.stringify({
      bench: 'robustness', clients: CLIENTS, byzantine: BYZANTINE, rounds: ROUNDS, examplesPerClient: PER_CLIENT, noiseSigma: NOISE_SIGMA, seed: SEED,
      finalAccuracy: Object.fromEntries(STRATEGIES.map((s) => [s, Object.fromEntries(conditions.map((c) => [c, cell(s, c)?.finalAccuracy ?? null]))])),
      state: Object.fromEntries(STRATEGIES.map((s) => [s, Object.fromEntries(conditions.map((c) => [c, cell(s, c)?.state ?? null]))])),
      accuracyPerRound: Object.fromEntries(STRATEGIES.map((s) => [s, Object.fromEntries(conditions.map((c) => [c, cell(s, c)?.accuracies ?? []]))])),
      cleanFedavg, fedavgSignFlipLossPoints, bestRobust, holdsEverywhere, targetMet, seconds: Math.round((Date.now() - started) / 1000),
    }),
  );
}
