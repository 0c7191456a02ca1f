/**
 * Named link profiles for the emulator, as data, plus the parser for `--profile`.
 * Latency and jitter are one-way and apply to each direction, so the RTT a client
 * sees is about twice the latency. The numbers are typical field values, not worst cases.
 */
import { z } from 'zod';
import { parseDuration } from '../../common/duration';
import { InvalidArgumentError } from '../../common/errors';
import { RADIO_TYPES } from '../../common/link';

/** A scheduled outage: the link is cut for `durationMs` every `everyMs`, the first one `everyMs` after start. */
export interface OutageSchedule {
  durationMs: number;
  everyMs: number;
}

const profileSchema = z
  .object({
    name: z.string().min(1),
    radio: z.enum(RADIO_TYPES),
    description: z.string().default(''),
    latencyMs: z.number().min(0).max(60_000),
    jitterMs: z.number().min(0).max(60_000),
    downMbps: z.number().min(0).max(1_000_000),
    upMbps: z.number().min(0).max(1_000_000),
    burstKiB: z.number().min(1).max(1 << 20),
    resetsPerMinute: z.number().min(0).max(6000),
    outage: z
      .object({ durationMs: z.number().positive(), everyMs: z.number().positive() })
      .refine((o) => o.durationMs < o.everyMs, 'an outage must be shorter than its period')
      .nullable(),
  })
  .strict();

/**
 * What the emulator applies to a link. `downMbps`/`upMbps` of 0 mean unlimited;
 * downlink is coordinator → client, uplink is client → coordinator.
 */
export interface LinkProfile {
  name: string;
  /** What a daemon behind this link may report as its radio. */
  radio: (typeof RADIO_TYPES)[number];
  description: string;
  /** One-way delay added in each direction. */
  latencyMs: number;
  /** Uniform ± spread around the latency, per chunk; chunks never overtake each other. */
  jitterMs: number;
  downMbps: number;
  upMbps: number;
  /** Token bucket depth in each direction: how much may pass at once after an idle spell. */
  burstKiB: number;
  /** Mean rate of random resets (Poisson); each one resets every open connection, like a radio link failure. */
  resetsPerMinute: number;
  /** Scheduled outages (a handover), or null. */
  outage: OutageSchedule | null;
}

const LTE = { radio: 'lte', latencyMs: 40, jitterMs: 10, downMbps: 30, upMbps: 8, burstKiB: 64, resetsPerMinute: 0, outage: null } as const;

/** The named profiles, in the order `--list-profiles` shows them. */
export const PROFILES: readonly LinkProfile[] = [
  { name: 'none', radio: 'ethernet', description: 'no emulation: a plain TCP relay', latencyMs: 0, jitterMs: 0, downMbps: 0, upMbps: 0, burstKiB: 1024, resetsPerMinute: 0, outage: null },
  { name: '5g-embb', radio: '5g-nsa', description: '5G enhanced mobile broadband, good coverage', latencyMs: 10, jitterMs: 2, downMbps: 300, upMbps: 50, burstKiB: 512, resetsPerMinute: 0, outage: null },
  { name: '5g-urllc', radio: '5g-sa', description: '5G standalone low-latency slice', latencyMs: 2, jitterMs: 0.5, downMbps: 50, upMbps: 20, burstKiB: 64, resetsPerMinute: 0, outage: null },
  { name: 'lte', description: 'LTE, average cell', ...LTE },
  { name: 'wifi', radio: 'wifi', description: 'home/office Wi-Fi behind a broadband line', latencyMs: 8, jitterMs: 4, downMbps: 100, upMbps: 40, burstKiB: 128, resetsPerMinute: 0, outage: null },
  { name: 'congested-cell', radio: 'lte', description: 'overloaded LTE cell at its edge: slow, bufferbloated, drops connections', latencyMs: 150, jitterMs: 80, downMbps: 2, upMbps: 0.5, burstKiB: 8, resetsPerMinute: 1, outage: null },
  { name: 'handover', description: 'LTE on the move: the link is cut for 3 s every 20 s', ...LTE, outage: { durationMs: 3000, everyMs: 20_000 } },
];

/** Names of the profiles, for help texts and error messages. */
export const PROFILE_NAMES: readonly string[] = PROFILES.map((p) => p.name);

/** The named profile, or undefined. */
export function findProfile(name: string): LinkProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}

// Keys of the inline override syntax and the profile field each one sets.
const OVERRIDE_KEYS: Record<string, keyof LinkProfile> = {
  latency: 'latencyMs',
  jitter: 'jitterMs',
  down: 'downMbps',
  up: 'upMbps',
  burst: 'burstKiB',
  resets: 'resetsPerMinute',
  radio: 'radio',
  outage: 'outage',
};

function unknownName(name: string): InvalidArgumentError {
  return new InvalidArgumentError(`unknown link profile "${name}" (known: ${PROFILE_NAMES.join(', ')})`);
}

function overrideValue(key: string, value: string): unknown {
  if (key === 'radio') return value;
  if (key === 'outage') {
    if (value === 'off' || value === 'none') return null;
    const m = /^([^/]+)\/([^/]+)$/.exec(value);
    if (!m) throw new InvalidArgumentError(`outage must be <duration>/<every> (e.g. 3s/20s) or off, got "${value}"`);
    return { durationMs: parseDuration(m[1]), everyMs: parseDuration(m[2]) };
  }
  if ((key === 'up' || key === 'down') && value === 'unlimited') return 0;
  const n = /^\s*(\d+\.?\d*|\.\d+)\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`${key} must be a number >= 0, got "${value}"`);
  return n;
}

function validate(candidate: unknown, text: string): LinkProfile {
  const parsed = profileSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidArgumentError(`invalid link profile "${text}": ${issue.path.join('.') || 'profile'}: ${issue.message}`);
}

function fromJson(text: string): LinkProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`invalid link profile JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new InvalidArgumentError('a link profile in JSON must be an object');
  const { base, ...fields } = doc as Record<string, unknown>;
  const start = base === undefined ? findProfile('none') : typeof base === 'string' ? findProfile(base) : undefined;
  if (!start) throw unknownName(String(base));
  return validate({ ...start, name: 'custom', description: '', ...fields }, text);
}

/**
 * A profile from `--profile`: a name (`lte`), a name with overrides
 * (`lte,up=2,down=10,latency=60,jitter=5,burst=32,resets=0.5,outage=3s/20s,radio=5g-sa`;
 * bandwidth in Mbit/s with 0 or `unlimited` for no limit, times in ms, burst in KiB), or a JSON
 * object of LinkProfile fields, optionally with `"base": "<name>"` (else fields default to `none`).
 */
export function parseProfile(text: string): LinkProfile {
  const spec = text.trim();
  if (spec.startsWith('{')) return fromJson(spec);
  const [name, ...overrides] = spec.split(',').map((s) => s.trim());
  const base = findProfile(name);
  if (!base) throw unknownName(name);
  if (overrides.length === 0) return base;
  const profile: Record<string, unknown> = { ...base, name: spec };
  for (const item of overrides) {
    const eq = item.indexOf('=');
    const key = eq > 0 ? item.slice(0, eq).trim() : item;
    const field = OVERRIDE_KEYS[key];
    if (!field || eq < 0) throw new InvalidArgumentError(`invalid profile override "${item}" (use key=value with key one of ${Object.keys(OVERRIDE_KEYS).join(', ')})`);
    profile[field] = overrideValue(key, item.slice(eq + 1).trim());
  }
  return validate(profile, spec);
}
