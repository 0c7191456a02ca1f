/** Parses human durations used on the command line ("120s", "2m", "500ms", "7d", "90"). */
import { InvalidArgumentError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for "500ms" | "120s" | "2m" | "1h" | "7d" | a bare number of seconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new InvalidArgumentError(`invalid duration "${text}" (use e.g. 500ms, 120s, 2m, 1h, 7d)`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's'];
  if (!Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError(`duration must be positive, got "${text}"`);
  return Math.round(ms);
}

/** A duration as a user would type it back (parseDuration's inverse): the largest unit it is a whole number of, "1h", "90s", "1500ms". */
export function durationText(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNITS[unit] && ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
