/**
 * Which encoding a client's update should travel in this round. A fixed run
 * setting applies where the client supports it; `auto` picks, per client and
 * round, the lightest-loss encoding whose predicted upload time fits the
 * time the client has left after its download and local training.
 */
import { encodedBytes, formatEncoding, parseEncoding } from '../../../common/codecs';
import { InvalidArgumentError } from '../../../common/errors';

/** Auto's ladder, lightest loss first. */
export const AUTO_LADDER = ['float32', 'float16', 'int8', 'topk:0.1+int8', 'topk:0.01+int8'] as const;

/** Uplink assumed when nothing is known, Mbit/s (the predictor's prior). */
const PRIOR_UP_MBPS = 1;

/** What the choice looks at for one client. */
export interface EncodingChoiceInput {
  /** The run's `compression` setting: an encoding name or 'auto'. */
  policy: string;
  /** Encoding kinds the client advertised ('float32', 'float16', 'int8', 'topk', 'topk+int8'). */
  supported: string[];
  parameterCount: number;
  upMbps?: number;
  rttMs?: number;
  /** Milliseconds the upload may take: budget left after predicted download and compute. */
  uploadBudgetMs: number;
}

/** The kind name a client advertises for an encoding ('topk:0.01+int8' → 'topk+int8'). */
export function encodingKind(name: string): string {
  const e = parseEncoding(name);
  return e.kind === 'topk' ? (e.values === 'int8' ? 'topk+int8' : 'topk') : e.kind;
}

/** Validates a run's compression setting; returns it normalised. */
export function checkCompressionPolicy(policy: string): string {
  if (!policy || policy === 'float32') return 'float32';
  if (policy === 'auto') return 'auto';
  try {
    return formatEncoding(parseEncoding(policy));
  } catch (err) {
    throw new InvalidArgumentError(`unknown compression "${policy}" (use float32, float16, int8, topk:<fraction>, topk:<fraction>+int8 or auto)`, { cause: err });
  }
}

/** Predicted upload time of `encoding` for this client, ms. */
export function uploadMs(encoding: string, input: Pick<EncodingChoiceInput, 'parameterCount' | 'upMbps' | 'rttMs'>): number {
  const bytes = encoding === 'float32' ? input.parameterCount * 4 : encodedBytes(encoding, input.parameterCount);
  const mbps = input.upMbps && input.upMbps > 0 ? input.upMbps : PRIOR_UP_MBPS;
  return (bytes * 8) / (mbps * 1e6) * 1000 + (input.rttMs ?? 0);
}

/** The encoding to ask of the client; float32 when the client cannot do better. */
export function chooseEncoding(input: EncodingChoiceInput): string {
  const can = (name: string) => name === 'float32' || input.supported.includes(encodingKind(name));
  if (input.policy !== 'auto') return can(input.policy) ? input.policy : 'float32';
  const usable = AUTO_LADDER.filter(can);
  for (const name of usable) if (uploadMs(name, input) <= input.uploadBudgetMs) return name;
  // Nothing fits: send the smallest there is, the deadline may still be met.
  return usable[usable.length - 1];
}
