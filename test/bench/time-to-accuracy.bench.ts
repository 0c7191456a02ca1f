/**
 * Time-to-accuracy under mixed emulated links: the same federated training of
 * the 2NN on Fashion-MNIST, N daemons (separate processes) each behind its own
 * userspace link emulator (5G, Wi-Fi, LTE, congested cell), once per selection
 * policy with the same seed. Each policy gets a fresh coordinator (so none
 * inherits another's link knowledge); the daemons stay and reconnect.
 * Prints wall-clock seconds to the target test accuracy per policy and the
 * ratio to random, then one JSON line.
 *
 * Knobs (env): BENCH_CLIENTS (20), BENCH_TARGET (0.75), BENCH_POLICIES
 * (random,deadline,utility), BENCH_MAX_ROUNDS (15), BENCH_EXAMPLES_PER_CLIENT (600).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectControl } from '../../clients/cli/control-client';
import { freePort } from '../../clients/demo/free-port';
import { ProcessGroup } from '../../clients/demo/process-group';
import { LinkEmulator } from '../../clients/linkem/proxy';
import { parseProfile } from '../../clients/linkem/profiles';
import { loadFashionMnistLabels } from '../../clients/trainer/fashion-mnist';
import { waitFor } from '../../common/wait-for';
import { silentLogger } from '../../common/logger';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const TARGET = Number(process.env.BENCH_TARGET ?? 0.75);
const POLICIES = (process.env.BENCH_POLICIES ?? 'random,deadline,utility').split(',');
const MAX_ROUNDS = Number(process.env.BENCH_MAX_ROUNDS ?? 15);
const PER_CLIENT = Number(process.env.BENCH_EXAMPLES_PER_CLIENT ?? 600);
const MIX = ['5g-embb', 'wifi', 'lte', 'congested-cell'];
const SEED = 11;

interface PolicyResult {
  policy: string;
  secondsToTarget: number | null;
  roundsToTarget: number | null;
  finalAccuracy: number;
  rounds: number;
}

async function runPolicy(policy: string, group: ProcessGroup, port: number): Promise<PolicyResult> {
  const address = `127.0.0.1:${port}`;
  group.start(`coordinator-${policy}`, ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--store', 'memory']);
  const control = connectControl({ address, deadlineMs: 3000 });
  try {
    // Every policy starts once the fresh coordinator has heard from every client (RTT probes
    // on the control stream), as a long-running coordinator would have.
    await waitFor(`${CLIENTS} clients with link estimates on a fresh coordinator`, async () => {
      const { clients } = await control.listClients();
      return clients.filter((c) => c.status === 'connected' && (c.link?.rttMs ?? 0) > 0).length >= CLIENTS ? true : undefined;
    }, 120_000, 500);
    const run = await control.createRun({
      start: true,
      config: {
        rounds: MAX_ROUNDS, clientsPerRound: Math.ceil(CLIENTS / 2), minClients: Math.ceil(CLIENTS / 4), model: 'mlp', strategy: 'fedavg',
        selection: policy, evalData: 'fashion-mnist-test', acceptFailures: true, seed: SEED, maxRoundRetries: 2, roundDeadlineMs: 60_000,
        waitForClientsMs: 60_000, overSelection: 1, clientDeadlineFactor: 0,
        train: { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: SEED },
      },
    });
    let result: PolicyResult = { policy, secondsToTarget: null, roundsToTarget: null, finalAccuracy: 0, rounds: 0 };
    for await (const e of control.watchRun(run.runId)) {
      const r = e.round;
      if (r?.state === 'committed' && r.eval) {
        result = { ...result, finalAccuracy: r.eval.accuracy, rounds: r.round };
        if (result.secondsToTarget === null && r.eval.accuracy >= TARGET) {
          result.secondsToTarget = (Number(r.endedAtMs) - Number(run.createdAtMs)) / 1000;
          result.roundsToTarget = r.round;
          console.log(`  ${policy}: reached ${r.eval.accuracy.toFixed(4)} in round ${r.round} after ${result.secondsToTarget.toFixed(1)} s`);
          await control.cancelRun(run.runId).catch(() => undefined);
          break;
        }
        const mix = MIX.map((m) => `${r.clients.filter((c) => c.clientId.endsWith(m)).length} ${m}`).join(', ');
        console.log(`  ${policy}: round ${r.round} test acc ${r.eval.accuracy.toFixed(4)}, ${((Number(r.endedAtMs) - Number(r.startedAtMs)) / 1000).toFixed(1)} s (asked ${mix})`);
        if (process.env.BENCH_DEBUG) for (const c of r.clients) console.log(`    ${c.clientId} ${c.state} predicted ${c.predictedMs} actual ${c.actualMs}`);
      }
    }
    return result;
  } finally {
    control.close();
    const child = group.get(`coordinator-${policy}`);
    if (child) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  await loadFashionMnistLabels('test');
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-tta-'));
  const group = new ProcessGroup(logDir);
  const port = await freePort();
  const emulators: LinkEmulator[] = [];
  const profiles = Array.from({ length: CLIENTS }, (_, i) => MIX[i % MIX.length]);
  console.log(`time-to-accuracy: ${CLIENTS} clients (${MIX.map((m) => `${profiles.filter((p) => p === m).length}× ${m}`).join(', ')}), target ${TARGET}, logs in ${logDir}`);
  try {
    for (let i = 0; i < CLIENTS; i++) {
      const profile = parseProfile(profiles[i]);
      const em = new LinkEmulator({ listenHost: '127.0.0.1', listenPort: 0, target: `127.0.0.1:${port}`, profile, seed: SEED + i, logger: silentLogger() });
      const proxyPort = await em.start();
      emulators.push(em);
      group.start(`edge-${i}`, [
        'client', '--coordinator', `127.0.0.1:${proxyPort}`, '--id', `edge-${String(i).padStart(2, '0')}-${profiles[i]}`, '--radio', profile.radio,
        '--partition', 'iid', '--num-partitions', String(CLIENTS), '--index', String(i), '--seed', String(SEED),
        '--max-examples', String(CLIENTS * PER_CLIENT), '--log-level', 'warn',
      ]);
    }
    const results: PolicyResult[] = [];
    for (const policy of POLICIES) results.push(await runPolicy(policy, group, port));
    const base = results.find((r) => r.policy === 'random')?.secondsToTarget ?? null;
    console.log('\n  policy     seconds to target  rounds  ratio vs random');
    for (const r of results) {
      const ratio = base && r.secondsToTarget ? base / r.secondsToTarget : null;
      console.log(`  ${r.policy.padEnd(10)} ${(r.secondsToTarget?.toFixed(1) ?? 'not reached').padStart(17)}  ${String(r.roundsToTarget ?? '-').padStart(6)}  ${ratio ? `${ratio.toFixed(2)}×` : '-'}`);
    }
    console.log(
      JSON.stringify({
        bench: 'time-to-accuracy', clients: CLIENTS, target: TARGET, profiles: MIX, seed: SEED,
        secondsToTarget: Object.fromEntries(results.map((r) => [r.policy, r.secondsToTarget])),
        roundsToTarget: Object.fromEntries(results.map((r) => [r.policy, r.roundsToTarget])),
        ratioVsRandom: Object.fromEntries(results.map((r) => [r.policy, base && r.secondsToTarget ? base / r.secondsToTarget : null])),
      }),
    );
  } finally {
    await group.stopAll(5000);
    await Promise.all(emulators.map((e) => e.stop()));
  }
}
