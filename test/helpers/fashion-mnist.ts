/**
 * Tests that need Fashion-MNIST call requireFashionMnist(): a missing dataset
 * fails the test with the install command, it never silently skips.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_FASHION_MNIST_DIR } from '../../clients/trainer/fashion-mnist';

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

/** Returns the Fashion-MNIST directory, or throws naming the package to install. */
export function requireFashionMnist(): string {
  const dir = process.env.FEDLINK_DATA_DIR ?? DEFAULT_FASHION_MNIST_DIR;
  if (!FILES.every((f) => existsSync(path.join(dir, f)))) {
    throw new Error(`Fashion-MNIST not found in ${dir}: install it with \`apt-get install -y dataset-fashion-mnist\``);
  }
  return dir;
}
