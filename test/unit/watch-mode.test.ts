import { describe, expect, it } from 'vitest';
import { guardedIo } from '../../clients/cli/process-io';
import { watchMode } from '../../clients/cli/watch/watch-command';

const stream = (isTTY?: boolean) => ({ write: () => true, on: () => undefined, isTTY, columns: 132 });

describe('runs watch - output mode', () => {
  it('draws the live view only on a terminal that can move its cursor; lines when piped; JSON when asked', () => {
    expect(watchMode({ write: () => true, isTTY: true }, false, 'xterm-256color')).toBe('live');
    expect(watchMode({ write: () => true, isTTY: true }, false, 'dumb')).toBe('lines');
    expect(watchMode({ write: () => true }, false, 'xterm')).toBe('lines');
    expect(watchMode({ write: () => true, isTTY: true }, true, 'xterm')).toBe('json');
  });

  it('the CLI\'s guarded stdout still says whether it is a terminal and how wide', () => {
    const io = guardedIo(stream(true), stream(), () => undefined);
    expect(io.stdout.isTTY).toBe(true);
    expect(io.stdout.columns).toBe(132);
    expect(guardedIo(stream(undefined), stream(), () => undefined).stdout.isTTY).toBeUndefined();
  });
});
