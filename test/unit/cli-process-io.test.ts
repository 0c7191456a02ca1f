/** The CLI's stdout/stderr guard: a reader that went away (EPIPE) ends the command once, quietly. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { guardedIo } from '../../clients/cli/process-io';

class FakeStream extends EventEmitter {
  written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
  fail(code: string): void {
    this.emit('error', Object.assign(new Error(code), { code }));
  }
}

describe('guardedIo', () => {
  it('drops stdout writes after EPIPE and calls onGone exactly once', () => {
    const out = new FakeStream();
    const err = new FakeStream();
    let gone = 0;
    const io = guardedIo(out, err, () => gone++);
    io.stdout.write('first\n');
    out.fail('EPIPE');
    out.fail('EPIPE');
    io.stdout.write('second\n');
    expect(out.written).toEqual(['first\n']);
    expect(gone).toBe(1);
  });

  it('keeps going when only stderr is closed, and rethrows any other stream error', () => {
    const out = new FakeStream();
    const err = new FakeStream();
    let gone = 0;
    const io = guardedIo(out, err, () => gone++);
    err.fail('EPIPE');
    io.stdout.write('still here\n');
    expect(out.written).toEqual(['still here\n']);
    expect(gone).toBe(0);
    expect(() => out.fail('EIO')).toThrow('EIO');
  });
});
