/**
 * What `--json` prints: Control messages without the protobuf defaults that
 * stand for "not known". proto3 sends an unset number as 0 and an unset string
 * as "", which a notebook would read as a real zero loss or a run created in
 * 1970; here those are null. Every epoch-ms time `xMs` gets an ISO-8601 twin
 * `x` beside it (both null when unset). Every command's --json goes through one
 * toJson* function of this file.
 */
import type { ClientInfo__Output } from '../../proto/gen/fedlink/v1/ClientInfo';
import type { LinkEstimate__Output } from '../../proto/gen/fedlink/v1/LinkEstimate';
import type { Metrics__Output } from '../../proto/gen/fedlink/v1/Metrics';
import type { Round__Output } from '../../proto/gen/fedlink/v1/Round';
import type { RoundClient__Output } from '../../proto/gen/fedlink/v1/RoundClient';
import type { Run__Output } from '../../proto/gen/fedlink/v1/Run';
import type { AuditEntry__Output } from '../../proto/gen/fedlink/v1/AuditEntry';
import type { CreateEnrollmentResponse__Output } from '../../proto/gen/fedlink/v1/CreateEnrollmentResponse';

/** A JSON object as --json prints it. */
export type JsonObject = { [key: string]: unknown };

/** How to read the fields of one message type. */
interface Reading {
  /** Epoch-ms times (names ending in Ms): 0 is unset. */
  times?: readonly string[];
  /** Numbers whose 0 means "not measured / not reported". */
  zeroIsAbsent?: readonly string[];
  /** Fields converted by their own function (nested messages, fields whose meaning depends on others). */
  convert?: Record<string, (value: never) => unknown>;
}

/** ISO-8601 of an epoch-ms time, null for 0 (unset). */
export function isoTime(ms: number | string | null | undefined): string | null {
  const n = Number(ms ?? 0);
  return n > 0 && Number.isFinite(n) ? new Date(n).toISOString() : null;
}

// Nested messages (a run's config, its model spec) read with the general rules only.
function plain(value: unknown): unknown {
  // An empty string is proto3's unset string: a reason never given, a slice never reported.
  if (value === '') return null;
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) return view(value, {});
  return value;
}

// Walks the message's own fields in order, so a field added to the proto later still shows (with its proto default).
function view(message: object, reading: Reading): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(message)) {
    // proto-loader's marker of which member of an `optional` field's synthetic oneof is set (`_mae: 'mae'`).
    if (key.startsWith('_')) continue;
    if (reading.times?.includes(key)) {
      out[key.replace(/Ms$/, '')] = isoTime(value as number);
      out[key] = Number(value) > 0 ? Number(value) : null;
    } else if (reading.convert?.[key]) {
      out[key] = reading.convert[key](value as never);
    } else if (reading.zeroIsAbsent?.includes(key)) {
      out[key] = value === 0 ? null : value;
    } else {
      out[key] = plain(value);
    }
  }
  return out;
}

/** A test or local evaluation: loss, accuracy (null for a regression), examples, mae/mse when measured. */
export function toJsonMetrics(m: Metrics__Output | null | undefined): JsonObject | null {
  if (!m) return null;
  const regression = m.mae !== undefined && m.mae !== null;
  return view(m, { convert: { accuracy: (v: number) => (regression ? null : v), mae: (v?: number | null) => v ?? null, mse: (v?: number | null) => v ?? null } });
}

/** A run's configuration (also the model card's `config`). */
export function toJsonRunConfig(c: Run__Output['config']): JsonObject | null {
  // Differential privacy's parameters are 0 when it is off.
  return c ? view(c, { zeroIsAbsent: ['dpNoise', 'dpClip', 'dpDelta', 'dpTargetEpsilon'] }) : null;
}

/** A run: times with ISO twins, the latest evaluation, no round 0 as "current". */
export function toJsonRun(run: Run__Output): JsonObject {
  return view(run, {
    times: ['createdAtMs', 'updatedAtMs'],
    zeroIsAbsent: ['currentRound'],
    convert: {
      latestEval: toJsonMetrics,
      config: toJsonRunConfig,
      checkpoints: (cs: Run__Output['checkpoints']) => cs.map((c) => view(c, { times: ['atMs'] })),
      privacy: (p: Run__Output['privacy']) => (p ? view(p, { zeroIsAbsent: ['targetEpsilon'] }) : null),
    },
  });
}

/** One selected client of a round: train metrics only once it reported, timings only when measured. */
export function toJsonRoundClient(c: RoundClient__Output): JsonObject {
  const reported = c.state === 'finished';
  const ifReported = (v: unknown) => (reported ? v : null);
  return view(c, {
    times: ['selectedAtMs', 'dispatchedAtMs', 'finishedAtMs'],
    zeroIsAbsent: ['durationMs', 'predictedMs', 'actualMs', 'downloadMs', 'uploadMs'],
    convert: {
      numExamples: ifReported, trainLoss: ifReported, trainAccuracy: ifReported, localEvalLoss: ifReported, localEvalAccuracy: ifReported,
      // An empty encoding is float32 (docs/protocol.md), not unknown.
      encoding: (e: string) => e || 'float32',
    },
  });
}

/** A round attempt: its clients, evaluation and times; no mean loss before anyone reported. */
export function toJsonRound(round: Round__Output): JsonObject {
  return view(round, {
    times: ['startedAtMs', 'endedAtMs', 'deadlineUnixMs'],
    convert: {
      meanTrainLoss: (v: number) => (round.reported > 0 ? v : null),
      eval: toJsonMetrics,
      clients: (cs: RoundClient__Output[]) => cs.map(toJsonRoundClient),
      skipped: (ss: Round__Output['skipped']) => ss.map((s) => view(s, { zeroIsAbsent: ['predictedMs'] })),
    },
  });
}

/** A client's link estimate: unmeasured RTT, throughput and round time are null. */
export function toJsonLink(l: LinkEstimate__Output | null | undefined): JsonObject | null {
  if (!l) return null;
  return view(l, { times: ['lastReportMs'], zeroIsAbsent: ['rttMs', 'jitterMs', 'upMbps', 'downMbps', 'estimatedRoundMs'] });
}

/** A client as the coordinator knows it. */
export function toJsonClient(c: ClientInfo__Output): JsonObject {
  return view(c, { times: ['lastSeenMs', 'connectedAtMs'], convert: { link: toJsonLink } });
}

/** An audit log entry. */
export function toJsonAuditEntry(e: AuditEntry__Output): JsonObject {
  return view(e, { times: ['atMs'] });
}

/** A created enrollment token with its expiry. */
export function toJsonEnrollment(e: CreateEnrollmentResponse__Output): JsonObject {
  return view(e, { times: ['expiresAtMs'] });
}
