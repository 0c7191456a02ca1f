/**
 * Structured logging with pino. One root logger per process; components take a
 * child bound to {component, runId, round, clientId}. Logs never carry tokens,
 * keys or training data: redaction below is the safety net, not the plan.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

import { LOG_LEVELS } from './log-levels';

export { LOG_LEVELS };

/** Options for the process's root logger. */
export interface LoggerOptions {
  /** @default 'info' */
  level?: string;
  /** Pretty, human-readable lines instead of JSON. @default true when stderr is a TTY */
  pretty?: boolean;
  /** Process name put on every line. */
  name?: string;
}

/** Creates the root logger. Logs go to stderr so `--json` stdout stays clean. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.FEDLINK_LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.stderr.isTTY && process.env.FEDLINK_LOG_FORMAT !== 'json');
  const base = {
    name: options.name,
    level,
    redact: { paths: ['token', 'authorization', '*.token', '*.authorization', 'metadata'], censor: '[redacted]' },
  };
  if (pretty) {
    return pino(base, pino.transport({ target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } }));
  }
  return pino(base, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
