import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { assertValidSubject, subjectMatches } from '../../common/events/subject-pattern';
import {
  ALL_LINK,
  ALL_OBSERVATIONS,
  ALL_PRESENCE,
  ALL_ROUND_EVENTS,
  SUBJECTS_TABLE,
  clientIdFromSubject,
  decodeToken,
  encodeToken,
  linkSubject,
  observationSubject,
  presenceSubject,
  roundEventSubject,
} from '../../common/events/subjects';

describe('event subjects', () => {
  it('encodes client ids into one subject token, reversibly', () => {
    expect(encodeToken('edge-1_a')).toBe('edge-1_a');
    expect(encodeToken('edge.1')).toBe('edge~2e1');
    expect(encodeToken('gw:7.a')).toBe('gw~3a7~2ea');
    expect(encodeToken('a~b')).toBe('a~7eb');
    expect(encodeToken('a*b >c')).toBe('a~2ab~20~3ec');
    for (const id of ['edge.1', 'gw:7.a', 'a~b', '~2e', 'x', 'Ünï.cødé', 'a.b.c:d-e_f']) {
      const token = encodeToken(id);
      expect(token).toMatch(/^[A-Za-z0-9_~-]+$/);
      expect(decodeToken(token)).toBe(id);
    }
  });

  it('rejects empty ids and tokens encodeToken could not have produced', () => {
    expect(() => encodeToken('')).toThrow(InvalidArgumentError);
    for (const bad of ['', 'a.b', 'a~', 'a~2', 'a~zz', 'a~2E', '~61', 'a*']) expect(() => decodeToken(bad), bad).toThrow(InvalidArgumentError);
  });

  it('builds versioned per-client, coordinator and run subjects', () => {
    expect(presenceSubject('edge.1')).toBe('fedlink.v1.client.edge~2e1.presence');
    expect(linkSubject('edge.1')).toBe('fedlink.v1.client.edge~2e1.link');
    expect(observationSubject('edge.1')).toBe('fedlink.v1.coord.observation.edge~2e1');
    expect(roundEventSubject('run-1a2b')).toBe('fedlink.v1.run.run-1a2b.round');
  });

  it('matches every built subject with its wildcard and no other', () => {
    const built = { [ALL_PRESENCE]: presenceSubject('a.b'), [ALL_LINK]: linkSubject('a.b'), [ALL_OBSERVATIONS]: observationSubject('a.b'), [ALL_ROUND_EVENTS]: roundEventSubject('run-1') };
    for (const [pattern, subject] of Object.entries(built)) {
      assertValidSubject(pattern, true);
      assertValidSubject(subject, false);
      for (const s of Object.values(built)) expect(subjectMatches(pattern, s), `${pattern} vs ${s}`).toBe(s === subject);
    }
  });

  it('reads the client id back from per-client subjects only', () => {
    expect(clientIdFromSubject(presenceSubject('edge.1:a'))).toBe('edge.1:a');
    expect(clientIdFromSubject(linkSubject('x~y'))).toBe('x~y');
    expect(clientIdFromSubject(observationSubject('gw:7'))).toBe('gw:7');
    for (const s of [roundEventSubject('run-1'), 'fedlink.v1.client.a.other', 'fedlink.v2.client.a.link', 'fedlink.v1.client.a~zz.link', 'fedlink.v1.client.a.b.link', 'x']) {
      expect(clientIdFromSubject(s), s).toBeUndefined();
    }
  });

  it('documents every subject in the table docs/architecture.md shows', () => {
    expect(SUBJECTS_TABLE.map((r) => r.subject)).toEqual([
      'fedlink.v1.client.<client>.presence',
      'fedlink.v1.client.<client>.link',
      'fedlink.v1.coord.observation.<client>',
      'fedlink.v1.run.<run>.round',
    ]);
    for (const row of SUBJECTS_TABLE) for (const field of [row.payload, row.publisher, row.description]) expect(field.length).toBeGreaterThan(0);
  });
});

describe('subject pattern', () => {
  it('matches * against exactly one token and > against one or more trailing tokens', () => {
    const cases: Array<[string, string, boolean]> = [
      ['a.b', 'a.b', true],
      ['a.b', 'a.b.c', false],
      ['a.*', 'a.b', true],
      ['a.*', 'a', false],
      ['a.*', 'a.b.c', false],
      ['a.*.c', 'a.b.c', true],
      ['a.*.c', 'a.b.d', false],
      ['a.>', 'a.b', true],
      ['a.>', 'a.b.c.d', true],
      ['a.>', 'a', false],
      ['>', 'a', true],
      ['*.>', 'a', false],
      ['*.>', 'a.b', true],
      ['*', 'a', true],
      ['*', 'a.b', false],
    ];
    for (const [pattern, subject, expected] of cases) expect(subjectMatches(pattern, subject), `${pattern} vs ${subject}`).toBe(expected);
  });

  it('accepts wildcards only as whole tokens, > only last, and only for subscriptions', () => {
    for (const ok of ['a', 'a.b-c_d:e~f', 'a.*', 'a.>', '*.*.>', '>']) expect(() => assertValidSubject(ok, true), ok).not.toThrow();
    for (const bad of ['', '.', 'a.', '.a', 'a..b', 'a b', 'a\tb', 'a.b*', 'a.>.b', 'a.>b']) expect(() => assertValidSubject(bad, true), bad).toThrow(InvalidArgumentError);
    for (const bad of ['a.*', 'a.>', '*']) expect(() => assertValidSubject(bad, false), bad).toThrow(InvalidArgumentError);
  });
});
