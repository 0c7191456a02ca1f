/**
 * Strategies on strongly non-iid data: the 2NN on Fashion-MNIST with N daemons
 * (separate processes) holding Dirichlet(α) label-skewed partitions, a random
 * sample of them each round, once per strategy on a fresh coordinator with the
 * same seed (so the same clients are asked in the same rounds). Prints the
 * rounds each strategy needs to the target test accuracy, its accuracy after
 * the last round and the ratio of rounds to FedAvg's, then one JSON line.
 *
 * Knobs (env): BENCH_STRATEGIES (fedavg,fedprox,fedadam,fedyogi), BENCH_CLIENTS (20),
 * BENCH_CLIENTS_PER_ROUND (10), BENCH_ROUNDS (30), BENCH_TARGET (0.80), BENCH_ALPHA (0.1),
 * BENCH_EXAMPLES_PER_CLIENT (600), BENCH_PROXIMAL_MU (0.01, fedprox), BENCH_SERVER_LR (unset: each
 * strategy's default; set: for every strategy that takes one), BENCH_RUN_TIMEOUT (1200 s per run).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectControl } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { loadFashionMnistLabels } from '../../clients/trainer/fashion-mnist';
import { isStrategy, optionsOf } from '../../services/coordinator/strategy/registry';
import { BenchProcesses, clientArgs, startCoordinator, trainOnce, waitForClients, type FleetData, type RunOutcome } from './helpers/bench-fleet';

const STRATEGIES = (process.env.BENCH_STRATEGIES ?? 'fedavg,fedprox,fedadam,fedyogi').split(',').map((s) => s.trim()).filter(Boolean);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const PER_ROUND = Number(process.env.BENCH_CLIENTS_PER_ROUND ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const TARGET = Number(process.env.BENCH_TARGET ?? 0.8);
const ALPHA = Number(process.env.BENCH_ALPHA ?? 0.1);
const PER_CLIENT = Number(process.env.BENCH_EXAMPLES_PER_CLIENT ?? 600);
const PROXIMAL_MU = Number(process.env.BENCH_PROXIMAL_MU ?? 0.01);
const SERVER_LR = process.env.BENCH_SERVER_LR ? Number(process.env.BENCH_SERVER_LR) : undefined;
const RUN_TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT ?? 1200) * 1000;
const SEED = 17;
const BASELINE = 'fedavg';

interface StrategyResult extends RunOutcome {
  strategy: string;
  roundsToTarget: number | null;
  bestAccuracy: number | null;
}

async function runStrategy(strategy: string, procs: BenchProcesses, port: number): Promise<StrategyResult> {
  const coordinator = `coordinator-${strategy}`;
  startCoordinator(procs, coordinator, port);
  const control = connectControl({ address: `127.0.0.1:${port}`, deadlineMs: 5000 });
  try {
    await waitForClients(control, procs, CLIENTS, [coordinator]);
    const outcome = await trainOnce(
      control,
      {
        rounds: ROUNDS, clientsPerRound: PER_ROUND, minClients: Math.ceil(PER_ROUND / 2), model: 'mlp', strategy, selection: 'random',
        evalData: 'fashion-mnist-test', acceptFailures: true, seed: SEED, maxRoundRetries: 2, roundDeadlineMs: 120_000, waitForClientsMs: 60_000,
        overSelection: 1, train: { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: SEED },
        // FedProx's μ is given explicitly, so BENCH_PROXIMAL_MU can move it off the registry's default.
        ...(strategy === 'fedprox' && { proximalMu: PROXIMAL_MU }),
        ...(SERVER_LR !== undefined && isStrategy(strategy) && optionsOf(strategy).includes('serverLr') && { serverLr: SERVER_LR }),
      },
      RUN_TIMEOUT_MS,
      (round, accuracy) => console.log(`  ${strategy}: round ${round} test acc ${accuracy.toFixed(4)}`),
    );
    if (outcome.state !== 'completed') console.log(`  ${strategy}: ${outcome.state}${outcome.reason ? `: ${outcome.reason}` : ''}`);
    const reached = outcome.accuracies.findIndex((a) => a >= TARGET);
    return {
      strategy, ...outcome,
      roundsToTarget: reached < 0 ? null : reached + 1,
      bestAccuracy: outcome.accuracies.length ? Math.max(...outcome.accuracies) : null,
    };
  } finally {
    control.close();
    await procs.stop(coordinator);
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  await loadFashionMnistLabels('test');
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-noniid-'));
  const procs = new BenchProcesses(logDir);
  const port = await freePort();
  const data: FleetData = { clients: CLIENTS, partition: `dirichlet:${ALPHA}`, examplesPerClient: PER_CLIENT, seed: SEED };
  const started = Date.now();
  console.log(
    `noniid: ${CLIENTS} clients on ${data.partition} partitions of ${CLIENTS * PER_CLIENT} examples, ${PER_ROUND} per round, ${ROUNDS} rounds, ` +
      `target ${TARGET}, strategies ${STRATEGIES.join(', ')} (fedprox mu ${PROXIMAL_MU}, server lr ${SERVER_LR ?? 'default'}); logs in ${logDir}`,
  );
  const results: StrategyResult[] = [];
  try {
    const names = Array.from({ length: CLIENTS }, (_, i) => `edge-${i}`);
    names.forEach((name, i) => procs.fedlink(name, ['client', ...clientArgs(data, i, `edge-${String(i).padStart(2, '0')}`, port)]));
    for (const strategy of STRATEGIES) results.push(await runStrategy(strategy, procs, port));
  } finally {
    await procs.stopAll(5000);
  }

  const base = results.find((r) => r.strategy === BASELINE)?.roundsToTarget ?? null;
  const width = Math.max(10, ...STRATEGIES.map((s) => s.length));
  console.log(`\n  ${'strategy'.padEnd(width)}  rounds to ${TARGET}  acc after ${ROUNDS}  best acc  rounds vs ${BASELINE}`);
  for (const r of results) {
    const ratio = base && r.roundsToTarget ? `${(base / r.roundsToTarget).toFixed(2)}×` : '-';
    const final = r.accuracies.length === ROUNDS && r.finalAccuracy !== null ? r.finalAccuracy.toFixed(4) : `${r.state} (${r.accuracies.length} rounds)`;
    console.log(
      `  ${r.strategy.padEnd(width)}  ${String(r.roundsToTarget ?? 'not reached').padStart(14)}  ${final.padStart(12)}  ${(r.bestAccuracy?.toFixed(4) ?? '-').padStart(8)}  ${ratio.padStart(15)}`,
    );
  }
  console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(
    JSON.stringify({
      bench: 'noniid', clients: CLIENTS, clientsPerRound: PER_ROUND, rounds: ROUNDS, target: TARGET, partition: data.partition, examplesPerClient: PER_CLIENT,
      proximalMu: PROXIMAL_MU, serverLr: SERVER_LR ?? 'default', seed: SEED,
      roundsToTarget: Object.fromEntries(results.map((r) => [r.strategy, r.roundsToTarget])),
      finalAccuracy: Object.fromEntries(results.map((r) => [r.strategy, r.accuracies.length === ROUNDS ? r.finalAccuracy : null])),
      bestAccuracy: Object.fromEntries(results.map((r) => [r.strategy, r.bestAccuracy])),
      state: Object.fromEntries(results.map((r) => [r.strategy, r.state])),
      accuracyPerRound: Object.fromEntries(results.map((r) => [r.strategy, r.accuracies])),
      roundsRatioVsFedavg: Object.fromEntries(results.map((r) => [r.strategy, base && r.roundsToTarget ? base / r.roundsToTarget : null])),
      seconds: Math.round((Date.now() - started) / 1000),
    }),
  );
}
