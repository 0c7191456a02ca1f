import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../common/logger';
import { currentBackend, initBackend } from '../../clients/trainer/backend';

/** A logger stand-in that records info lines. */
function recordingLogger() {
  const lines: Array<{ obj: unknown; msg: string }> = [];
  const logger = { info: (obj: unknown, msg: string) => lines.push({ obj, msg }) };
  return { lines, logger: logger as unknown as Logger };
}

async function hasTfjsNode(): Promise<boolean> {
  try {
    const name = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ name);
    return true;
  } catch {
    return false;
  }
}

describe('backend', () => {
  it('backend - picks tensorflow if tfjs-node is installed, else wasm, and logs the choice once', async () => {
    const native = await hasTfjsNode();
    const { lines, logger } = recordingLogger();
    expect(currentBackend()).toBeUndefined();
    const chosen = await initBackend({ model: 'mlp', logger });
    expect(chosen).toBe(native ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(chosen);
    expect(currentBackend()).toBe(chosen);
    expect(await initBackend({ model: 'mlp', logger })).toBe(chosen);
    expect(await initBackend({ logger })).toBe(chosen);
    expect(lines).toHaveLength(1);
    expect(lines[0].msg).toMatch(native ? /tfjs-node is installed/ : /tfjs-node not installed/);
    // the wasm backend really runs in Node
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).dataSync());
    expect(Array.from(y)).toEqual([3, 3, 3, 3]);
  });

  it('backend - cnn training without tfjs-node falls back to cpu, because wasm lacks conv backprop', async () => {
    const native = await hasTfjsNode();
    const { lines, logger } = recordingLogger();
    const chosen = await initBackend({ model: 'cnn', logger });
    expect(chosen).toBe(native ? 'tensorflow' : 'cpu');
    if (!native) expect(lines[0].msg).toMatch(/conv backprop/);
    // an explicit preference is honoured when the model can train there
    expect(await initBackend({ model: 'mlp', prefer: 'cpu' })).toBe('cpu');
    expect(await initBackend({ model: 'mlp', prefer: 'wasm' })).toBe('wasm');
    expect(await initBackend({ model: 'cnn', prefer: 'wasm' })).toBe(native ? 'tensorflow' : 'cpu');
  });
});
