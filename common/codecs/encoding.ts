/**
 * Update encodings by name. A name (`float32`, `float16`, `int8`, `topk:0.01`,
 * `topk:0.01+int8`) is what clients advertise and what an update records; the
 * parsed descriptor is what the codecs switch on.
 */
import { InvalidArgumentError } from '../errors';

/**
 * Client feature (hello capabilities): it drops error-feedback residual where the global
 * model moved since its top-k upload, so its top-k updates may be averaged per parameter.
 */
export const SPARSE_AVERAGE_FEATURE = 'sparse-average';

/** An encoding as named on the wire and in capabilities. */
export type EncodingName = 'float32' | 'float16' | 'int8' | `topk:${number}` | `topk:${number}+int8`;

/** A parsed encoding. `fraction` and `values` are set only for `topk`. */
export interface Encoding {
  kind: 'float32' | 'float16' | 'int8' | 'topk';
  /** Share of parameters sent by `topk`, in (0, 1]. */
  fraction?: number;
  /** How `topk` sends its kept values. */
  values?: 'float32' | 'int8';
}

/** Values per int8 scale unless the encoder is told otherwise. */
export const DEFAULT_INT8_BLOCK_SIZE = 4096;

const TOPK = /^topk:([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)(\+int8)?$/;

/** Parses an encoding name; throws InvalidArgumentError on anything else. */
export function parseEncoding(text: string): Encoding {
  if (text === 'float32' || text === 'float16' || text === 'int8') return { kind: text };
  const m = TOPK.exec(text);
  if (!m) throw new InvalidArgumentError(`unknown encoding "${text}" (expected float32, float16, int8, topk:<fraction> or topk:<fraction>+int8)`);
  const fraction = Number(m[1]);
  if (!(fraction > 0 && fraction <= 1)) throw new InvalidArgumentError(`top-k fraction must be in (0, 1], got ${m[1]}`);
  return { kind: 'topk', fraction, values: m[2] ? 'int8' : 'float32' };
}

/** The canonical name of an encoding (inverse of `parseEncoding`). */
export function formatEncoding(encoding: Encoding): EncodingName {
  if (encoding.kind !== 'topk') return encoding.kind;
  const fraction = checkFraction(encoding.fraction);
  return encoding.values === 'int8' ? `topk:${fraction}+int8` : `topk:${fraction}`;
}

/** Accepts a name or a descriptor, so callers can pass either. */
export function toEncoding(encoding: Encoding | string): Encoding {
  if (typeof encoding === 'string') return parseEncoding(encoding);
  if (encoding.kind === 'topk') {
    checkFraction(encoding.fraction);
    if (encoding.values !== undefined && encoding.values !== 'float32' && encoding.values !== 'int8') {
      throw new InvalidArgumentError(`top-k values must be float32 or int8, got ${String(encoding.values)}`);
    }
    return encoding;
  }
  if (encoding.kind === 'float32' || encoding.kind === 'float16' || encoding.kind === 'int8') return encoding;
  throw new InvalidArgumentError(`unknown encoding kind "${String((encoding as Encoding).kind)}"`);
}

/** How many values `topk` keeps out of `n`: max(1, round(fraction·n)), never more than n. */
export function topkCount(fraction: number, n: number): number {
  return Math.min(n, Math.max(1, Math.round(checkFraction(fraction) * n)));
}

/** Whether the encoding loses information (so error feedback is worth keeping). */
export function isLossy(encoding: Encoding): boolean {
  return !(encoding.kind === 'float32' || (encoding.kind === 'topk' && encoding.fraction === 1 && encoding.values !== 'int8'));
}

function checkFraction(fraction: number | undefined): number {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) {
    throw new InvalidArgumentError(`top-k fraction must be in (0, 1], got ${String(fraction)}`);
  }
  return fraction;
}
