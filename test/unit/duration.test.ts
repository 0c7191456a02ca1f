/** Human durations on the command line: parse and print back. */
import { describe, expect, it } from 'vitest';
import { durationText, parseDuration } from '../../common/duration';
import { InvalidArgumentError } from '../../common/errors';

describe('duration', () => {
  it('duration - parses ms, s, m, h, d and bare seconds, and prints each back in its largest whole unit', () => {
    expect(['500ms', '90', '120s', '2m', '1h', '7d', '1.5s'].map(parseDuration)).toEqual([500, 90_000, 120_000, 120_000, 3_600_000, 604_800_000, 1500]);
    expect([500, 90_000, 120_000, 3_600_000, 604_800_000, 1500].map(durationText)).toEqual(['500ms', '90s', '2m', '1h', '7d', '1500ms']);
  });

  it('duration - refuses unknown units, negatives and zero in one line', () => {
    for (const bad of ['5w', '-1s', '0', 'soon', '']) expect(() => parseDuration(bad), bad).toThrow(InvalidArgumentError);
  });
});
