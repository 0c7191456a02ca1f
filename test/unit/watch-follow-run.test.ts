import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { CoordinatorCallError } from '../../clients/cli/errors';
import { status } from '../../clients/cli/grpc-status';
import { followRun, type WatchConnection } from '../../clients/cli/watch/follow-run';
import type { WatchInput } from '../../clients/cli/watch/wire-differ';
import { coordinatorAddresses } from '../../clients/cli/watch/watch-command';
import type { RunEvent__Output } from '../../proto/gen/fedlink/v1/RunEvent';

const unavailable = () => new CoordinatorCallError('cannot reach coordinator at 127.0.0.1:1', status.UNAVAILABLE);
const runEvent = (state: string): RunEvent__Output => ({ run: { runId: 'run-1', state }, round: null, clients: [], sentAtMs: 0 }) as unknown as RunEvent__Output;

/** A connection that plays one scripted behaviour: refuse, or stream these events and then break or end. */
type Script = { refuse: CoordinatorCallError } | { events: string[]; then: 'break' | 'end' };

function fakeConnections(scripts: Script[]) {
  let opened = 0;
  let closed = 0;
  const connect = (): WatchConnection => {
    const script = scripts[Math.min(opened++, scripts.length - 1)];
    return {
      listRounds: async () => {
        if ('refuse' in script) throw script.refuse;
        return { rounds: [] };
      },
      watchRun: async function* () {
        if ('refuse' in script) throw script.refuse;
        for (const s of script.events) yield runEvent(s);
        if (script.then === 'break') throw unavailable();
      },
      close: () => void closed++,
    };
  };
  return { connect, opened: () => opened, closed: () => closed };
}

async function collect(options: Parameters<typeof followRun>[0]): Promise<WatchInput[]> {
  const out: WatchInput[] = [];
  for await (const i of followRun(options)) out.push(i);
  return out;
}

describe('runs watch - following a run across coordinator restarts', () => {
  it('reconnects after the stream breaks, says so, and ends when the run ends; every connection is closed', async () => {
    const clock = new FakeClock();
    const conns = fakeConnections([{ events: ['running'], then: 'break' }, { refuse: unavailable() }, { events: ['running', 'completed'], then: 'end' }]);
    const sleeps: number[] = [];
    const inputs = await collect({ runId: 'run-1', connect: conns.connect, clock, giveUpAfterMs: 60_000, backoff: { initialMs: 1000, maxMs: 4000, rng: () => 0.5 }, sleep: async (ms) => void (sleeps.push(ms), clock.advance(ms)) });
    expect(inputs.map((i) => (i.kind === 'event' ? `event ${i.event.run?.state}` : i.kind))).toEqual(['history', 'event running', 'lost', 'lost', 'back', 'history', 'event running', 'event completed']);
    expect(inputs[2]).toEqual({ kind: 'lost', error: 'cannot reach coordinator at 127.0.0.1:1', attempt: 1, retryInMs: 500, lostForMs: 0 });
    expect(inputs[3]).toMatchObject({ kind: 'lost', attempt: 2, retryInMs: 1000, lostForMs: 500 });
    expect(inputs[4]).toEqual({ kind: 'back', lostForMs: 1500 });
    expect(sleeps).toEqual([500, 1000]);
    expect(conns.opened()).toBe(3);
    expect(conns.closed()).toBeGreaterThanOrEqual(3);
  });

  it('a stream that ends before the run did counts as a lost coordinator, not as the end of the watch', async () => {
    const clock = new FakeClock();
    const conns = fakeConnections([{ events: ['running'], then: 'end' }, { events: ['completed'], then: 'end' }]);
    const inputs = await collect({ runId: 'run-1', connect: conns.connect, clock, giveUpAfterMs: 60_000, sleep: async (ms) => clock.advance(ms) });
    expect(inputs.map((i) => i.kind)).toEqual(['history', 'event', 'lost', 'back', 'history', 'event']);
  });

  it('gives up once the coordinator was unreachable for --give-up-after, the last wait cut to the limit', async () => {
    const clock = new FakeClock();
    const conns = fakeConnections([{ events: ['running'], then: 'break' }, { refuse: unavailable() }]);
    const sleeps: number[] = [];
    const inputs = await collect({ runId: 'run-1', connect: conns.connect, clock, giveUpAfterMs: 2000, backoff: { initialMs: 1000, maxMs: 4000, rng: () => 0.99 }, sleep: async (ms) => void (sleeps.push(ms), clock.advance(ms)) });
    expect(inputs.at(-1)).toEqual({ kind: 'gave_up', lostForMs: 2000 });
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(sleeps.at(-1)).toBe(2000 - 990);
  });

  it('does not retry the first connection, an unknown run, or a refused credential: the error is the answer', async () => {
    const clock = new FakeClock();
    const sleep = async () => undefined;
    await expect(collect({ runId: 'run-1', connect: fakeConnections([{ refuse: unavailable() }]).connect, clock, giveUpAfterMs: 60_000, sleep })).rejects.toThrow(/cannot reach coordinator/);
    const notFound = new CoordinatorCallError('run run-1 not found', status.NOT_FOUND);
    const conns = fakeConnections([{ events: ['running'], then: 'break' }, { refuse: notFound }]);
    await expect(collect({ runId: 'run-1', connect: conns.connect, clock, giveUpAfterMs: 60_000, sleep })).rejects.toBe(notFound);
  });
});

describe('runs watch - several coordinator addresses', () => {
  it('the first connection tries every address once before it fails', async () => {
    const clock = new FakeClock();
    const conns = fakeConnections([{ refuse: unavailable() }, { events: ['completed'], then: 'end' }]);
    const inputs = await collect({ runId: 'run-1', connect: conns.connect, addresses: 2, clock, giveUpAfterMs: 60_000, sleep: async () => undefined });
    expect(inputs.map((i) => i.kind)).toEqual(['history', 'event']);
    const three = fakeConnections([{ refuse: unavailable() }]);
    await expect(collect({ runId: 'run-1', connect: three.connect, addresses: 3, clock, giveUpAfterMs: 60_000, sleep: async () => undefined })).rejects.toThrow(/cannot reach/);
    expect(three.opened()).toBe(3);
  });

  it('coordinatorAddresses - splits a comma-separated --coordinator, and refuses an empty one', () => {
    expect(coordinatorAddresses('10.0.0.1:50051, 10.0.0.2:50051')).toEqual(['10.0.0.1:50051', '10.0.0.2:50051']);
    expect(() => coordinatorAddresses(' , ')).toThrow(/at least one host:port/);
  });
});
