/**
 * Wire bytes and accuracy of update compression: the same federated training
 * of the 2NN (mlp) on Fashion-MNIST, 10 in-process daemons (iid partitions by default)
 * against one in-process coordinator over real loopback gRPC, 10 rounds with
 * every client in every round and the same seed, once per update encoding.
 * For each encoding: mean bytes up per round (what the coordinator received),
 * the ratio float32 bytes / its bytes, the final test accuracy (10k test set,
 * evaluated by the coordinator after the last committed round) and the loss
 * in accuracy points against float32 measured in the same run; then whether
 * the issue's targets hold (int8: ≥ 3.9× fewer bytes and ≤ 0.5 pt loss;
 * top-k 1 % + int8: ≥ 50× fewer and ≤ 2 pt loss). Ends with one JSON line.
 *
 * Each encoding is its own run (own run id), so the daemons' error-feedback
 * residuals start clean for every row; the daemons and their data stay.
 *
 * Knobs (env):
 *  BENCH_ENCODINGS  float32,int8,topk:0.01+int8 (also float16, topk:<f>, topk:<f>+int8).
 *                   float32 is always run first as the baseline. An entry may
 *                   carry `@<n>ep` (e.g. `topk:0.01+int8@3ep`) to train that
 *                   row with n local epochs instead of BENCH_EPOCHS: an extra
 *                   row, not the issue's comparison, and labelled as such.
 *  BENCH_ROUNDS     10
 *  BENCH_CLIENTS    10
 *  BENCH_EXAMPLES   12000 (training examples over all clients)
 *  BENCH_EPOCHS     1     (local epochs)
 *  BENCH_LR         0.05  (the same for every encoding)
 *  BENCH_PARTITION  iid   (or dirichlet:<alpha>, labels:<k>; targets apply to iid only)
 *  BENCH_SPARSE_AVERAGE 1 (0: daemons announce no 'sparse-average' feature, so top-k is
 *                   averaged plainly and residuals kept, as before the feature existed)
 */
import { silentLogger } from '../../common/logger';
import { waitFor } from '../../common/wait-for';
import { startDaemon, type DaemonHandle } from '../../clients/daemon/main';
import type { RoundRecord, RunRecord } from '../../common/types';
import type { Coordinator } from '../../services/coordinator/coordinator';
import { checkCompressionPolicy } from '../../services/coordinator/compression/choose-encoding';
import { startCoordinator } from '../../services/coordinator/main';
import { fromWireRunConfig } from '../../services/coordinator/rpc/wire';
import { requireFashionMnist } from '../helpers/fashion-mnist';
import { wireRunConfig } from '../helpers/run-config';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 10);
const EXAMPLES = Number(process.env.BENCH_EXAMPLES ?? 12_000);
const EPOCHS = Number(process.env.BENCH_EPOCHS ?? 1);
const LR = Number(process.env.BENCH_LR ?? 0.05);
const PARTITION = process.env.BENCH_PARTITION ?? 'iid';
const SPARSE_AVERAGE = process.env.BENCH_SPARSE_AVERAGE !== '0';
const BATCH = 32;
const SEED = 7;
/** Generous: 10 daemons train on one event loop, and the machine may be shared. */
const ROUND_DEADLINE_MS = 300_000;

/** The issue's targets, per encoding (checked only for 10 clients × 10 rounds × 1 local epoch). */
const TARGETS: Record<string, { minRatio: number; maxLossPts: number }> = {
  int8: { minRatio: 3.9, maxLossPts: 0.5 },
  'topk:0.01+int8': { minRatio: 50, maxLossPts: 2 },
};

/** Whether this run is the issue's setup, where the targets apply. */
const ISSUE_SETUP = ROUNDS === 10 && CLIENTS === 10 && PARTITION === 'iid' && SPARSE_AVERAGE;

interface Variant {
  /** Row label: the encoding, plus the epochs when they differ from the default. */
  label: string;
  encoding: string;
  localEpochs: number;
}

interface Row extends Variant {
  runState: string;
  reason?: string;
  committedRounds: number;
  /** Round attempts that did not commit (retries); their bytes are not in the mean. */
  failedAttempts: number;
  meanBytesUpPerRound: number;
  meanBytesUpPerClient: number;
  /** Encodings the coordinator recorded for the clients' updates (should be just `encoding`). */
  encodingsSeen: string[];
  finalAccuracy: number | null;
  accuracyByRound: number[];
  seconds: number;
}

function parseVariants(): Variant[] {
  const entries = (process.env.BENCH_ENCODINGS ?? 'float32,int8,topk:0.01+int8').split(',').map((s) => s.trim()).filter(Boolean);
  const variants = entries.map((entry): Variant => {
    const m = /^(.*?)(?:@(\d+)ep)?$/.exec(entry)!;
    const encoding = checkCompressionPolicy(m[1]);
    if (encoding === 'auto') throw new Error('BENCH_ENCODINGS: "auto" is not a fixed encoding; name the encodings to compare');
    const localEpochs = m[2] ? Number(m[2]) : EPOCHS;
    return { label: localEpochs === EPOCHS ? encoding : `${encoding} (${localEpochs} local epochs)`, encoding, localEpochs };
  });
  if (!variants.some((v) => v.encoding === 'float32' && v.localEpochs === EPOCHS)) variants.unshift({ label: 'float32', encoding: 'float32', localEpochs: EPOCHS });
  // The baseline first, so the progress lines can already show ratios.
  return [...variants.filter((v) => v.label === 'float32'), ...variants.filter((v) => v.label !== 'float32')];
}

async function runVariant(coordinator: Coordinator, v: Variant, baseline: Row | undefined): Promise<Row> {
  const t0 = Date.now();
  const run = await coordinator.manager.createRun(
    fromWireRunConfig(
      wireRunConfig({
        rounds: ROUNDS, clientsPerRound: CLIENTS, minClients: CLIENTS, model: 'mlp', evalData: 'fashion-mnist-test',
        compression: v.encoding, seed: SEED, roundDeadlineMs: ROUND_DEADLINE_MS, waitForClientsMs: 60_000,
        acceptFailures: false, maxRoundRetries: 2,
        train: { localEpochs: v.localEpochs, batchSize: BATCH, learningRate: LR, seed: SEED, proximalMu: 0 },
      }),
    ),
  );
  let reported = 0;
  const done: RunRecord = await waitFor(`run ${run.runId} (${v.label}) to end`, async () => {
    const r = await coordinator.manager.getRun(run.runId);
    const rounds = (await coordinator.manager.listRounds(run.runId)).filter((x) => x.state === 'committed');
    for (const x of rounds.sort((a, b) => a.round - b.round)) {
      if (x.round <= reported) continue;
      reported = x.round;
      const ratio = baseline && x.bytesUp ? `, ${(baseline.meanBytesUpPerRound / x.bytesUp).toFixed(1)}× fewer than float32` : '';
      console.log(`  ${v.label}: round ${x.round} test acc ${x.eval?.accuracy.toFixed(4) ?? '-'}, ${x.bytesUp} bytes up${ratio}, ${((Number(x.endedAtMs) - x.startedAtMs) / 1000).toFixed(1)} s`);
    }
    return r.state === 'running' || r.state === 'pending' ? undefined : r;
  }, ROUNDS * ROUND_DEADLINE_MS * 3, 250);
  const all: RoundRecord[] = await coordinator.manager.listRounds(run.runId);
  const committed = all.filter((x) => x.state === 'committed').sort((a, b) => a.round - b.round);
  const bytes = committed.map((x) => x.bytesUp);
  const updates = committed.reduce((n, x) => n + x.clients.filter((c) => c.state === 'finished').length, 0);
  const last = committed[committed.length - 1];
  return {
    ...v,
    runState: done.state,
    reason: done.reason,
    committedRounds: committed.length,
    failedAttempts: all.length - committed.length,
    meanBytesUpPerRound: bytes.length ? bytes.reduce((a, b) => a + b, 0) / bytes.length : 0,
    meanBytesUpPerClient: updates ? bytes.reduce((a, b) => a + b, 0) / updates : 0,
    encodingsSeen: [...new Set(committed.flatMap((x) => x.clients.filter((c) => c.state === 'finished').map((c) => c.encoding ?? '?')))],
    finalAccuracy: last?.eval?.accuracy ?? null,
    accuracyByRound: committed.map((x) => x.eval?.accuracy ?? NaN),
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  requireFashionMnist();
  const variants = parseVariants();
  console.log(
    `compression: mlp on Fashion-MNIST, ${CLIENTS} clients (${PARTITION}, ${EXAMPLES} examples${SPARSE_AVERAGE ? '' : ', no sparse-average'}), ${ROUNDS} rounds, ${EPOCHS} local epoch(s), batch ${BATCH}, lr ${LR}, seed ${SEED}; encodings: ${variants.map((v) => v.label).join(', ')}`,
  );
  const coordinator = await startCoordinator({ host: '127.0.0.1', port: 0 }, silentLogger());
  const daemons: DaemonHandle[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) {
      daemons.push(
        await startDaemon(
          {
            coordinator: `127.0.0.1:${coordinator.port}`, clientId: `bench-${String(i).padStart(2, '0')}`, partition: PARTITION,
            numPartitions: CLIENTS, index: i, seed: SEED, maxExamples: EXAMPLES,
          },
          { logger: silentLogger(), ...(SPARSE_AVERAGE ? {} : { features: [] }) },
        ),
      );
    }
    await waitFor(`${CLIENTS} idle clients`, () => (coordinator.registry.idleClients().length >= CLIENTS ? true : undefined), 60_000);

    const rows: Row[] = [];
    for (const v of variants) {
      const baseline = rows.find((r) => r.label === 'float32');
      const row = await runVariant(coordinator, v, baseline);
      rows.push(row);
      if (row.runState !== 'completed') console.log(`  ${v.label}: run ended ${row.runState}${row.reason ? ` (${row.reason})` : ''} after ${row.committedRounds} committed rounds`);
      // The next run starts once every daemon is idle again.
      await waitFor(`${CLIENTS} idle clients`, () => (coordinator.registry.idleClients().length >= CLIENTS ? true : undefined), 60_000);
    }

    const base = rows.find((r) => r.label === 'float32')!;
    // A row with other local epochs compares against float32 with the same epochs when that was run too.
    const baseFor = (r: Row) => rows.find((x) => x.encoding === 'float32' && x.localEpochs === r.localEpochs) ?? base;
    const ratio = (r: Row) => (r.meanBytesUpPerRound ? baseFor(r).meanBytesUpPerRound / r.meanBytesUpPerRound : null);
    const lossPts = (r: Row) => {
      const b = baseFor(r);
      return r.finalAccuracy !== null && b.finalAccuracy !== null ? (b.finalAccuracy - r.finalAccuracy) * 100 : null;
    };
    const verdict = (r: Row): { target: string; met: boolean } | undefined => {
      // The issue states its targets for 10 clients, 10 rounds, 1 local epoch: no verdict under other settings.
      const t = ISSUE_SETUP && r.localEpochs === 1 ? TARGETS[r.encoding] : undefined;
      const q = ratio(r);
      const l = lossPts(r);
      if (!t) return undefined;
      const met = r.runState === 'completed' && q !== null && l !== null && q >= t.minRatio && l <= t.maxLossPts;
      return { target: `≥ ${t.minRatio}×, ≤ ${t.maxLossPts} pt`, met };
    };

    console.log('\n  encoding                         bytes up/round  bytes/update  vs float32  final acc  loss (pt)  rounds  target');
    for (const r of rows) {
      const q = ratio(r);
      const l = lossPts(r);
      const v = verdict(r);
      console.log(
        `  ${r.label.padEnd(32)} ${Math.round(r.meanBytesUpPerRound).toLocaleString('en-US').padStart(14)}  ${Math.round(r.meanBytesUpPerClient).toLocaleString('en-US').padStart(12)}` +
          `  ${(q ? `${q.toFixed(2)}×` : '-').padStart(10)}  ${(r.finalAccuracy?.toFixed(4) ?? '-').padStart(9)}  ${(l === null ? '-' : l.toFixed(2)).padStart(9)}` +
          `  ${`${r.committedRounds}/${ROUNDS}`.padStart(6)}  ${v ? `${v.target}: ${v.met ? 'met' : 'NOT met'}` : r.localEpochs !== EPOCHS ? '(extra row)' : '-'}`,
      );
      if (r.encodingsSeen.length !== 1 || r.encodingsSeen[0] !== r.encoding) console.log(`    note: updates arrived as ${r.encodingsSeen.join(', ')} (asked ${r.encoding})`);
      if (baseFor(r) !== base) console.log(`    (compared with ${baseFor(r).label})`);
      else if (r.localEpochs !== EPOCHS) console.log(`    (compared with float32 at ${EPOCHS} local epoch(s): add float32@${r.localEpochs}ep for a like-for-like baseline)`);
      if (r.failedAttempts) console.log(`    note: ${r.failedAttempts} round attempt(s) did not commit; their bytes are not counted`);
    }
    if (!ISSUE_SETUP) console.log(`  (targets not judged: the issue states them for 10 clients × 10 rounds, iid, as shipped; this run has ${CLIENTS} × ${ROUNDS}, ${PARTITION}${SPARSE_AVERAGE ? '' : ', no sparse-average'})`);
    const byLabel = <T>(f: (r: Row) => T) => Object.fromEntries(rows.map((r) => [r.label, f(r)]));
    console.log(
      JSON.stringify({
        bench: 'compression', model: 'mlp', dataset: 'fashion-mnist', clients: CLIENTS, rounds: ROUNDS, examples: EXAMPLES, localEpochs: EPOCHS,
        batchSize: BATCH, learningRate: LR, seed: SEED,
        bytesUpPerRound: byLabel((r) => Math.round(r.meanBytesUpPerRound)),
        bytesUpPerUpdate: byLabel((r) => Math.round(r.meanBytesUpPerClient)),
        ratioVsFloat32: byLabel((r) => (ratio(r) === null ? null : Number(ratio(r)!.toFixed(3)))),
        finalAccuracy: byLabel((r) => r.finalAccuracy),
        accuracyLossPts: byLabel((r) => (lossPts(r) === null ? null : Number(lossPts(r)!.toFixed(3)))),
        comparedWith: byLabel((r) => baseFor(r).label),
        committedRounds: byLabel((r) => r.committedRounds),
        runState: byLabel((r) => r.runState),
        seconds: byLabel((r) => Number(r.seconds.toFixed(1))),
        targetsMet: Object.fromEntries(rows.flatMap((r) => (verdict(r) ? [[r.label, verdict(r)!.met]] : []))),
      }),
    );
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await coordinator.stop();
  }
}
