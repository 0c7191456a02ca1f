/**
 * `fedlink demo` (`npm run demo`): a coordinator and N edge daemons as separate
 * OS processes on this machine, FedAvg of the 2NN on Fashion-MNIST with
 * server-side evaluation on the 10k test set, one line per round. Everything
 * speaks mutual TLS with a throwaway PKI made for the run, as a deployment
 * would: the default path is the secure one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import { connectControl, type ControlConnection } from '../cli/control-client';
import { formatBytes } from '../cli/format';
import { MissingDependencyError } from '../../common/errors';
import { StopWaiting, waitFor } from '../../common/wait-for';
import { loadFashionMnistLabels } from '../trainer/fashion-mnist';
import { freePort } from './free-port';
import { issueCertificate } from '../../common/pki/certificates';
import { initPki, readCa, writeTlsDir } from '../../common/pki/files';
import { ProcessGroup } from './process-group';

/** Knobs of the demo. */
export interface DemoOptions {
  /** @default 5 */
  clients: number;
  /** @default 5 */
  rounds: number;
  /** @default 'iid' */
  partition: string;
  /** @default 42 */
  seed: number;
  /** @default 1 */
  epochs: number;
  /** @default 32 */
  batchSize: number | 'full';
  /** @default 0.05 */
  lr: number;
  /** @default 'mlp' */
  model: 'mlp' | 'cnn';
  /** Use only the first N training examples (faster, less accurate). */
  maxExamples?: number;
  /** Round deadline, ms. @default 600000 */
  deadlineMs: number;
  /** gRPC port of the coordinator; 0 picks a free one. @default 0 */
  port: number;
  dataDir?: string;
}

/** Output sinks (tests pass buffers). */
export interface DemoIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

function roundLine(r: Round__Output, total: number): string {
  const acc = r.eval ? r.eval.accuracy.toFixed(4) : '-';
  const secs = ((Number(r.endedAtMs) - Number(r.startedAtMs)) / 1000).toFixed(1);
  return (
    `round ${String(r.round).padStart(2)}/${total}  clients ${r.reported}/${r.clients.length}  ` +
    `train loss ${r.meanTrainLoss.toFixed(4)}  test acc ${acc}  time ${secs}s  ` +
    `down ${formatBytes(Number(r.bytesDown))}  up ${formatBytes(Number(r.bytesUp))}`
  );
}

/**
 * The demo's PKI, as an operator would make it with `fedlink pki init` and
 * `fedlink pki issue`: the CA and coordinator in `dir`, one credentials
 * directory per edge client, and an admin certificate for the demo's own calls.
 */
async function demoPki(dir: string, clients: number) {
  await initPki(dir, { hosts: ['localhost', '127.0.0.1', '::1'] });
  const ca = readCa(dir)!;
  const issue = async (sub: string, subject: Parameters<typeof issueCertificate>[1]) => {
    const c = await issueCertificate(ca, subject);
    const material = { caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem };
    writeTlsDir(path.join(dir, sub), material);
    return material;
  };
  for (let i = 1; i <= clients; i++) await issue(`edge-${i}`, { kind: 'client', clientId: `edge-${i}` });
  const operator = await issue('operator', { kind: 'operator', name: 'demo', role: 'admin' });
  return { coordinator: dir, operator, client: (i: number) => path.join(dir, `edge-${i}`) };
}

/** Runs the demo; resolves with the process exit code. */
export async function runDemo(o: DemoOptions, io: DemoIo): Promise<number> {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fedlink-demo-'));
  const group = new ProcessGroup(logDir);
  const port = o.port || (await freePort());
  const address = `127.0.0.1:${port}`;
  let control: ControlConnection | undefined;
  const interrupt = () => {
    io.err('interrupted: stopping the demo processes');
    // Exits however the stop went, so a failure cannot surface as a rejection.
    void group.stopAll(3000).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    // Fail in one line before starting six processes if the data is not there.
    await loadFashionMnistLabels('test', { dir: o.dataDir });
    const dataArgs = o.dataDir ? ['--data-dir', o.dataDir] : [];
    const stateDir = path.join(logDir, 'state');
    const pki = await demoPki(path.join(logDir, 'pki'), o.clients);
    group.start('coordinator', ['coordinator', '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, '--pki', pki.coordinator, ...dataArgs]);
    io.out(`coordinator on ${address}, mutual TLS with a throwaway PKI in ${pki.coordinator} (no NATS URL: embedded event bus; runs and checkpoints in ${stateDir}); logs in ${logDir}`);
    control = connectControl({ address, deadlineMs: 2000, tls: pki.operator });
    const ctl = control;
    await waitFor('the coordinator to serve', async () => {
      if (group.get('coordinator') === undefined) throw new StopWaiting(`coordinator exited; see ${path.join(logDir, 'coordinator.log')}`);
      return ctl.listClients();
    }, 60_000);
    for (let i = 0; i < o.clients; i++) {
      group.start(`edge-${i + 1}`, [
        'client', '--coordinator', address, '--id', `edge-${i + 1}`, '--pki', pki.client(i + 1), '--dataset', 'fashion-mnist',
        '--partition', o.partition, '--num-partitions', String(o.clients), '--index', String(i), '--seed', String(o.seed),
        ...(o.maxExamples ? ['--max-examples', String(o.maxExamples)] : []), ...dataArgs,
      ]);
    }
    io.out(`started ${o.clients} edge daemons (partition ${o.partition}, seed ${o.seed}); waiting for them to connect`);
    await waitFor(`${o.clients} clients to connect`, async () => {
      for (let i = 1; i <= o.clients; i++) {
        if (!group.get(`edge-${i}`)) throw new StopWaiting(`edge-${i} exited; see ${path.join(logDir, `edge-${i}.log`)}`);
      }
      const { clients } = await ctl.listClients();
      return clients.filter((c) => c.status === 'connected').length >= o.clients ? clients : undefined;
    }, 180_000);
    const run = await ctl.createRun({
      start: true,
      config: {
        rounds: o.rounds, clientsPerRound: o.clients, minClients: o.clients, model: o.model, strategy: 'fedavg', selection: 'random',
        evalData: 'fashion-mnist-test', acceptFailures: true, seed: o.seed, maxRoundRetries: 1, roundDeadlineMs: o.deadlineMs, waitForClientsMs: 60_000,
        train: { localEpochs: o.epochs, batchSize: o.batchSize === 'full' ? 0 : o.batchSize, learningRate: o.lr, seed: o.seed },
      },
    });
    io.out(`run ${run.runId}: ${o.rounds} rounds of FedAvg, model ${o.model}, ${o.epochs} local epoch(s), batch ${o.batchSize}, lr ${o.lr}`);
    const printed = new Set<string>();
    let finalAcc: number | undefined;
    let state = run.state;
    let reason = '';
    for await (const e of ctl.watchRun(run.runId)) {
      const r = e.round;
      if (r && (r.state === 'committed' || r.state === 'failed') && !printed.has(`${r.round}/${r.attempt}`)) {
        printed.add(`${r.round}/${r.attempt}`);
        io.out(r.state === 'committed' ? roundLine(r, o.rounds) : `round ${r.round}/${o.rounds}  attempt ${r.attempt} failed: ${r.reason}`);
        if (r.state === 'committed' && r.eval) finalAcc = r.eval.accuracy;
      }
      state = e.run!.state;
      reason = e.run!.reason;
    }
    if (state !== 'completed') {
      io.err(`run ${state}: ${reason}`);
      return 1;
    }
    io.out(`final test accuracy: ${finalAcc?.toFixed(4) ?? 'n/a'}`);
    return 0;
  } catch (err) {
    io.err(err instanceof MissingDependencyError ? `demo failed: ${err.message}` : `demo failed: ${(err as Error).message} (logs in ${logDir})`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    control?.close();
    await group.stopAll();
  }
}
