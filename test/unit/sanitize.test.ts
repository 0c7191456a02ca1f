/** Client strings are made safe for log lines and terminals. */
import { describe, expect, it } from 'vitest';
import { clip, hasControl, printable, stripControl } from '../../common/sanitize';

describe('sanitize', () => {
  it('sanitize - removes CSI, OSC, hyperlink and two-byte escape sequences whole', () => {
    expect(stripControl('a\u001b[2J\u001b[31mPWNED\u001b[0m')).toBe('aPWNED');
    expect(stripControl('x\u001b]0;window title\u0007y')).toBe('xy');
    expect(stripControl('x\u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\')).toBe('xlink');
    expect(stripControl('a\u001bcb')).toBe('ab');
    expect(stripControl('a\u001bPq#0;2;0;0;0\u001b\\b')).toBe('ab');
    expect(stripControl('trailing\u001b')).toBe('trailing');
  });

  it('sanitize - removes C0 and C1 controls, DEL and the one-byte CSI', () => {
    expect(stripControl('a\u0000b\u0007c\u007fd\u0085e')).toBe('abcde');
    expect(stripControl('x\u009b31my')).toBe('xy');
  });

  it('sanitize - keeps text on one line: tabs and line breaks become one space', () => {
    expect(stripControl('l1\nl2\r\n\tl3')).toBe('l1 l2 l3');
    expect(stripControl('ok\r\n{"level":50,"msg":"fake"}')).toBe('ok {"level":50,"msg":"fake"}');
  });

  it('sanitize - removes bidi overrides and isolates but keeps other Unicode', () => {
    expect(stripControl('user\u202egnp.exe')).toBe('usergnp.exe');
    expect(stripControl('\u2066a\u2069')).toBe('a');
    expect(stripControl('édge-1 ✓ 端末')).toBe('édge-1 ✓ 端末');
  });

  it('sanitize - hasControl, clip and printable', () => {
    expect(hasControl('plain')).toBe(false);
    expect(hasControl('bell\u0007')).toBe(true);
    expect(clip('short')).toBe('short');
    expect(clip('y'.repeat(100), 10)).toBe('yyyyyyyyyy… (100 chars)');
    expect(printable(`\u001b[31m${'z'.repeat(50)}`, 5)).toBe('zzzzz… (50 chars)');
  });
});
