/**
 * `--metrics-port` and `--metrics-host`, shared by `fedlink coordinator` and
 * `fedlink client`: where Prometheus /metrics is served (docs/metrics.md).
 */
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from '../../common/errors';
import { port } from './flags';

/** What the metrics flags parse into. */
export interface MetricsFlags {
  metricsPort?: number;
  metricsHost?: string;
}

/** Adds the metrics flags to `command`. */
export function addMetricsFlags(command: Command): Command {
  return command
    .addOption(new Option('--metrics-port <port>', 'serve Prometheus metrics at http://<metrics-host>:<port>/metrics (0 picks a free port; default: no metrics)').argParser(port))
    .addOption(new Option('--metrics-host <address>', 'address the metrics listener binds (default: 127.0.0.1; 0.0.0.0 for a Prometheus on another host)'));
}

/** The metrics options the flags ask for; throws InvalidArgumentError for a host without a port. */
export function metricsFromFlags(flags: MetricsFlags): MetricsFlags {
  if (flags.metricsHost !== undefined && flags.metricsPort === undefined) throw new InvalidArgumentError('--metrics-host goes with --metrics-port');
  return flags.metricsPort === undefined ? {} : { metricsPort: flags.metricsPort, metricsHost: flags.metricsHost };
}
