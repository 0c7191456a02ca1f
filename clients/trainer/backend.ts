/**
 * TFJS backend selection at runtime: `tensorflow` (native, when the optional
 * `@tensorflow/tfjs-node` is installed) > `wasm` > `cpu`. The wasm backend has
 * no conv backprop kernels, so CNN training falls back to `cpu` there.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { ModelName } from '../../common/types';
import type { Logger } from '../../common/logger';

/** The TFJS backends fedlink knows how to use, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Model about to be trained; `cnn` rules out `wasm`. */
  /** A built-in name, or a user's model label (trained like mlp unless it is 'cnn'). */
  model?: string;
  /** Backend to use when available and able to train `model`. @default the fastest available */
  prefer?: BackendName;
  /** Where the (single) choice is logged. */
  logger?: Logger;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

let nativeProbe: Promise<boolean> | undefined;
let wasmPathsSet = false;
let active: BackendName | undefined;
let lastLogged: BackendName | undefined;
// Serialises initBackend calls: tf.setBackend is async and two racing calls
// could otherwise leave a different backend active than either returned.
let queue: Promise<unknown> = Promise.resolve();

/** Resolves whether the native TensorFlow backend can be loaded (probed once per process). */
function hasNative(): Promise<boolean> {
  nativeProbe ??= (async () => {
    try {
      // A variable specifier keeps tsc and bundlers from requiring the optional package.
      const name = TFJS_NODE;
      await import(/* @vite-ignore */ name);
      return tf.findBackendFactory('tensorflow') != null;
    } catch {
      return false;
    }
  })();
  return nativeProbe;
}

/** Points the wasm backend at its .wasm binaries inside node_modules; its default URL lookup is browser-only. */
function ensureWasmPaths(): void {
  if (wasmPathsSet) return;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(path.join(path.dirname(pkg), 'dist') + path.sep);
  wasmPathsSet = true;
}

/** Whether `backend` can train `model` (wasm lacks Conv2DBackpropFilter/Input). */
function canTrain(backend: BackendName, model: string | undefined): boolean {
  return !(backend === 'wasm' && model === 'cnn');
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'wasm') ensureWasmPaths();
  if (name === 'tensorflow' && !(await hasNative())) return false;
  try {
    // Production mode skips debug-only checks and silences tfjs's console banner
    // ("looks like you are running TensorFlow.js in Node.js") that the cpu backend prints.
    tf.enableProdMode();
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok;
  } catch {
    return false;
  }
}

async function choose(options: InitBackendOptions): Promise<BackendName> {
  const { model, prefer, logger } = options;
  // Keep a working backend on repeat calls: switching costs a re-init and
  // migrates every live tensor, and callers without a preference don't care.
  if (active && tf.getBackend() === active && canTrain(active, model) && (prefer === undefined || prefer === active)) {
    return active;
  }
  const native = await hasNative();
  const order: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
  const candidates = prefer ? [prefer, ...order.filter((b) => b !== prefer)] : order;
  for (const name of candidates) {
    if (name === 'tensorflow' && !native) continue;
    if (!canTrain(name, model)) continue;
    if (!(await activate(name))) continue;
    active = name;
    if (lastLogged !== name) {
      lastLogged = name;
      logger?.info({ backend: name, model, prefer }, `tfjs backend: ${name} (${reason(name, native, model, prefer)})`);
    }
    return name;
  }
  // cpu is pure JS and always registered, so this is unreachable short of a broken install.
  throw new Error('no TFJS backend could be initialised');
}

function reason(name: BackendName, native: boolean, model: string | undefined, prefer: BackendName | undefined): string {
  if (prefer === name) return 'preferred';
  if (name === 'tensorflow') return `${TFJS_NODE} is installed`;
  const why = native ? `${prefer ?? 'tensorflow'} unavailable` : `${TFJS_NODE} not installed`;
  if (name === 'cpu' && model === 'cnn') return `${why}; wasm has no conv backprop kernels, so cnn trains on cpu (slow)`;
  return why;
}

/**
 * Selects and initialises the TFJS backend for this process and returns its name.
 * Cheap to call again: keeps the active backend unless it cannot train `model` or `prefer` differs.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  const next = queue.then(() => choose(options));
  queue = next.catch(() => undefined);
  return next;
}

/** The backend chosen by {@link initBackend}, or undefined before the first call. */
export function currentBackend(): BackendName | undefined {
  return active;
}
