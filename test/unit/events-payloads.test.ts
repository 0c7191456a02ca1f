import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import type { CoordinatorObservation, LinkReport } from '../../common/link';
import {
  encodeLinkReport,
  encodeObservation,
  encodePresence,
  encodeRoundEvent,
  parseLinkReport,
  parseObservation,
  parsePresence,
  parseRoundEvent,
  type RoundLifecycleEvent,
} from '../../common/events/payloads';

const AT = 1_700_000_000_000;
const report: LinkReport = {
  clientId: 'edge.1',
  measuredAtMs: AT,
  radio: 'lte',
  slice: 'embb',
  rttMs: 48.2,
  jitterMs: 6,
  upMbps: 12.5,
  downMbps: 60,
  loss: 0.02,
  resets: 1,
  metered: true,
  battery: 0.55,
  charging: false,
};

/** The thrown error's message, so a test can say what it must mention. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return (err as Error).message;
  }
  throw new Error('expected an InvalidArgumentError');
}

/** Encodes to the JSON a subscriber would receive. */
const wire = (payload: unknown) => JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;

describe('event payloads', () => {
  it('round-trips a link report through JSON with v: 1', () => {
    const encoded = encodeLinkReport(report);
    expect(encoded.v).toBe(1);
    expect(parseLinkReport(wire(encoded))).toEqual(report);
    const minimal: LinkReport = { clientId: 'a', measuredAtMs: AT, radio: 'unknown' };
    expect(parseLinkReport(wire(encodeLinkReport(minimal)))).toEqual(minimal);
  });

  it('rejects link reports with values out of range, naming the field', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ rttMs: -1 }, 'rttMs'],
      [{ jitterMs: Number.NaN }, 'jitterMs'],
      [{ upMbps: Number.POSITIVE_INFINITY }, 'upMbps'],
      [{ downMbps: '5' }, 'downMbps'],
      [{ loss: 1.5 }, 'loss'],
      [{ loss: -0.1 }, 'loss'],
      [{ battery: 2 }, 'battery'],
      [{ radio: '6g' }, 'radio'],
      [{ resets: 0.5 }, 'resets'],
      [{ clientId: 'bad id' }, 'clientId'],
      [{ clientId: '' }, 'clientId'],
      [{ measuredAtMs: -5 }, 'measuredAtMs'],
    ];
    for (const [patch, field] of bad) {
      const message = messageOf(() => parseLinkReport({ ...wire(encodeLinkReport(report)), ...patch }));
      expect(message, field).toContain(`link report: ${field}`);
      expect(() => encodeLinkReport({ ...report, ...patch } as LinkReport)).toThrow(InvalidArgumentError);
    }
  });

  it('rejects other payload versions and non-objects with a short message', () => {
    expect(messageOf(() => parseLinkReport({ ...wire(encodeLinkReport(report)), v: 2 }))).toBe('link report: unsupported payload version 2 (expected 1)');
    expect(() => parseLinkReport({ ...wire(encodeLinkReport(report)), v: undefined })).toThrow(InvalidArgumentError);
    for (const input of [null, undefined, 'x', 42, []]) expect(() => parsePresence(input)).toThrow(InvalidArgumentError);
  });

  it('ignores unknown fields so publishers can add optional ones', () => {
    expect(parseLinkReport({ ...wire(encodeLinkReport(report)), futureField: 1 })).toEqual(report);
  });

  it('round-trips each kind of coordinator observation and rejects a bad one', () => {
    const observations: CoordinatorObservation[] = [
      { kind: 'heartbeat-rtt', clientId: 'edge.1', atMs: AT, rttMs: 20 },
      { kind: 'transfer', clientId: 'edge.1', atMs: AT, direction: 'down', bytes: 4_000_000, seconds: 1.6 },
      { kind: 'disconnect', clientId: 'edge.1', atMs: AT, reason: 'stream reset' },
    ];
    for (const o of observations) expect(parseObservation(wire(encodeObservation(o)))).toEqual(o);
    expect(() => parseObservation({ v: 1, kind: 'teleport', clientId: 'edge.1', atMs: AT })).toThrow(InvalidArgumentError);
    expect(messageOf(() => parseObservation({ ...wire(encodeObservation(observations[1])), seconds: 0 }))).toContain('seconds');
    expect(() => parseObservation({ ...wire(encodeObservation(observations[0])), rttMs: -3 })).toThrow(InvalidArgumentError);
  });

  it('round-trips presence and rejects an unknown status', () => {
    for (const status of ['online', 'offline', 'draining'] as const) {
      const p = { clientId: 'gw:7', status, atMs: AT };
      expect(parsePresence(wire(encodePresence(p)))).toEqual(p);
    }
    expect(messageOf(() => parsePresence({ v: 1, clientId: 'gw:7', status: 'away', atMs: AT }))).toContain('presence: status');
  });

  it('round-trips round lifecycle events and requires clientId and reason where they matter', () => {
    const events: RoundLifecycleEvent[] = [
      { type: 'round-started', runId: 'run-1', round: 1, attempt: 0, atMs: AT },
      { type: 'client-selected', runId: 'run-1', round: 1, attempt: 0, clientId: 'edge.1', atMs: AT },
      { type: 'update-received', runId: 'run-1', round: 1, attempt: 0, clientId: 'edge.1', atMs: AT },
      { type: 'client-dropped', runId: 'run-1', round: 1, attempt: 0, clientId: 'edge.2', reason: 'deadline passed', atMs: AT },
      { type: 'round-committed', runId: 'run-1', round: 1, attempt: 0, atMs: AT },
      { type: 'round-failed', runId: 'run-1', round: 2, attempt: 1, reason: 'too few updates', atMs: AT },
    ];
    for (const e of events) expect(parseRoundEvent(wire(encodeRoundEvent(e)))).toEqual(e);
    expect(messageOf(() => parseRoundEvent({ v: 1, type: 'client-selected', runId: 'run-1', round: 1, attempt: 0, atMs: AT }))).toBe(
      'round event: clientId: required for client-selected',
    );
    expect(messageOf(() => parseRoundEvent({ v: 1, type: 'round-failed', runId: 'run-1', round: 1, attempt: 0, atMs: AT }))).toBe('round event: reason: required for round-failed');
    expect(() => parseRoundEvent({ v: 1, type: 'round-paused', runId: 'run-1', round: 1, attempt: 0, atMs: AT })).toThrow(InvalidArgumentError);
    expect(() => parseRoundEvent({ v: 1, type: 'round-started', runId: 'run-1', round: 1.5, attempt: 0, atMs: AT })).toThrow(InvalidArgumentError);
  });
});
