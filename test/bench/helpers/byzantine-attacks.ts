/**
 * Byzantine behaviours for robustness tests and benches, built on the daemon's
 * generic seams (DaemonOverrides.wrapTrainer / transformData): the daemon
 * itself knows nothing of attacks. The maths is in small pure functions so
 * each can be checked on fixed arrays.
 */
import type { DaemonOverrides } from '../../../clients/daemon/main';
import type { Trainer } from '../../../clients/daemon/run-task';
import { FASHION_MNIST_CLASSES, type LabeledImages } from '../../../clients/trainer/fashion-mnist';
import { InvalidArgumentError } from '../../../common/errors';
import { createRng, normal, type Rng } from '../../../common/random';

/** What tunes an attack. */
export interface AttackParams {
  /** sign-flip: the upload is global − scale·(trained − global). */
  scale: number;
  /** noise: standard deviation of the Gaussian upload around the global model. */
  sigma: number;
  /** noise: seed of the noise generator (one stream per process, advancing every task). */
  seed: number;
}

/** The parameters an attacker gets unless told otherwise. */
export const DEFAULT_ATTACK_PARAMS: AttackParams = { scale: 10, sigma: 1, seed: 1 };

/** One attack: its name (the `--attack` value), a help line, and the daemon overrides that carry it out. */
export interface Attack {
  name: string;
  help: string;
  overrides(params: AttackParams): Pick<DaemonOverrides, 'wrapTrainer' | 'transformData'>;
}

/** global − scale·(trained − global), written into `trained` (which it returns). */
export function signFlip(global: Float32Array, trained: Float32Array, scale: number): Float32Array {
  for (let i = 0; i < trained.length; i++) trained[i] = global[i] - scale * (trained[i] - global[i]);
  return trained;
}

/** global + N(0, sigma²) per parameter from `rng`, written into `out` (which it returns). */
export function gaussianNoise(global: Float32Array, sigma: number, rng: Rng, out: Float32Array = new Float32Array(global.length)): Float32Array {
  for (let i = 0; i < global.length; i++) out[i] = global[i] + sigma * normal(rng);
  return out;
}

/** Labels y → (classes − 1) − y, a new array: every example now teaches the wrong class. */
export function flipLabels(labels: Uint8Array, classes = FASHION_MNIST_CLASSES): Uint8Array {
  return labels.map((y) => classes - 1 - y);
}

/** A trainer that trains as `inner` does, then replaces the new weights by `upload(global, trained)`. */
function replacingUpload(upload: (global: Float32Array, trained: Float32Array) => Float32Array): (inner: Trainer) => Trainer {
  return (inner) => ({
    async train(task, weights, opts) {
      const outcome = await inner.train(task, weights, opts);
      // `weights` is the cached global model: read only. The trained array is ours to overwrite.
      return { ...outcome, weights: upload(weights, outcome.weights) };
    },
  });
}

/** Every attack, by `--attack` name. */
export const ATTACKS: readonly Attack[] = [
  {
    name: 'sign-flip',
    help: 'upload global − scale·(trained − global): the honest update reversed and amplified',
    overrides: ({ scale }) => ({ wrapTrainer: replacingUpload((global, trained) => signFlip(global, trained, scale)) }),
  },
  {
    name: 'noise',
    help: 'upload global + N(0, sigma²) per parameter, from a seeded generator',
    overrides: ({ sigma, seed }) => {
      const rng = createRng(seed);
      return { wrapTrainer: replacingUpload((global, trained) => gaussianNoise(global, sigma, rng, trained)) };
    },
  },
  {
    name: 'label-flip',
    help: 'train honestly on relabelled data, y → 9 − y',
    overrides: () => ({ transformData: (data: LabeledImages) => ({ ...data, labels: flipLabels(data.labels) }) }),
  },
];

/** Attack names in registry order. */
export const ATTACK_NAMES: readonly string[] = ATTACKS.map((a) => a.name);

/** The attack called `name`; InvalidArgumentError listing the known ones otherwise. */
export function attack(name: string): Attack {
  const found = ATTACKS.find((a) => a.name === name);
  if (!found) throw new InvalidArgumentError(`unknown attack "${name}" (known: ${ATTACK_NAMES.join(', ')})`);
  return found;
}
