/**
 * Versioned JSON payloads of the NATS events, validated on receipt. Every
 * payload carries `v: 1`; unknown fields are dropped (not rejected) so a
 * publisher may add optional fields without breaking older receivers. Parse
 * functions map to the domain types in `common/link.ts` and throw
 * InvalidArgumentError with a short message; the receiver counts and drops.
 */
import { z } from 'zod';
import { CLIENT_ID_PATTERN } from '../client-id';
import { InvalidArgumentError } from '../errors';
import { RADIO_TYPES, type CoordinatorObservation, type LinkReport, type Presence } from '../link';
import type { ClientId, RunId } from '../types';

/** The payload schema version this code reads and writes. */
export const PAYLOAD_VERSION = 1;

/** Same rule as the daemon's --client-id. */
const clientId = z.string().regex(CLIENT_ID_PATTERN, 'not a valid client id');
const atMs = z.number().int().nonnegative();
// zod 4 numbers reject NaN and ±Infinity already; these only add the range.
const nonNegative = z.number().nonnegative();
const fraction = z.number().min(0).max(1);
const v = z.literal(PAYLOAD_VERSION);

/** Schema of a link report payload. */
export const linkReportSchema = z.object({
  v,
  clientId,
  measuredAtMs: atMs,
  radio: z.enum(RADIO_TYPES),
  slice: z.string().max(64).optional(),
  rttMs: nonNegative.optional(),
  jitterMs: nonNegative.optional(),
  upMbps: nonNegative.optional(),
  downMbps: nonNegative.optional(),
  loss: fraction.optional(),
  resets: z.number().int().nonnegative().optional(),
  metered: z.boolean().optional(),
  battery: fraction.optional(),
  charging: z.boolean().optional(),
});

/** Schema of a coordinator observation payload, a union tagged by `kind`. */
export const observationSchema = z.discriminatedUnion('kind', [
  z.object({ v, kind: z.literal('heartbeat-rtt'), clientId, atMs, rttMs: nonNegative }),
  z.object({
    v,
    kind: z.literal('transfer'),
    clientId,
    atMs,
    direction: z.enum(['up', 'down']),
    bytes: z.number().int().nonnegative(),
    // Throughput is bytes / seconds: a zero duration carries no information.
    seconds: z.number().positive(),
    bound: z.boolean().optional(),
  }),
  z.object({ v, kind: z.literal('disconnect'), clientId, atMs, reason: z.string().max(512) }),
]);

/** Presence as announced on the wire. */
export interface PresenceEvent {
  clientId: ClientId;
  status: Presence;
  atMs: number;
}

/** Schema of a presence payload. */
export const presenceSchema = z.object({ v, clientId, status: z.enum(['online', 'offline', 'draining']), atMs });

/** Kinds of round lifecycle events. */
export const ROUND_EVENT_TYPES = ['round-started', 'client-selected', 'update-received', 'client-dropped', 'round-committed', 'round-failed'] as const;

/** One step in the life of a round, as published on `roundEventSubject(runId)`. */
export interface RoundLifecycleEvent {
  type: (typeof ROUND_EVENT_TYPES)[number];
  runId: RunId;
  round: number;
  attempt: number;
  /** Set for client-selected, update-received and client-dropped. */
  clientId?: ClientId;
  /** Set for client-dropped and round-failed. */
  reason?: string;
  /** round-committed of a DP run: the (ε, δ) spent once this round counts. */
  privacy?: { epsilon: number; delta: number };
  atMs: number;
}

const NEEDS_CLIENT = new Set(['client-selected', 'update-received', 'client-dropped']);
const NEEDS_REASON = new Set(['client-dropped', 'round-failed']);

/** Schema of a round lifecycle payload. */
export const roundEventSchema = z
  .object({
    v,
    type: z.enum(ROUND_EVENT_TYPES),
    runId: z.string().min(1).max(128),
    round: z.number().int().nonnegative(),
    attempt: z.number().int().nonnegative(),
    clientId: clientId.optional(),
    reason: z.string().max(512).optional(),
    privacy: z.object({ epsilon: z.number().nonnegative(), delta: z.number().gt(0).lt(1) }).optional(),
    atMs,
  })
  .superRefine((e, ctx) => {
    if (NEEDS_CLIENT.has(e.type) && e.clientId === undefined) ctx.addIssue({ code: 'custom', path: ['clientId'], message: `required for ${e.type}` });
    if (NEEDS_REASON.has(e.type) && e.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: `required for ${e.type}` });
  });

/** Wire form of a link report. */
export type LinkReportPayload = z.infer<typeof linkReportSchema>;
/** Wire form of a coordinator observation. */
export type ObservationPayload = z.infer<typeof observationSchema>;
/** Wire form of a presence announcement. */
export type PresencePayload = z.infer<typeof presenceSchema>;
/** Wire form of a round lifecycle event. */
export type RoundEventPayload = z.infer<typeof roundEventSchema>;

/** Validates with `schema`, turning the first problem into a one-line InvalidArgumentError. */
function check<S extends z.ZodType>(schema: S, what: string, input: unknown): z.output<S> {
  if (typeof input === 'object' && input !== null && 'v' in input && input.v !== PAYLOAD_VERSION) {
    throw new InvalidArgumentError(`${what}: unsupported payload version ${JSON.stringify(input.v)} (expected ${PAYLOAD_VERSION})`);
  }
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : '';
  throw new InvalidArgumentError(`${what}: ${where}${issue?.message ?? 'invalid'}`, { cause: r.error });
}

/** T without its version field, distributed over unions so tagged unions stay tagged. */
type WithoutVersion<T> = T extends unknown ? Omit<T, 'v'> : never;

/** Drops the version field: domain types do not carry it. */
function domain<T extends { v: number }>(payload: T): WithoutVersion<T> {
  const { v: _v, ...rest } = payload;
  return rest as WithoutVersion<T>;
}

/** Validates a received link report payload. */
export function parseLinkReport(input: unknown): LinkReport {
  return domain(check(linkReportSchema, 'link report', input));
}

/** Builds the payload of a link report; throws InvalidArgumentError if it would not validate on receipt. */
export function encodeLinkReport(report: LinkReport): LinkReportPayload {
  return check(linkReportSchema, 'link report', { ...report, v: PAYLOAD_VERSION });
}

/** Validates a received coordinator observation payload. */
export function parseObservation(input: unknown): CoordinatorObservation {
  return domain(check(observationSchema, 'observation', input));
}

/** Builds the payload of a coordinator observation. */
export function encodeObservation(observation: CoordinatorObservation): ObservationPayload {
  return check(observationSchema, 'observation', { ...observation, v: PAYLOAD_VERSION });
}

/** Validates a received presence payload. */
export function parsePresence(input: unknown): PresenceEvent {
  return domain(check(presenceSchema, 'presence', input));
}

/** Builds the payload of a presence announcement. */
export function encodePresence(presence: PresenceEvent): PresencePayload {
  return check(presenceSchema, 'presence', { ...presence, v: PAYLOAD_VERSION });
}

/** Validates a received round lifecycle payload. */
export function parseRoundEvent(input: unknown): RoundLifecycleEvent {
  return domain(check(roundEventSchema, 'round event', input));
}

/** Builds the payload of a round lifecycle event. */
export function encodeRoundEvent(event: RoundLifecycleEvent): RoundEventPayload {
  return check(roundEventSchema, 'round event', { ...event, v: PAYLOAD_VERSION });
}
