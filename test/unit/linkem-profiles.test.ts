import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../common/errors';
import { RADIO_TYPES } from '../../common/link';
import { PROFILES, PROFILE_NAMES, findProfile, parseProfile } from '../../clients/linkem/profiles';

describe('linkem profiles', () => {
  it('profiles - has every named profile from the issue, each with a known radio', () => {
    expect(PROFILE_NAMES).toEqual(['none', '5g-embb', '5g-urllc', 'lte', 'wifi', 'congested-cell', 'handover']);
    for (const p of PROFILES) expect(RADIO_TYPES).toContain(p.radio);
  });

  it('profiles - handover is lte with a 3 s outage every 20 s; congested-cell resets about once a minute', () => {
    const lte = findProfile('lte')!;
    const handover = findProfile('handover')!;
    expect({ ...handover, name: 'lte', description: lte.description, outage: null }).toEqual(lte);
    expect(handover.outage).toEqual({ durationMs: 3000, everyMs: 20_000 });
    expect(findProfile('congested-cell')!.resetsPerMinute).toBe(1);
  });

  it('parseProfile - returns a named profile as is', () => {
    expect(parseProfile(' wifi ')).toBe(findProfile('wifi'));
  });

  it('parseProfile - applies inline overrides on top of the named profile', () => {
    const p = parseProfile('lte,up=2,down=10,latency=60,jitter=5,burst=32,resets=0.5,radio=5g-sa,outage=2s/30s');
    expect(p).toMatchObject({
      name: 'lte,up=2,down=10,latency=60,jitter=5,burst=32,resets=0.5,radio=5g-sa,outage=2s/30s',
      upMbps: 2,
      downMbps: 10,
      latencyMs: 60,
      jitterMs: 5,
      burstKiB: 32,
      resetsPerMinute: 0.5,
      radio: '5g-sa',
      outage: { durationMs: 2000, everyMs: 30_000 },
    });
    expect(parseProfile('handover,outage=off').outage).toBeNull();
    expect(parseProfile('lte,up=unlimited').upMbps).toBe(0);
  });

  it('parseProfile - reads a JSON object, on top of a base profile or of none', () => {
    expect(parseProfile('{"base":"wifi","upMbps":5}')).toMatchObject({ name: 'custom', radio: 'wifi', upMbps: 5, downMbps: 100 });
    expect(parseProfile('{"name":"lab","latencyMs":25}')).toMatchObject({ name: 'lab', radio: 'ethernet', latencyMs: 25, upMbps: 0 });
  });

  it('parseProfile - names every known profile when the name is unknown', () => {
    expect(() => parseProfile('6g')).toThrow(InvalidArgumentError);
    expect(() => parseProfile('6g')).toThrow(/unknown link profile "6g" \(known: none, 5g-embb, 5g-urllc, lte, wifi, congested-cell, handover\)/);
  });

  it.each([
    ['lte,up=-1', /up must be a number/],
    ['lte,speed=3', /invalid profile override "speed=3"/],
    ['lte,up', /invalid profile override "up"/],
    ['lte,radio=6g', /radio/],
    ['lte,outage=20s/3s', /shorter than its period/],
    ['lte,outage=3s', /outage must be/],
    ['{"upMbps":"fast"}', /upMbps/],
    ['{"bogus":1}', /invalid link profile/],
    ['{"base":"6g"}', /unknown link profile "6g"/],
    ['{not json', /invalid link profile JSON/],
  ])('parseProfile - rejects %s with InvalidArgumentError', (text, message) => {
    expect(() => parseProfile(text)).toThrow(InvalidArgumentError);
    expect(() => parseProfile(text)).toThrow(message);
  });
});
