import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { LiveTerminal } from '../../clients/cli/watch/live-terminal';

describe('runs watch - redrawing in place', () => {
  it('redraws over the previous frame, at most once per interval however many changes arrive, and keeps the last frame on stop', () => {
    const clock = new FakeClock();
    const writes: string[] = [];
    let frame = ['a', 'b'];
    const term = new LiveTerminal({ write: (t: string) => writes.push(t) }, clock, () => frame, 250, 1000);
    term.start();
    expect(writes).toEqual(['a\u001b[K\nb\u001b[K\n\u001b[J']);
    frame = ['c'];
    term.changed();
    term.changed();
    expect(writes).toHaveLength(1);
    clock.advance(250);
    // Two lines up, then the new (shorter) frame, and what is left below cleared.
    expect(writes[1]).toBe('\u001b[2Fc\u001b[K\n\u001b[J');
    clock.advance(1000);
    expect(writes).toHaveLength(3);
    term.stop();
    term.stop();
    expect(writes).toHaveLength(4);
    clock.advance(10_000);
    expect(writes).toHaveLength(4);
  });
});
