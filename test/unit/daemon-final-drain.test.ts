/**
 * Final drains (issue 10): when the coordinator ends a session for good (a
 * newer session of the same identity took over, or the client was revoked),
 * the daemon stops instead of reconnecting, which would only evict the other
 * process, forever. Against a real grpc-js Fleet fake.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { superviseDaemon } from '../../clients/daemon/main';
import { SessionEndedError } from '../../common/errors';
import { FakeFleet, TrackingClock, connectedSession, taskMessage, waitFor } from '../helpers/fake-fleet-server';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup() {
  const fleet = await new FakeFleet().start();
  cleanups.push(() => fleet.stop());
  const clock = new TrackingClock();
  const daemon = await connectedSession(fleet, { clock });
  cleanups.push(daemon.stop);
  return { fleet, clock, ...daemon };
}

describe('daemon final drain', () => {
  it('stops for good: no reconnect, no goodbye, and `stopped` settles with the coordinator\'s reason', async () => {
    const { fleet, clock, session, events } = await setup();
    fleet.send({ drain: { reason: 'another daemon connected as edge-1', reconnectAfterMs: 0, final: true } });
    expect(await session.stopped).toBe('another daemon connected as edge-1');
    expect(session.state).toBe('stopped');
    // Events are delivered asynchronously, after the session closed its channel.
    await waitFor(() => events.some((e) => e.type === 'ended'), 'the ended event');
    expect(events.filter((e) => e.type === 'ended')).toEqual([{ type: 'ended', reason: 'another daemon connected as edge-1' }]);
    expect(events.some((e) => e.type === 'reconnecting')).toBe(false);
    // No timer left means no reconnect attempt can still come; the fake saw one hello only.
    expect(clock.live.size).toBe(0);
    expect(fleet.hellos).toHaveLength(1);
    expect(fleet.of('goodbye')).toHaveLength(0);
  });

  it('a running task is abandoned without a failure: the coordinator already let this session go', async () => {
    const { fleet, session, trainer } = await setup();
    trainer.block = true;
    fleet.send(taskMessage());
    await waitFor(() => trainer.calls.length === 1, 'training to start');
    fleet.send({ drain: { reason: 'client edge-1 revoked by alice', reconnectAfterMs: 0, final: true } });
    expect(await session.stopped).toBe('client edge-1 revoked by alice');
    expect(trainer.calls[0].signal.aborted).toBe(true);
    expect(fleet.of('failure')).toHaveLength(0);
    expect(fleet.hellos).toHaveLength(1);
  });

  it('the coordinator\'s reason is made printable: escape sequences and control characters out, one line', async () => {
    const { fleet, session } = await setup();
    fleet.send({ drain: { reason: 'revoked\u001b[2J\nby admin\r\n', reconnectAfterMs: 0, final: true } });
    expect(await session.stopped).toBe('revoked by admin');
  });

  it('superviseDaemon - a final drain stops the daemon and rejects with one line naming the reason (the CLI exits 1)', async () => {
    const { fleet, session } = await setup();
    const stop = vi.fn(() => session.stop());
    const sigints = process.listenerCount('SIGINT');
    const supervised = superviseDaemon({ session, stop });
    expect(process.listenerCount('SIGINT')).toBe(sigints + 1);
    fleet.send({ drain: { reason: 'another daemon connected as edge-1', reconnectAfterMs: 0, final: true } });
    await expect(supervised).rejects.toThrow(new SessionEndedError('another daemon connected as edge-1; this one stops'));
    expect(stop).toHaveBeenCalledTimes(1);
    expect(process.listenerCount('SIGINT')).toBe(sigints);
    expect(fleet.hellos).toHaveLength(1);
  });
});
