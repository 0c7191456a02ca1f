/**
 * The Byzantine client of test/bench: each attack's transform on small arrays,
 * the attacks as daemon overrides around a fake trainer, and its command line
 * (the daemon mocked: only what it would be started with is checked), in
 * process and as the process the benches start.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LabeledImages } from '../../clients/trainer/fashion-mnist';
import { createRng } from '../../common/random';
import type { TrainTask } from '../../common/types';
import { ATTACK_NAMES, DEFAULT_ATTACK_PARAMS, attack, flipLabels, gaussianNoise, signFlip } from '../bench/helpers/byzantine-attacks';
import { main } from '../bench/helpers/byzantine-command';
import { FakeTrainer } from '../helpers/fake-fleet-server';

const startDaemon = vi.fn(async (..._args: unknown[]) => ({ session: {}, stop: async () => {} }));
const superviseDaemon = vi.fn(async (..._args: unknown[]) => {});
vi.mock('../../clients/daemon/main', () => ({ startDaemon, superviseDaemon }));

const TASK = { taskId: 't', runId: 'r', round: 1 } as TrainTask;
const noTraining = { signal: new AbortController().signal, onProgress: () => undefined };

describe('byzantine attacks - transforms', () => {
  it('sign-flip - uploads global − 10·(trained − global), in the trained array', () => {
    const global = Float32Array.from([1, 2, 3]);
    const trained = Float32Array.from([1.5, 2, 2]);
    const out = signFlip(global, trained, 10);
    expect(out).toBe(trained);
    expect(Array.from(out)).toEqual([-4, 2, 13]);
    expect(Array.from(global)).toEqual([1, 2, 3]);
  });

  it('noise - global + N(0, σ²): reproducible for a seed, another seed another draw, mean 0 and spread σ', () => {
    const global = new Float32Array(20_000).fill(0.5);
    const a = gaussianNoise(global, 2, createRng(7));
    expect(Array.from(gaussianNoise(global, 2, createRng(7)))).toEqual(Array.from(a));
    expect(Array.from(gaussianNoise(global, 2, createRng(8)))).not.toEqual(Array.from(a));
    const noise = Array.from(a, (v) => v - 0.5);
    const mean = noise.reduce((s, v) => s + v, 0) / noise.length;
    const sd = Math.sqrt(noise.reduce((s, v) => s + (v - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(sd).toBeGreaterThan(1.95);
    expect(sd).toBeLessThan(2.05);
    expect(Array.from(global.subarray(0, 3))).toEqual([0.5, 0.5, 0.5]);
  });

  it('label-flip - y → 9 − y in a new array', () => {
    const labels = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3]);
    expect(Array.from(flipLabels(labels))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 6]);
    expect(labels[0]).toBe(0);
  });
});

describe('byzantine attacks - as daemon overrides', () => {
  it('sign-flip wraps the trainer: trains honestly, then uploads the flipped update; the global model is not touched', async () => {
    const inner = new FakeTrainer();
    inner.step = () => 0.5;
    const trainer = attack('sign-flip').overrides(DEFAULT_ATTACK_PARAMS).wrapTrainer!(inner);
    const global = Float32Array.from([1, 2]);
    const out = await trainer.train(TASK, global, noTraining);
    expect(Array.from(out.weights)).toEqual([-4, -3]);
    expect(out.numExamples).toBe(123);
    expect(Array.from(global)).toEqual([1, 2]);
    expect(inner.calls).toHaveLength(1);
  });

  it('noise wraps the trainer: each task draws afresh from one seeded stream, the same for the same seed', async () => {
    const draws = async (seed: number) => {
      const trainer = attack('noise').overrides({ ...DEFAULT_ATTACK_PARAMS, sigma: 0.1, seed }).wrapTrainer!(new FakeTrainer());
      const global = new Float32Array(8);
      return [Array.from((await trainer.train(TASK, global, noTraining)).weights), Array.from((await trainer.train(TASK, global, noTraining)).weights)];
    };
    const [first, second] = await draws(3);
    expect(first).not.toEqual(second);
    expect(await draws(3)).toEqual([first, second]);
    // Nothing of the honest training (+1 everywhere) is left in the upload.
    expect(Math.max(...first.map(Math.abs))).toBeLessThan(0.6);
  });

  it('label-flip relabels the local data and leaves training alone', () => {
    const o = attack('label-flip').overrides(DEFAULT_ATTACK_PARAMS);
    expect(o.wrapTrainer).toBeUndefined();
    const data: LabeledImages = { images: new Float32Array(3 * 4), labels: Uint8Array.from([0, 4, 9]), count: 3, height: 2, width: 2 };
    const flipped = o.transformData!(data);
    expect(Array.from(flipped.labels)).toEqual([9, 5, 0]);
    expect(flipped.images).toBe(data.images);
    expect(flipped.count).toBe(3);
  });

  it('an unknown attack names the known ones', () => {
    expect(() => attack('backdoor')).toThrow(`unknown attack "backdoor" (known: ${ATTACK_NAMES.join(', ')})`);
  });
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  return { code: await main(['node', 'byzantine-client', ...args], io), stdout, stderr };
}

describe('byzantine client - command line', () => {
  afterEach(() => {
    startDaemon.mockClear();
    superviseDaemon.mockClear();
  });

  it('starts the daemon with the client flags and the attack as overrides, and supervises it', async () => {
    const res = await run('--attack', 'sign-flip', '--id', 'byz-1', '--coordinator', '127.0.0.1:5999', '--num-partitions', '20', '--index', '17', '--partition', 'iid');
    expect(res).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(startDaemon).toHaveBeenCalledTimes(1);
    const [options, overrides] = startDaemon.mock.calls[0] as [Record<string, unknown>, Record<string, unknown>];
    expect(options).toMatchObject({ clientId: 'byz-1', coordinator: '127.0.0.1:5999', numPartitions: 20, index: 17, partition: 'iid' });
    expect(typeof overrides.wrapTrainer).toBe('function');
    expect(superviseDaemon).toHaveBeenCalledTimes(1);
  });

  it.each([
    [['--id', 'byz-1'], "required option '--attack <name>' not specified"],
    [['--id', 'byz-1', '--attack', 'backdoor'], "option '--attack <name>' argument 'backdoor' is invalid. Allowed choices are sign-flip, noise, label-flip."],
    [['--id', 'byz-1', '--attack', 'noise', '--noise-sigma', '0'], "option '--noise-sigma <sigma>' argument '0' is invalid"],
    [['--id', 'byz-1', '--attack', 'sign-flip', '--flip-scale', 'big'], "option '--flip-scale <k>' argument 'big' is invalid"],
    [['--id', 'byz-1', '--attack', 'noise', '--attack-seed', '-3'], "option '--attack-seed <n>' argument '-3' is invalid"],
    [['--attack', 'noise'], 'missing client id (use --id <name>)'],
    [['--id', 'byz-1', '--attack', 'noise', '--index', '12'], 'partition index 12 is out of range for 10 partitions'],
    [['--id', 'byz-1', '--attack', 'noise', '--clip-norm', '0'], "option '--clip-norm <C>' argument '0' is invalid"],
  ])('bad arguments %j are one line on stderr, exit 2, no daemon', async (args, message) => {
    const res = await run(...args);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/^byzantine-client: /);
    expect(res.stderr).toContain(message);
    expect(startDaemon).not.toHaveBeenCalled();
  });

  it('--help lists the attacks and the client flags, exit 0', async () => {
    const res = await run('--help');
    expect(res.code).toBe(0);
    for (const text of ['--attack <name>', ...ATTACK_NAMES, '--noise-sigma <sigma>', '(default: 1)', '--flip-scale <k>', '(default: 10)', '--coordinator <host:port>', '--partition <spec>', '--clip-norm <C>']) {
      expect(res.stdout).toContain(text);
    }
  });

  it('as a process (node --import tsx), bad arguments are one clean line and exit 2', () => {
    const entry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bench/helpers/byzantine-client.ts');
    const res = spawnSync(process.execPath, ['--import', 'tsx', entry, '--id', 'byz-1', '--attack', 'backdoor'], { encoding: 'utf8', timeout: 60_000 });
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([
      "byzantine-client: option '--attack <name>' argument 'backdoor' is invalid. Allowed choices are sign-flip, noise, label-flip.",
    ]);
  });
});
