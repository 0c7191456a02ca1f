/**
 * The one place NATS subjects are defined. Everything is under the versioned
 * prefix `fedlink.v1`, so a future payload v2 can live next to v1 during a
 * rolling upgrade. Per-client subjects put the client id in its own token so
 * NATS permissions can allow a client to publish only `fedlink.v1.client.<own id>.>`.
 */
import type { ClientId, RunId } from '../types';
import { InvalidArgumentError } from '../errors';

/** Prefix of every fedlink subject. */
export const SUBJECT_PREFIX = 'fedlink.v1';

// Bytes that may stand for themselves in a token. Everything else (notably
// `.`, which separates tokens, `*`/`>` wildcards and whitespace) is escaped.
const PLAIN = /[A-Za-z0-9_-]/;
const ESCAPE = '~';
const ENCODED_TOKEN = /^(?:[A-Za-z0-9_-]|~[0-9a-f]{2})+$/;

/**
 * Encodes an id into one NATS subject token, reversibly: bytes outside
 * `[A-Za-z0-9_-]` become `~` + two lowercase hex digits of their UTF-8 bytes
 * (`edge.1` → `edge~2e1`, `~` → `~7e`).
 */
export function encodeToken(id: string): string {
  if (id.length === 0) throw new InvalidArgumentError('subject token: id must not be empty');
  let out = '';
  for (const ch of id) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += ESCAPE + byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** Reverses `encodeToken`; throws InvalidArgumentError for a token it could not have produced. */
export function decodeToken(token: string): string {
  if (!ENCODED_TOKEN.test(token)) throw new InvalidArgumentError(`subject token: not an encoded id: ${JSON.stringify(token)}`);
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    if (token[i] === ESCAPE) {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(token.charCodeAt(i));
      i += 1;
    }
  }
  const id = Buffer.from(bytes).toString('utf8');
  // Only canonical encodings decode: `~61` for `a` would make two subjects name one client.
  if (encodeToken(id) !== token) throw new InvalidArgumentError(`subject token: not canonically encoded: ${JSON.stringify(token)}`);
  return id;
}

/** Where a client announces itself online / draining / offline. */
export function presenceSubject(clientId: ClientId): string {
  return `${SUBJECT_PREFIX}.client.${encodeToken(clientId)}.presence`;
}

/** Where a client publishes its link reports. */
export function linkSubject(clientId: ClientId): string {
  return `${SUBJECT_PREFIX}.client.${encodeToken(clientId)}.link`;
}

/** Where the coordinator publishes what it measured about a client itself. */
export function observationSubject(clientId: ClientId): string {
  return `${SUBJECT_PREFIX}.coord.observation.${encodeToken(clientId)}`;
}

/** Where the coordinator publishes round lifecycle events of one run. */
export function roundEventSubject(runId: RunId): string {
  return `${SUBJECT_PREFIX}.run.${encodeToken(runId)}.round`;
}

/** Every client's presence. */
export const ALL_PRESENCE = `${SUBJECT_PREFIX}.client.*.presence`;
/** Every client's link reports. */
export const ALL_LINK = `${SUBJECT_PREFIX}.client.*.link`;
/** Every coordinator observation. */
export const ALL_OBSERVATIONS = `${SUBJECT_PREFIX}.coord.observation.*`;
/** Round lifecycle events of every run. */
export const ALL_ROUND_EVENTS = `${SUBJECT_PREFIX}.run.*.round`;

/**
 * The client id a per-client subject (presence, link or observation) is about,
 * or undefined for any other subject. Receivers compare it with the payload's
 * clientId, so a client cannot speak for another one on its own subject.
 */
export function clientIdFromSubject(subject: string): ClientId | undefined {
  const t = subject.split('.');
  const prefixed = t.length >= 2 && `${t[0]}.${t[1]}` === SUBJECT_PREFIX;
  if (!prefixed || t.length !== 5) return undefined;
  let token: string | undefined;
  if (t[2] === 'client' && (t[4] === 'presence' || t[4] === 'link')) token = t[3];
  else if (t[2] === 'coord' && t[3] === 'observation') token = t[4];
  if (token === undefined) return undefined;
  try {
    return decodeToken(token);
  } catch {
    return undefined;
  }
}

/** One row of the subjects table in docs/architecture.md. */
export interface SubjectDoc {
  subject: string;
  payload: string;
  publisher: string;
  description: string;
}

/** Every subject fedlink uses, for the table in docs/architecture.md (`<client>` and `<run>` are encoded tokens). */
export const SUBJECTS_TABLE: readonly SubjectDoc[] = [
  {
    subject: `${SUBJECT_PREFIX}.client.<client>.presence`,
    payload: '`{v:1, clientId, status: online|offline|draining, atMs}`',
    publisher: 'client daemon',
    description: 'The client announces itself online at start, draining then offline when it stops.',
  },
  {
    subject: `${SUBJECT_PREFIX}.client.<client>.link`,
    payload: '`{v:1, clientId, measuredAtMs, radio, slice?, rttMs?, jitterMs?, upMbps?, downMbps?, loss?, resets?, metered?, battery?, charging?}`',
    publisher: 'client daemon',
    description: 'Link report, every few seconds and on change; unknown fields are left out.',
  },
  {
    subject: `${SUBJECT_PREFIX}.coord.observation.<client>`,
    payload: '`{v:1, kind: heartbeat-rtt|transfer|disconnect, clientId, atMs, …}`',
    publisher: 'coordinator',
    description: 'What the coordinator measured about a client itself: heartbeat RTT, transfer throughput, disconnects.',
  },
  {
    subject: `${SUBJECT_PREFIX}.run.<run>.round`,
    payload: '`{v:1, type, runId, round, attempt, clientId?, reason?, atMs}`',
    publisher: 'coordinator',
    description:
      'Round lifecycle: round-started, client-selected, update-received, client-dropped (with reason), round-committed, round-failed.',
  },
];
