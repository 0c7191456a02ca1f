/**
 * Inference.Predict under load while a run trains: a spawned coordinator and
 * daemons (separate processes) train the 2NN on Fashion-MNIST, round after
 * round, while this process calls Predict back to back from several callers,
 * at batch 1 and batch 64. Prints requests/s, examples/s and p50/p99 latency,
 * how many model swaps the callers went through, and the same model run
 * in-process with TFJS (the baseline: no gRPC, no coordinator) as a ratio;
 * then one JSON line.
 *
 * Knobs (env): BENCH_CLIENTS (3), BENCH_EXAMPLES_PER_CLIENT (1000),
 * BENCH_SECONDS (8, per measurement), BENCH_CONCURRENCY (4).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { connectControl } from '../../clients/cli/control-client';
import { fetchCheckpoint } from '../../clients/cli/fetch-checkpoint';
import { connectInference, type InferenceConnection } from '../../clients/cli/inference-client';
import { freePort } from '../../clients/demo/free-port';
import { initBackend } from '../../clients/trainer/backend';
import { assignWeights, buildModel } from '../../clients/trainer/models';
import { loadFashionMnistLabels } from '../../clients/trainer/fashion-mnist';
import { waitFor } from '../../common/wait-for';
import { BenchProcesses, clientArgs, startCoordinator, waitForClients } from './helpers/bench-fleet';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 3);
const PER_CLIENT = Number(process.env.BENCH_EXAMPLES_PER_CLIENT ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCHES = [1, 64];
const SEED = 17;

/** Throughput and latency of one measurement. */
interface Figures {
  requests: number;
  requestsPerS: number;
  examplesPerS: number;
  p50Ms: number;
  p99Ms: number;
}

function figures(latencies: number[], seconds: number, batch: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  const round = (x: number) => Number(x.toFixed(3));
  return {
    requests: sorted.length,
    requestsPerS: round(sorted.length / seconds),
    examplesPerS: round((sorted.length * batch) / seconds),
    p50Ms: round(at(0.5)),
    p99Ms: round(at(0.99)),
  };
}

function inputs(batch: number): Float32Array {
  let s = batch;
  return Float32Array.from({ length: batch * 784 }, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff), (s % 256) / 255));
}

/** CONCURRENCY callers back to back for SECONDS; latencies of the successful calls and the model versions served. */
async function remote(inference: InferenceConnection, runId: string, batch: number): Promise<{ figures: Figures; versions: Set<string>; failures: number }> {
  const x = inputs(batch);
  const latencies: number[] = [];
  const versions = new Set<string>();
  let failures = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const res = await inference.predict(runId, [784], batch, x);
          latencies.push(performance.now() - t0);
          versions.add(res.version);
        } catch {
          failures++;
        }
      }
    }),
  );
  return { figures: figures(latencies, SECONDS, batch), versions, failures };
}

/** The baseline: the same model called in this process, one call after another, for SECONDS. */
async function local(model: tf.LayersModel, batch: number): Promise<Figures> {
  const x = tf.tensor(inputs(batch), [batch, 784]);
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
    latencies.push(performance.now() - t0);
  }
  x.dispose();
  return figures(latencies, SECONDS, batch);
}

/** Runs the benchmark and prints its figures. */
export async function run(): Promise<void> {
  await loadFashionMnistLabels('test');
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-bench-predict-'));
  const procs = new BenchProcesses(logDir);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  console.log(`predict: ${CLIENTS} daemons × ${PER_CLIENT} examples training the 2NN, ${CONCURRENCY} callers, ${SECONDS} s per measurement, logs in ${logDir}`);
  startCoordinator(procs, 'coordinator', port);
  const data = { clients: CLIENTS, partition: 'iid', examplesPerClient: PER_CLIENT, seed: SEED };
  for (let i = 0; i < CLIENTS; i++) procs.fedlink(`edge-${i}`, ['client', ...clientArgs(data, i, `edge-${i}`, port)]);
  const control = connectControl({ address, deadlineMs: 5000 });
  const inference = connectInference({ address, deadlineMs: 10_000 });
  try {
    await waitForClients(control, procs, CLIENTS, ['coordinator', ...Array.from({ length: CLIENTS }, (_, i) => `edge-${i}`)]);
    const created = await control.createRun({
      start: true,
      config: {
        rounds: 1000, clientsPerRound: CLIENTS, minClients: CLIENTS, model: 'mlp', strategy: 'fedavg', acceptFailures: true, seed: SEED,
        maxRoundRetries: 5, roundDeadlineMs: 60_000, waitForClientsMs: 60_000, overSelection: 1, clientDeadlineFactor: 0,
        train: { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: SEED },
      },
    });
    const runId = created.runId;
    await waitFor('the first committed round', async () => ((await control.getRun(runId)).committedRounds >= 1 ? true : undefined), 120_000, 250);
    const backend = await initBackend();
    const results: Record<string, { remote: Figures; local: Figures; swaps: number; failures: number; throughputRatio: number; p50Ratio: number }> = {};
    for (const batch of BATCHES) {
      const before = (await control.getRun(runId)).committedRounds;
      const r = await remote(inference, runId, batch);
      const after = (await control.getRun(runId)).committedRounds;
      // The baseline runs the checkpoint the service served last, on this process's backend.
      const c = await fetchCheckpoint(control, runId, -1);
      const model = buildModel(c.spec);
      assignWeights(model, c.weights);
      const l = await local(model, batch);
      model.dispose();
      results[`batch${batch}`] = {
        remote: r.figures, local: l, swaps: r.versions.size - 1, failures: r.failures,
        throughputRatio: Number((r.figures.requestsPerS / l.requestsPerS).toFixed(3)),
        p50Ratio: Number((r.figures.p50Ms / l.p50Ms).toFixed(3)),
      };
      console.log(
        `  batch ${String(batch).padStart(2)}: Predict ${r.figures.requestsPerS.toFixed(0)} req/s (${r.figures.examplesPerS.toFixed(0)} examples/s), p50 ${r.figures.p50Ms.toFixed(2)} ms, p99 ${r.figures.p99Ms.toFixed(2)} ms; ` +
          `${r.versions.size} model version(s) served while rounds ${before}→${after} committed, ${r.failures} failed`,
      );
      console.log(
        `            in-process TFJS (${backend}) ${l.requestsPerS.toFixed(0)} calls/s, p50 ${l.p50Ms.toFixed(2)} ms, p99 ${l.p99Ms.toFixed(2)} ms; ` +
          `Predict/in-process: throughput ${results[`batch${batch}`].throughputRatio}×, p50 ${results[`batch${batch}`].p50Ratio}×`,
      );
    }
    await control.cancelRun(runId).catch(() => undefined);
    console.log(JSON.stringify({ bench: 'predict', model: 'mlp', clients: CLIENTS, examplesPerClient: PER_CLIENT, concurrency: CONCURRENCY, seconds: SECONDS, baselineBackend: backend, ...results }));
  } finally {
    inference.close();
    control.close();
    await procs.stopAll(5000);
  }
}
