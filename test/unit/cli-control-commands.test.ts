import type { ModelUploadChunk__Output } from '../../proto/gen/fedlink/v1/ModelUploadChunk';
import * as grpc from '@grpc/grpc-js';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main';
import { loadFedlinkProto } from '../../proto/loader';
import type { ControlHandlers } from '../../proto/gen/fedlink/v1/Control';
import type { CreateRunRequest__Output } from '../../proto/gen/fedlink/v1/CreateRunRequest';
import type { Round } from '../../proto/gen/fedlink/v1/Round';
import type { Run } from '../../proto/gen/fedlink/v1/Run';
import type { ClientInfo } from '../../proto/gen/fedlink/v1/ClientInfo';
import type { RunEvent } from '../../proto/gen/fedlink/v1/RunEvent';
import { mkdtempSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { flattenWeights, initialWeights, modelSpecFor } from '../../clients/trainer/models';
import { fileHandler } from '../../clients/trainer/tfjs-format';

const EXPORTED = initialWeights(modelSpecFor('mlp'), 3);

const NOW = Date.now();

const RUN: Run = {
  runId: 'run-1',
  state: 'running',
  config: {
    rounds: 3,
    clientsPerRound: 2,
    minClients: 1,
    train: { localEpochs: 1, batchSize: 32, learningRate: 0.05, seed: 42 },
    roundDeadlineMs: 120_000,
    strategy: 'fedadam',
    serverLr: 0.01,
    beta1: 0.9,
    model: 'mlp',
    evalData: 'fashion-mnist-test',
    acceptFailures: true,
    selection: 'random',
    seed: 42,
    maxRoundRetries: 2,
    waitForClientsMs: 60_000,
  },
  currentRound: 2,
  committedRounds: 1,
  createdAtMs: NOW - 60_000,
  updatedAtMs: NOW - 1000,
  latestEval: { loss: 0.52, accuracy: 0.8123, numExamples: 10_000 },
  checkpoints: [{ round: 0, version: 'a'.repeat(64), bytes: 796_840, atMs: NOW - 60_000 }, { round: 1, version: 'b'.repeat(64), bytes: 796_840, atMs: NOW - 30_000 }],
};

const ROUND: Round = {
  runId: 'run-1',
  round: 2,
  attempt: 1,
  state: 'committed',
  startedAtMs: NOW - 20_000,
  endedAtMs: NOW - 8_000,
  deadlineUnixMs: NOW + 100_000,
  reported: 1,
  meanTrainLoss: 0.4321,
  eval: { loss: 0.5, accuracy: 0.8234, numExamples: 10_000 },
  bytesDown: 2 * 1_000_000,
  bytesUp: 1_000_000,
  strategyMetrics: { update_norm: 1.25, step_norm: 0.0316 },
  clients: [
    { clientId: 'edge-1', state: 'finished', numExamples: 6000, trainLoss: 0.4321, durationMs: 9500, bytesDown: 1_000_000, bytesUp: 1_000_000, encoding: 'topk:0.01+int8', sparseAverage: true, downloadMs: 1600, uploadMs: 23_400 },
    { clientId: 'edge-2', state: 'dropped', reason: 'disconnected during training', bytesDown: 1_000_000 },
  ],
};

function event(state: string, round?: Partial<Round>): RunEvent {
  return { run: { ...RUN, state, reason: state === 'failed' ? 'round 3 failed' : '' }, round: round ? { ...ROUND, ...round } : null };
}

/** Canned event streams by run id. */
const WATCH: Record<string, RunEvent[]> = {
  'run-fails': [
    event('running'),
    event('running', { round: 3, state: 'training', reported: 0, endedAtMs: 0 }),
    event('running', { round: 3, state: 'failed', reason: 'only 0 of 2 selected client(s) reported' }),
    event('failed'),
  ],
  'run-completes': [event('running'), event('running', { round: 3, state: 'committed' }), event('completed')],
  'run-cancelled': [event('running'), event('cancelled')],
};

/** Enough connected clients for any --clients-per-round a test gives: no warning about too few. */
const CROWD: ClientInfo[] = Array.from({ length: 50 }, (_, i) => ({ clientId: `edge-${i}`, status: 'connected', lastSeenMs: NOW, dataset: 'fashion-mnist', datasetSize: 100 }));

interface Recorded {
  method: string;
  request: unknown;
  authorization: string[];
}

class FakeControl {
  calls: Recorded[] = [];
  /** What ListRuns, GetRound and ListClients answer instead of the fixtures (reset before each test). */
  overrides: { runs?: Run[]; round?: Round; clients?: ClientInfo[] } = {};
  private server = new grpc.Server();
  port = 0;

  private record(method: string, call: { request: unknown; metadata: grpc.Metadata }): void {
    this.calls.push({ method, request: call.request, authorization: call.metadata.get('authorization').map(String) });
  }

  private notFound(runId: string): Partial<grpc.ServiceError> {
    return { code: grpc.status.NOT_FOUND, details: `run ${runId} not found` };
  }

  async start(): Promise<void> {
    const handlers: ControlHandlers = {
      UploadModel: (call, cb) => {
        const chunks: ModelUploadChunk__Output[] = [];
        call.on('data', (c: ModelUploadChunk__Output) => chunks.push(c));
        call.on('end', () => {
          this.calls.push({ method: 'UploadModel', request: chunks, authorization: call.metadata.get('authorization').map(String) });
          const header = chunks[0]?.header;
          cb(null, { uploadId: `model-${'a'.repeat(24)}`, model: { name: header?.name ?? '', inputShape: [4], numClasses: 2, tensors: [] }, parameters: 0, expiresAtMs: 0 });
        });
      },
      CreateRun: (call, cb) => {
        this.record('CreateRun', call);
        cb(null, { ...RUN, runId: 'run-new', state: call.request.start ? 'running' : 'pending', config: call.request.config, committedRounds: 0, currentRound: 0 });
      },
      StartRun: (call, cb) => {
        this.record('StartRun', call);
        if (call.request.runId !== 'run-1') return cb(this.notFound(call.request.runId));
        cb(null, { ...RUN, state: 'running' });
      },
      CancelRun: (call, cb) => {
        this.record('CancelRun', call);
        cb(null, { ...RUN, state: 'cancelled', reason: 'cancelled by operator' });
      },
      ListRuns: (call, cb) => {
        this.record('ListRuns', call);
        cb(null, { runs: this.overrides.runs ?? [RUN, { ...RUN, runId: 'run-0', state: 'completed', committedRounds: 3 }] });
      },
      GetRun: (call, cb) => {
        this.record('GetRun', call);
        if (call.request.runId !== 'run-1') return cb(this.notFound(call.request.runId));
        cb(null, RUN);
      },
      ListRounds: (call, cb) => {
        this.record('ListRounds', call);
        cb(null, { rounds: [{ ...ROUND, round: 1 }, ROUND] });
      },
      GetRound: (call, cb) => {
        this.record('GetRound', call);
        cb(null, { ...(this.overrides.round ?? ROUND), round: call.request.round });
      },
      ListClients: (call, cb) => {
        this.record('ListClients', call);
        if (this.overrides.clients) return cb(null, { clients: this.overrides.clients });
        cb(null, {
          clients: [
            { clientId: 'edge-1', status: 'connected', lastSeenMs: Date.now() - 2000, backend: 'wasm', dataset: 'fashion-mnist', datasetSize: 6000, activity: 'idle' },
            {
              clientId: 'edge-2', status: 'connected', lastSeenMs: Date.now() - 1000, backend: 'wasm', dataset: 'fashion-mnist', datasetSize: 500, activity: 'idle',
              link: { presence: 'online', radio: 'lte', slice: '', rttMs: 42.4, upMbps: 7.94, downMbps: 31.2, stale: false, estimatedRoundMs: 12_300 },
            },
          ],
        });
      },
      ExportModel: (call) => {
        this.record('ExportModel', call);
        const { runId, round } = call.request;
        if (runId !== 'run-1' && runId !== 'run-torn') return void call.emit('error', this.notFound(runId));
        const bytes = float32ToBytes(EXPORTED);
        const spec = modelSpecFor('mlp');
        const sha256 = runId === 'run-torn' ? '0'.repeat(64) : sha256Hex(bytes);
        const header = { transferId: 'x', encoding: 'float32', totalBytes: bytes.length, sha256, tensors: spec.tensors };
        const half = Math.floor(bytes.length / 8) * 4;
        call.write({ header, model: spec, round: round < 0 ? 1 : round, offset: 0, data: bytes.subarray(0, half) });
        call.write({ offset: half, data: bytes.subarray(half) });
        call.end();
      },
      WatchRun: (call) => {
        this.record('WatchRun', call);
        const events = WATCH[call.request.runId];
        if (!events) return void call.emit('error', this.notFound(call.request.runId));
        for (const e of events) call.write(e);
        call.end();
      },
      CreateEnrollment: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
      RevokeClient: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
      ListAudit: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
      WhoAmI: (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED }),
    };
    this.server.addService(loadFedlinkProto().proto.fedlink.v1.Control.service, handlers);
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
  }

  stop(): Promise<void> {
    this.server.forceShutdown();
    return Promise.resolve();
  }
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runOn(undefined, ...args);
}

/** Runs the CLI with stdout a terminal `columns` wide (undefined: piped). */
async function runOn(columns: number | undefined, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s), columns }, stderr: { write: (s: string) => (stderr += s) } };
  const code = await main(['node', 'fedlink', ...args], io);
  return { code, stdout, stderr };
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** A port on which nothing listens (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('fedlink CLI against a fake Control service', () => {
  const fake = new FakeControl();
  let addr: string;

  beforeAll(async () => {
    await fake.start();
    addr = `127.0.0.1:${fake.port}`;
  });
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.calls = [];
    fake.overrides = {};
  });

  it('model export - writes model.json + weights.bin that tf.loadLayersModel loads with the exported weights', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'fedlink-export-'));
    try {
      const res = await run('model', 'export', 'run-1', '--round', '0', '--out', out, '--coordinator', addr, '--json');
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const doc = JSON.parse(res.stdout);
      expect(doc).toMatchObject({ run: 'run-1', round: 0, version: sha256Hex(float32ToBytes(EXPORTED)), bytes: EXPORTED.byteLength });
      expect(fake.calls[0].request).toMatchObject({ runId: 'run-1', round: 0 });
      const model = await tf.loadLayersModel(fileHandler(out));
      expect(Array.from(flattenWeights(model))).toEqual(Array.from(EXPORTED));
      const y = model.predict(tf.zeros([1, 784])) as tf.Tensor;
      expect(y.shape).toEqual([1, 10]);
      model.dispose();
      const text = await run('model', 'export', 'run-1', '--out', out, '--coordinator', addr);
      expect(text.stdout).toMatch(/run run-1 round 1 .*wrote .*model\.json/);
      // Each export also reads the run and its round for the model card: the second ExportModel is the one without --round.
      expect(fake.calls.filter((c) => c.method === 'ExportModel')[1].request).toMatchObject({ round: -1 });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('model export - an unknown run or a checkpoint that arrives corrupt is one line, non-zero, nothing written', async () => {
    const out = path.join(tmpdir(), `fedlink-export-none-${process.pid}`);
    const missing = await run('model', 'export', 'run-x', '--out', out, '--coordinator', addr);
    expect(missing.code).not.toBe(0);
    expect(lines(missing.stderr)).toHaveLength(1);
    expect(missing.stderr).toMatch(/run run-x not found/);
    const torn = await run('model', 'export', 'run-torn', '--out', out, '--coordinator', addr);
    expect(torn.code).not.toBe(0);
    expect(lines(torn.stderr)).toEqual([expect.stringMatching(/did not arrive whole/)]);
    expect(existsSync(out)).toBe(false);
    const noOut = await run('model', 'export', 'run-1', '--coordinator', addr);
    expect(noOut.code).toBe(2);
  });

  it('model export --out - an unwritable directory (under /proc, below a file, a file itself) fails at once with one line, nothing hangs', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-export-bad-'));
    try {
      const file = path.join(dir, 'a-file');
      writeFileSync(file, 'x');
      for (const [out, code] of [['/proc/nope', 'ENOENT'], ['/proc/nope/deeper', 'ENOENT'], [file, 'EEXIST'], [path.join(file, 'sub'), 'ENOTDIR']]) {
        const res = await run('model', 'export', 'run-1', '--out', out, '--coordinator', addr);
        expect(res.code).toBe(1);
        expect(res.stdout).toBe('');
        expect(res.stderr).toMatch(new RegExp(`^fedlink: cannot write the model to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${code}[^\n]*\n$`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs create - maps every flag to the CreateRunRequest, batch size full as 0 and deadline 120s as 120000 ms', async () => {
    fake.overrides.clients = CROWD;
    const res = await run(
      'runs', 'create', '--coordinator', addr,
      '--rounds', '10', '--clients-per-round', '5', '--min-clients', '3', '--local-epochs', '2',
      '--batch-size', 'full', '--lr', '0.05', '--deadline', '120s', '--strategy', 'fedavg', '--model', 'cnn',
      '--eval-data', 'fashion-mnist-test', '--no-accept-failures', '--seed', '7', '--max-round-retries', '0',
      '--wait-for-clients', '30s', '--no-start',
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(fake.calls.map((c) => c.method)).toEqual(['CreateRun']);
    const req = fake.calls[0].request as CreateRunRequest__Output;
    expect(req.start).toBe(false);
    expect(req.config).toMatchObject({
      rounds: 10,
      clientsPerRound: 5,
      minClients: 3,
      roundDeadlineMs: 120_000,
      strategy: 'fedavg',
      model: 'cnn',
      evalData: 'fashion-mnist-test',
      acceptFailures: false,
      selection: 'random',
      seed: 7,
      maxRoundRetries: 0,
      waitForClientsMs: 30_000,
    });
    expect(req.config?.train).toMatchObject({ localEpochs: 2, batchSize: 0, seed: 7 });
    expect(req.config?.train?.learningRate).toBeCloseTo(0.05, 6);
    expect(res.stdout).toMatch(/^created run run-new\n/);
  });

  it('runs create - defaults to starting the run, accepting failures and half the clients as minimum', async () => {
    const res = await run('runs', 'create', '--coordinator', addr, '--clients-per-round', '5');
    expect(res.code).toBe(0);
    const req = fake.calls[0].request as CreateRunRequest__Output;
    expect(req.start).toBe(true);
    expect(req.config).toMatchObject({ minClients: 3, acceptFailures: true, roundDeadlineMs: 120_000, model: 'mlp' });
    expect(req.config?.train?.batchSize).toBe(32);
  });

  it('runs create - rejects --min-clients above --clients-per-round before calling the coordinator', async () => {
    const res = await run('runs', 'create', '--coordinator', addr, '--clients-per-round', '2', '--min-clients', '3');
    expect(res.code).toBe(2);
    expect(fake.calls).toHaveLength(0);
    expect(lines(res.stderr)).toEqual(['fedlink: --min-clients (3) must not exceed --clients-per-round (2)']);
    expect(res.stdout).toBe('');
  });

  it('runs create - rejects a non-positive learning rate and a malformed deadline with one line each, exit 2', async () => {
    for (const bad of [['--lr', '0'], ['--deadline', 'soon'], ['--batch-size', 'half'], ['--rounds', '-1']]) {
      const res = await run('runs', 'create', '--coordinator', addr, ...bad);
      expect(res.code).toBe(2);
      expect(lines(res.stderr)).toHaveLength(1);
      expect(res.stderr).toContain(bad[0]);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('runs create - sends the strategy and only the strategy options given (the coordinator fills the defaults)', async () => {
    fake.overrides.clients = CROWD;
    const res = await run(
      'runs', 'create', '--coordinator', addr, '--strategy', 'fedadam', '--server-lr', '0.03', '--beta1', '0', '--beta2', '0.999', '--tau', '1e-3',
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const req = fake.calls[0].request as CreateRunRequest__Output;
    expect(req.config).toMatchObject({ strategy: 'fedadam', serverLr: 0.03, beta1: 0, beta2: 0.999, tau: 1e-3 });
    // Unset, not 0: proto3 optional keeps "not given" apart from 0.
    expect(req.config?.serverMomentum).toBeUndefined();
    expect(req.config?.proximalMu).toBeUndefined();
    const prox = await run('runs', 'create', '--coordinator', addr, '--strategy', 'fedprox', '--proximal-mu', '0.1');
    expect(prox.code).toBe(0);
    expect((fake.calls.filter((c) => c.method === 'CreateRun')[1].request as CreateRunRequest__Output).config).toMatchObject({ strategy: 'fedprox', proximalMu: 0.1 });
    const momentum = await run('runs', 'create', '--coordinator', addr, '--strategy', 'fedavgm', '--server-momentum', '0.5', '--server-lr', '2');
    expect(momentum.code).toBe(0);
    expect((fake.calls.filter((c) => c.method === 'CreateRun')[2].request as CreateRunRequest__Output).config).toMatchObject({ strategy: 'fedavgm', serverMomentum: 0.5, serverLr: 2 });
  });

  it('runs create --model <model.json> - uploads the topology and its weights in chunks, then creates the run naming the upload, with the objective and preprocessing', async () => {
    fake.overrides.clients = CROWD;
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-cli-model-'));
    const topology = { class_name: 'Sequential', config: { name: 'tiny', layers: [{ class_name: 'Dense', config: { units: 2, batch_input_shape: [null, 4] } }] } };
    const weights = Float32Array.from({ length: 10 }, (_, i) => i / 10);
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(weights.buffer));
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'k', shape: [4, 2], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'float32' }] }] }));
    writeFileSync(path.join(dir, 'prep.json'), JSON.stringify({ labelColumn: 'diagnosis', shift: [1], divide: [2] }));
    const res = await run(
      'runs', 'create', '--coordinator', addr, '--model', path.join(dir, 'model.json'), '--loss', 'binary-crossentropy', '--optimizer', 'adam', '--adam-beta1', '0.8',
      '--preprocessing', path.join(dir, 'prep.json'), '--labels', 'benign,malignant',
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(fake.calls.map((c) => c.method)).toEqual(['UploadModel', 'CreateRun', 'ListClients']);
    const chunks = fake.calls[0].request as ModelUploadChunk__Output[];
    expect(chunks[0].header).toMatchObject({ name: path.basename(dir), topology: JSON.stringify(topology), weightsBytes: 40 });
    expect(Buffer.concat(chunks.slice(1).map((c) => c.data))).toEqual(Buffer.from(weights.buffer));
    const config = (fake.calls.filter((c) => c.method === 'CreateRun')[0].request as CreateRunRequest__Output).config!;
    expect(config).toMatchObject({ model: '', modelUpload: `model-${'a'.repeat(24)}` });
    // Metrics unset: the coordinator fills the loss's default.
    expect(config.objective).toMatchObject({ loss: 'binary-crossentropy', metrics: [], optimizer: { name: 'adam', beta1: 0.8 } });
    expect(config.preprocessing).toMatchObject({ labelColumn: 'diagnosis', shift: [1], divide: [2], labels: ['benign', 'malignant'] });
  });

  it('runs create --model - a missing file, a file that is no model, a built-in with a loss it cannot train: one line, no call', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-cli-model-'));
    writeFileSync(path.join(dir, 'notes.json'), JSON.stringify({ hello: 1 }));
    const cases: Array<[string[], RegExp]> = [
      [['--model', path.join(dir, 'nope.json')], /^fedlink: cannot read model .*nope\.json: ENOENT$/],
      [['--model', path.join(dir, 'notes.json')], /^fedlink: .*notes\.json has no modelTopology/],
      [['--loss', 'mse'], /^fedlink: loss mse does not fit the built-in model mlp/],
      [['--preprocessing', path.join(dir, 'notes.json')], /^fedlink: --preprocessing .*notes\.json: unknown field hello/],
    ];
    for (const [args, message] of cases) {
      const res = await run('runs', 'create', '--coordinator', addr, ...args);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(lines(res.stderr), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('runs start - starts a pending run; an unknown run is one line, exit 1', async () => {
    const ok = await run('runs', 'start', 'run-1', '--coordinator', addr);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('run run-1: started; follow it with: fedlink runs watch run-1\n');
    expect(fake.calls.map((c) => c.method)).toEqual(['StartRun', 'ListClients']);
    expect(ok.stderr).toBe('');
    const missing = await run('runs', 'start', 'run-9', '--coordinator', addr);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/run run-9 not found/)]);
  });

  it('runs create - refuses an unknown strategy, an out-of-range option and an option the strategy does not take: one line, exit 2, no call', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--strategy', 'fedsgd'], /--strategy <name>.*'fedsgd' is invalid.*fedavg, fedavgm, fedprox, fedadam, fedyogi, fedadagrad/],
      [['--strategy', 'fedadam', '--beta1', '1'], /--beta1 <x>.*'1' is invalid\. expected a number in \[0, 1\)/],
      [['--strategy', 'fedadam', '--tau', '0'], /--tau <x>.*'0' is invalid\. expected a number in \(0, 10\]/],
      [['--strategy', 'fedyogi', '--server-lr', 'fast'], /--server-lr <x>.*'fast' is invalid/],
      [['--strategy', 'fedprox', '--proximal-mu', '-1'], /--proximal-mu <x>.*'-1' is invalid/],
      [['--beta2', '0.9'], /^fedlink: beta2 \(--beta2\) does not apply to strategy fedavg; it takes no options of its own$/],
      [['--strategy', 'fedavgm', '--tau', '0.1'], /^fedlink: tau \(--tau\) does not apply to strategy fedavgm; it takes server_lr, server_momentum$/],
      [['--strategy', 'fedadagrad', '--beta2', '0.9'], /does not apply to strategy fedadagrad; it takes server_lr, beta1, tau/],
    ];
    for (const [args, message] of cases) {
      const res = await run('runs', 'create', '--coordinator', addr, ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(lines(res.stderr), args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('runs create --help - lists every strategy and option from the registry with its defaults', async () => {
    const res = await run('runs', 'create', '--help');
    const help = res.stdout.replace(/\s+/g, ' ');
    for (const name of ['fedavg', 'fedavgm', 'fedprox', 'fedadam', 'fedyogi', 'fedadagrad']) expect(help).toContain(`${name} (`);
    expect(help).toContain('--server-lr <x> server learning rate η, in (0, 100] (default: fedavgm 1, fedadam 0.1, fedyogi 0.01, fedadagrad 0.1)');
    expect(help).toContain('--proximal-mu <x>');
  });

  it('takes no bearer token (identity is the certificate) and refuses incomplete or missing TLS credentials in one line, exit 2', async () => {
    expect((await run('runs', 'list', '--coordinator', addr, '--token', 's3cret')).code).toBe(2);
    const half = await run('runs', 'list', '--coordinator', addr, '--tls-ca', '/nonexistent/ca.crt');
    expect(half).toMatchObject({ code: 2, stderr: 'fedlink: --tls-ca, --tls-cert and --tls-key go together (or use --pki <dir>)\n' });
    const missing = await run('runs', 'list', '--coordinator', addr, '--pki', '/nonexistent/pki');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^fedlink: cannot read \/nonexistent\/pki \(--pki\): no such directory\n$/);
    expect(fake.calls).toHaveLength(0);
  });

  it('--json - prints exactly one JSON document on stdout and nothing else, for every read command', async () => {
    fake.overrides.clients = CROWD;
    const cases: Array<[string[], (doc: any) => void]> = [
      [['runs', 'list'], (doc) => expect(doc.runs.map((r: Run) => r.runId)).toEqual(['run-1', 'run-0'])],
      [['runs', 'show', 'run-1'], (doc) => expect(doc).toMatchObject({ runId: 'run-1', committedRounds: 1 })],
      [['runs', 'create'], (doc) => expect(doc.runId).toBe('run-new')],
      [['runs', 'cancel', 'run-1'], (doc) => expect(doc.state).toBe('cancelled')],
      [['rounds', 'list', 'run-1'], (doc) => expect(doc.rounds.map((r: Round) => r.state)).toEqual(['committed', 'committed'])],
      [['rounds', 'show', 'run-1', '2'], (doc) => expect(doc.clients).toHaveLength(2)],
      [['clients', 'list'], (doc) => expect(doc.clients[0].clientId).toBe('edge-0')],
    ];
    for (const [args, check] of cases) {
      const res = await run(...args, '--coordinator', addr, '--json');
      expect(res.code, args.join(' ')).toBe(0);
      expect(res.stderr).toBe('');
      check(JSON.parse(res.stdout));
    }
  });

  it('rounds show - prints the summary and one row per client, with the reason a client was dropped', async () => {
    const res = await run('rounds', 'show', 'run-1', '2', '--coordinator', addr, '-o', 'wide');
    expect(res.code).toBe(0);
    expect(fake.calls[0].request).toEqual({ runId: 'run-1', round: 2 });
    expect(res.stdout).toMatch(/reported\s+1 of 2 selected/);
    expect(res.stdout).toMatch(/strategy\s+update norm 1\.2500, step norm 0\.0316/);
    const edge1 = lines(res.stdout).find((l) => l.startsWith('edge-1'));
    const edge2 = lines(res.stdout).find((l) => l.startsWith('edge-2'));
    expect(edge1).toMatch(/finished\s+6000\s+0\.4321\s+9\.5s/);
    // A top-k update averaged per parameter says so next to its encoding.
    expect(edge1).toMatch(/topk:0\.01\+int8 per-param\s/);
    // Where the client's time went: its download (as it timed it) and its upload.
    expect(edge1).toMatch(/976\.6 KiB in 1\.6s\s+976\.6 KiB in 23\.4s$/);
    expect(edge2).toMatch(/^edge-2\s+dropped\s.*\sdisconnected during training$/);
    expect(edge2).toMatch(/\sfloat32\s/);
    expect(edge2).not.toMatch(/ in /);
  });

  it('rounds list, runs show and clients list - print readable tables', async () => {
    const rounds = await run('rounds', 'list', 'run-1', '--coordinator', addr, '--output', 'wide');
    expect(lines(rounds.stdout)[0]).toMatch(/^ROUND\s+ATTEMPT\s+STATE\s+REPORTED\s+MEAN LOSS\s+TEST ACC\s+DOWN\s+UP\s+DURATION\s+REASON$/);
    expect(lines(rounds.stdout)[2]).toMatch(/^2\s+1\s+committed\s+1\/2\s+0\.4321\s+0\.8234\s+1\.9 MiB\s+976\.6 KiB\s+12\.0s$/);
    const show = await run('runs', 'show', 'run-1', '--coordinator', addr);
    expect(show.stdout).toMatch(/rounds\s+1\/3 committed, current round 2/);
    expect(show.stdout).toMatch(/strategy\s+fedadam \(server lr 0\.01, beta1 0\.9\), selection random, seed 42/);
    expect(show.stdout).toMatch(/latest eval\s+loss 0\.5200, accuracy 0\.8123 on 10000 examples/);
    expect(show.stdout).toMatch(/checkpoints\s+round 0 aaaaaaaaaaaa \(778\.2 KiB\), round 1 bbbbbbbbbbbb \(778\.2 KiB\)/);
    const clients = await run('clients', 'list', '--coordinator', addr, '-o', 'wide');
    expect(lines(clients.stdout)[1]).toMatch(/^edge-1\s+connected\s+-\s+-\s+-\s+-\s+-\s+2s ago\s+wasm\s+6000\s+-\s+idle$/);
    expect(lines(clients.stdout)[2]).toMatch(/^edge-2\s+connected\s+lte\s+42 ms\s+7\.9\s+31\s+12\.3s\s+1s ago\s+wasm\s+500\s+-\s+idle$/);
  });

  it('runs list, rounds list, rounds show and clients list - fit 80 columns by default, long cells cut with "…", every column with -o wide', async () => {
    const long = `edge-${'x'.repeat(60)}`;
    fake.overrides = {
      runs: [{ ...RUN, reason: `round 3 failed: ${'only 0 of 2 selected client(s) reported; '.repeat(3)}` }],
      round: { ...ROUND, reason: `only 1 of 3 reported: ${'edge-9 dropped (disconnected during training); '.repeat(2)}`, clients: [...(ROUND.clients ?? []), { clientId: long, state: 'dropped', reason: 'x'.repeat(120), bytesDown: 1 }] },
      clients: [{ clientId: long, status: 'connected', lastSeenMs: Date.now(), backend: 'tfjs-node', dataset: 'fashion-mnist', datasetSize: 6000, activity: `task-${'y'.repeat(40)}`, link: { presence: 'online', radio: '5g-sa', slice: 'embb', rttMs: 12, upMbps: 50, downMbps: 200, stale: true, estimatedRoundMs: 9000 } }],
    };
    for (const args of [['runs', 'list'], ['rounds', 'list', 'run-1'], ['rounds', 'show', 'run-1', '2'], ['clients', 'list'], ['runs', 'show', 'run-1']]) {
      const narrow = await runOn(80, ...args, '--coordinator', addr);
      expect(narrow.code, args.join(' ')).toBe(0);
      const widest = Math.max(...lines(narrow.stdout).map((l) => l.length));
      expect(widest, `${args.join(' ')}:\n${narrow.stdout}`).toBeLessThanOrEqual(80);
      const wide = await run(...args, '--coordinator', addr, '-o', 'wide');
      expect(wide.code).toBe(0);
      expect(wide.stdout).not.toMatch(/…/);
    }
    // Piped, a key/value line stays whole for grep; on a terminal it wraps under its value.
    expect(lines((await run('rounds', 'show', 'run-1', '2', '--coordinator', addr)).stdout).find((l) => l.startsWith('reason'))).toMatch(/during training\);$/);
    const wrapped = lines((await runOn(80, 'rounds', 'show', 'run-1', '2', '--coordinator', addr)).stdout);
    const at = wrapped.findIndex((l) => l.startsWith('reason'));
    // The continuation starts where the value does.
    expect(wrapped[at + 1]).toMatch(new RegExp(`^ {${wrapped[at].indexOf('only')}}\\S`));
    const clients = await run('clients', 'list', '--coordinator', addr);
    expect(lines(clients.stdout)[0]).toMatch(/^CLIENT\s+STATUS\s+RADIO\s+RTT\s+UP MBIT\/S\s+DOWN MBIT\/S\s+LAST SEEN$/);
    expect(lines(clients.stdout)[1]).toMatch(/^edge-x+…\s/);
    const wideClients = await run('clients', 'list', '--coordinator', addr, '-o', 'wide');
    expect(wideClients.stdout).toContain(long);
    expect(lines(wideClients.stdout)[0]).toMatch(/EST\. ROUND\s+LAST SEEN\s+BACKEND\s+SIZE\s+PARTITION\s+ACTIVITY$/);
    const bad = await run('clients', 'list', '--coordinator', addr, '-o', 'yaml');
    expect(bad).toEqual({ code: 2, stdout: '', stderr: "fedlink: option '-o, --output <format>' argument 'yaml' is invalid. Allowed choices are table, wide.\n" });
  });

  it('escape sequences a client sends in its id, a drop reason or a run reason never reach the terminal', async () => {
    const evil = 'edge-\u001b[2J\u001b]0;owned\u0007\u009b31m1';
    fake.overrides = {
      runs: [{ ...RUN, reason: `bad \u001b[31mreason\u202e` }],
      round: { ...ROUND, clients: [{ clientId: evil, state: 'dropped', reason: 'gone \u001b[1Aup', bytesDown: 1 }] },
      clients: [{ clientId: evil, status: 'connected', lastSeenMs: Date.now(), backend: '\u001b[5mwasm', dataset: '', datasetSize: 1, activity: 'idle' }],
    };
    for (const args of [['runs', 'list'], ['runs', 'show', 'run-1'], ['rounds', 'show', 'run-1', '2'], ['clients', 'list'], ['clients', 'list', '-o', 'wide']]) {
      const res = await run(...args, '--coordinator', addr);
      expect(res.code).toBe(0);
      expect(res.stdout, args.join(' ')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    }
    expect((await run('clients', 'list', '--coordinator', addr)).stdout).toMatch(/^edge-1\s/m);
  });

  it('runs metrics - prints one CSV row per round attempt, or JSON lines, to stdout or an --out file', async () => {
    const csv = await run('runs', 'metrics', 'run-1', '--coordinator', addr);
    expect(csv.code).toBe(0);
    const [header, first] = lines(csv.stdout);
    expect(header.split(',')).toEqual(expect.arrayContaining(['round', 'attempt', 'state', 'committedAt', 'trainLoss', 'testAccuracy', 'clientsSelected', 'clientsReported', 'clientsDropped', 'bytesUp', 'bytesDown', 'durationMs', 'strategy.update_norm']));
    const row = Object.fromEntries(header.split(',').map((h, i) => [h, first.split(',')[i]]));
    expect(row).toMatchObject({ round: '1', state: 'committed', trainLoss: '0.4321', testAccuracy: '0.8234', clientsSelected: '2', clientsReported: '1', clientsDropped: '1', bytesUp: '1000000', durationMs: '12000', committedAt: new Date(NOW - 8_000).toISOString() });
    const jsonl = await run('runs', 'metrics', 'run-1', '--format', 'jsonl', '--coordinator', addr);
    const rows = lines(jsonl.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.round)).toEqual([1, 2]);
    expect(rows[1]).toMatchObject({ testMae: null, trainAccuracy: 0, 'strategy.step_norm': 0.0316 });
    const dir = mkdtempSync(path.join(tmpdir(), 'fedlink-metrics-'));
    try {
      const file = path.join(dir, 'metrics.csv');
      const written = await run('runs', 'metrics', 'run-1', '--out', file, '--coordinator', addr);
      expect(written).toMatchObject({ code: 0, stdout: '', stderr: `wrote ${file} (2 round attempt(s), csv)\n` });
      expect(readFileSync(file, 'utf8')).toBe(csv.stdout);
      for (const bad of ['/proc/nope/m.csv', dir, path.join(dir, 'missing', 'm.csv')]) {
        const res = await run('runs', 'metrics', 'run-1', '--out', bad, '--coordinator', addr);
        expect(res.code).toBe(2);
        expect(res.stderr).toMatch(new RegExp(`^fedlink: cannot write --out ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: [^\n]+\n$`));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs create and runs start - warn on stderr, in one line, when fewer clients are connected than --clients-per-round', async () => {
    fake.overrides.clients = [...CROWD.slice(0, 3), { ...CROWD[3], status: 'disconnected' }];
    const created = await run('runs', 'create', '--clients-per-round', '4', '--coordinator', addr);
    expect(created.code).toBe(0);
    expect(created.stderr).toBe('fedlink: warning: 3 client(s) connected, fewer than --clients-per-round 4: rounds train with the clients there are (see fedlink clients list)\n');
    const short = await run('runs', 'create', '--clients-per-round', '8', '--min-clients', '5', '--coordinator', addr);
    expect(short.stderr).toBe('fedlink: warning: 3 client(s) connected, fewer than --clients-per-round 8: each round waits up to 1m00s for --min-clients 5, then fails (see fedlink clients list)\n');
    const enough = await run('runs', 'create', '--clients-per-round', '3', '--coordinator', addr);
    expect(enough.stderr).toBe('');
    // Not started: no rounds wait yet, no warning, no call.
    fake.calls = [];
    const pending = await run('runs', 'create', '--clients-per-round', '4', '--no-start', '--coordinator', addr);
    expect(pending.stderr).toBe('');
    fake.overrides.clients = [];
    const started = await run('runs', 'start', 'run-1', '--coordinator', addr);
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(/^fedlink: warning: 0 client\(s\) connected, fewer than --clients-per-round 2: /);
  });

  it('clients list - warns when connected daemons train on the same partition (a forgotten --index), naming them', async () => {
    const partition = { dataset: 'fashion-mnist', partition: '0/10 iid seed 42' };
    fake.overrides.clients = [
      { ...CROWD[0], ...partition },
      { ...CROWD[1], ...partition },
      { ...CROWD[2], dataset: 'fashion-mnist', partition: '1/10 iid seed 42' },
      // Gone: it no longer trains on anything.
      { ...CROWD[3], ...partition, status: 'disconnected' },
      // All of its own data: nothing shared to report.
      { ...CROWD[4], dataset: 'csv', partition: '' },
      { ...CROWD[5], dataset: 'csv', partition: '' },
    ];
    const res = await run('clients', 'list', '--coordinator', addr);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('fedlink: warning: edge-0, edge-1 train on the same data (fashion-mnist 0/10 iid seed 42): give each daemon its own --index\n');
    const wide = await run('clients', 'list', '--coordinator', addr, '-o', 'wide');
    expect(lines(wide.stdout)[1]).toMatch(/\s0\/10 iid seed 42\s/);
    const json = await run('clients', 'list', '--coordinator', addr, '--json');
    expect(JSON.parse(json.stdout).clients.map((c: { partition: string | null }) => c.partition)).toEqual(['0/10 iid seed 42', '0/10 iid seed 42', '1/10 iid seed 42', '0/10 iid seed 42', null, null]);
  });

  it('runs watch piped - prints one plain line per event and exits 1 when the run fails', async () => {
    const res = await run('runs', 'watch', 'run-fails', '--coordinator', addr);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe('');
    expect(res.stdout).not.toMatch(/\u001b/);
    const out = lines(res.stdout);
    expect(out[0]).toBe('watching run run-fails: running, 1/3 rounds committed, test acc 0.8234');
    expect(out[1]).toMatch(/^round 3\/3 started: 2 client\(s\) selected \(edge-1, edge-2\), deadline in /);
    expect(out.slice(2)).toEqual([
      'round 3: edge-1 done',
      'round 3: edge-2 dropped (disconnected during training)',
      'round 3/3 failed: only 0 of 2 selected client(s) reported',
      'run run-fails failed: round 3 failed',
    ]);
  });

  it('runs watch --json - prints one small typed event per line and exits 0 when the run completes', async () => {
    const res = await run('runs', 'watch', 'run-completes', '--coordinator', addr, '--json');
    expect(res.code).toBe(0);
    const docs = lines(res.stdout).map((l) => JSON.parse(l));
    expect(docs.map((d) => d.type)).toEqual(['watching', 'round_committed', 'run_completed']);
    expect(docs[1]).toMatchObject({ runId: 'run-completes', round: 3, attempt: 1, reported: 1, selected: 2, loss: 0.4321, accuracy: 0.8234, durationMs: 12_000 });
    for (const d of docs) {
      expect(new Date(d.at).getTime()).toBe(d.atMs);
      expect(JSON.stringify(d).length).toBeLessThan(300);
    }
  });

  it('runs watch - exits 3 when the run is cancelled, and its --help documents every exit code', async () => {
    const res = await run('runs', 'watch', 'run-cancelled', '--coordinator', addr);
    expect(res.code).toBe(3);
    expect(lines(res.stdout).at(-1)).toBe('run run-cancelled cancelled');
    const help = await run('runs', 'watch', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/0 the run completed; 1 the run failed .*; 3 the run was cancelled; 4 the coordinator was unreachable for longer than --give-up-after/);
    expect(help.stdout).toMatch(/--give-up-after <duration>/);
  });

  it('a NOT_FOUND from the coordinator - prints its details on one line and exits 1', async () => {
    const show = await run('runs', 'show', 'run-404', '--coordinator', addr);
    expect(show.code).toBe(1);
    expect(show.stdout).toBe('');
    expect(lines(show.stderr)).toEqual(['fedlink: run run-404 not found']);
    const watch = await run('runs', 'watch', 'run-404', '--coordinator', addr);
    expect(watch.code).toBe(1);
    expect(lines(watch.stderr)).toEqual(['fedlink: run run-404 not found']);
  });

  it('an unreachable coordinator - exits 1 with a single stderr line and no stack trace', async () => {
    const port = await closedPort();
    for (const args of [['runs', 'list'], ['runs', 'watch', 'run-1'], ['runs', 'list', '--json']]) {
      const res = await run(...args, '--coordinator', `127.0.0.1:${port}`);
      expect(res.code).toBe(1);
      expect(res.stdout).toBe('');
      expect(lines(res.stderr)).toEqual([`fedlink: cannot reach coordinator at 127.0.0.1:${port} (is it running? If it serves TLS, pass --pki <dir> or --tls-ca/--tls-cert/--tls-key)`]);
    }
  });

  it('an unknown flag or command - exits 2 with one line and calls nothing', async () => {
    const flag = await run('runs', 'list', '--coordinator', addr, '--bogus');
    expect(flag.code).toBe(2);
    expect(lines(flag.stderr)).toEqual(["fedlink: unknown option '--bogus'"]);
    const command = await run('runz');
    expect(command.code).toBe(2);
    expect(lines(command.stderr)).toHaveLength(1);
    expect(command.stderr).toMatch(/unknown command 'runz'/);
    const address = await run('runs', 'list', '--coordinator', 'no-port');
    expect(address.code).toBe(2);
    expect(lines(address.stderr)).toHaveLength(1);
    expect(fake.calls).toHaveLength(0);
  });
});
