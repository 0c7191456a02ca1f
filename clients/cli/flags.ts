/**
 * Commander argument parsers for typed flags. Each throws commander's
 * InvalidArgumentError, which commander prints as one line naming the flag
 * ("option '--rounds <n>' argument '0' is invalid. ...") and we exit 2.
 */
import { InvalidArgumentError as FlagError } from 'commander';
import { parseDuration } from '../../common/duration';
import { FedlinkError } from '../../common/errors';
import { parseStrategySpec } from '../../services/coordinator/strategy/registry';
import { inOptionRange, optionRange, type StrategyOptionSpec } from '../../services/coordinator/strategy/types';

/** Largest value a uint32 wire field holds. */
export const UINT32_MAX = 0xffff_ffff;

function integer(text: string, min: number): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new FlagError(`expected ${min > 0 ? 'a positive' : 'a non-negative'} integer`);
  const n = Number(text);
  if (n < min) throw new FlagError(`expected ${min > 0 ? 'a positive' : 'a non-negative'} integer`);
  if (n > UINT32_MAX) throw new FlagError(`must be at most ${UINT32_MAX}`);
  return n;
}

/** 1, 2, 3, … */
export function positiveInt(text: string): number {
  return integer(text, 1);
}

/** 0, 1, 2, … */
export function nonNegativeInt(text: string): number {
  return integer(text, 0);
}

/** A TCP port, 0 meaning "pick a free one". */
export function port(text: string): number {
  const n = integer(text, 0);
  if (n > 65535) throw new FlagError('expected a port number in 0..65535');
  return n;
}

/** A finite number > 0 (learning rate). */
export function positiveNumber(text: string): number {
  const n = /^\s*[+]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
  if (!(Number.isFinite(n) && n > 0)) throw new FlagError('expected a number greater than 0');
  return n;
}

/** A strategy option's value: a finite number inside the option's range (the registry's, as the coordinator checks it). */
export function strategyOption(spec: StrategyOptionSpec): (text: string) => number {
  return (text) => {
    const n = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(text) ? Number(text) : NaN;
    if (!inOptionRange(spec, n)) throw new FlagError(`expected a number ${optionRange(spec)}`);
    return n;
  };
}

/** A number strictly between 0 and 1. */
export function probability(text: string): number {
  const n = positiveNumber(text);
  if (!(n < 1)) throw new FlagError('expected a number in (0, 1)');
  return n;
}

/** A strategy name, with its parameters if it takes any (`trimmed-mean:0.2`), checked against the registry. */
export function strategySpec(text: string): string {
  try {
    parseStrategySpec(text);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
  return text;
}

/** "500ms" | "120s" | "2m" | "1h" | bare seconds → milliseconds. */
export function duration(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new FlagError(err instanceof FedlinkError ? err.message : String(err));
  }
  if (ms > UINT32_MAX) throw new FlagError('duration is too long');
  return ms;
}

/** A positive batch size, or "full" (one batch of the whole local partition) as the string 'full'. */
export function batchSize(text: string): number | 'full' {
  if (text.trim().toLowerCase() === 'full') return 'full';
  try {
    return positiveInt(text);
  } catch {
    throw new FlagError('expected a positive integer or "full"');
  }
}

/** A number in 0..1 (battery level). */
export function fraction(text: string): number {
  const n = /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= 1)) throw new FlagError('expected a number in 0..1');
  return n;
}

/** A number >= 1 (over-selection factor). */
export function atLeastOne(text: string): number {
  const n = /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!(Number.isFinite(n) && n >= 1)) throw new FlagError('expected a number >= 1');
  return n;
}

/** A finite number >= 0. */
export function nonNegativeNumber(text: string): number {
  const n = /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new FlagError('expected a number >= 0');
  return n;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: 1 << 20, g: 1e9, gb: 1e9, gib: 1 << 30 };

/** "4MiB" | "512KiB" | "2MB" | bare bytes → bytes (a whole number). */
export function byteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new FlagError('expected a size such as 4MiB, 512KiB or 1048576 (bytes)');
  return Math.round(Number(m[1]) * unit);
}
