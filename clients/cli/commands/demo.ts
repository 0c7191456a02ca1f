/**
 * `fedlink demo` (what `npm run demo` runs): a coordinator and N daemons as
 * separate processes on this machine, FedAvg on Fashion-MNIST, one line per round.
 */
import { Option, type Command } from 'commander';
import { parsePartitionSpec } from '../../trainer/partition';
import type { CliContext } from '../context';
import { batchSize, port, positiveInt, positiveNumber, nonNegativeInt, duration } from '../flags';

interface DemoFlags {
  clients: number;
  rounds: number;
  partition: string;
  seed: number;
  epochs: number;
  batchSize: number | 'full';
  lr: number;
  model: 'mlp' | 'cnn';
  maxExamples?: number;
  deadline: number;
  port: number;
  dataDir?: string;
}

/** Registers `fedlink demo`. */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('run a local federated training: a coordinator and N edge daemons as separate processes, FedAvg on Fashion-MNIST')
    .addOption(new Option('--clients <n>', 'number of edge daemons (each holds one partition)').argParser(positiveInt).default(5))
    .addOption(new Option('--rounds <n>', 'rounds of FedAvg').argParser(positiveInt).default(5))
    .addOption(new Option('--partition <spec>', 'iid | dirichlet:<alpha> | labels:<k>').default('iid'))
    .addOption(new Option('--seed <n>', 'seed of partitioning, selection, initial weights and shuffling').argParser(nonNegativeInt).default(42))
    .addOption(new Option('--epochs <n>', 'local epochs per round').argParser(positiveInt).default(1))
    .addOption(new Option('--batch-size <n|full>', 'local batch size, or "full" for one batch of the whole partition').argParser(batchSize).default(32))
    .addOption(new Option('--lr <rate>', 'client learning rate').argParser(positiveNumber).default(0.05))
    .addOption(new Option('--model <name>', 'mlp (the 2NN) or cnn (slow without @tensorflow/tfjs-node)').choices(['mlp', 'cnn']).default('mlp'))
    .addOption(new Option('--max-examples <n>', 'use only the first N training examples (faster, less accurate)').argParser(positiveInt))
    .addOption(new Option('--deadline <duration>', 'per-round deadline').argParser(duration).default(600_000, '10m'))
    .addOption(new Option('--port <port>', 'coordinator gRPC port (0 picks a free one)').argParser(port).default(0))
    .addOption(new Option('--data-dir <dir>', 'Fashion-MNIST directory (default: /usr/share/datasets/fashion-mnist)'))
    .action(async (flags: DemoFlags) => {
      parsePartitionSpec(flags.partition);
      const { runDemo } = await import('../../demo/run-demo');
      ctx.exitCode = await runDemo(
        { ...flags, deadlineMs: flags.deadline },
        { out: (line) => ctx.io.stdout.write(`${line}\n`), err: (line) => ctx.io.stderr.write(`${line}\n`) },
      );
    });
}
