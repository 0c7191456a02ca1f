/** The rpc edge's bounds on client input, the upload slots, and the registry's cap on known clients. */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { InvalidArgumentError, ResourceExhaustedError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { ClientRetention } from '../../services/coordinator/fleet/client-retention';
import { SessionRegistry, type SessionHandle } from '../../services/coordinator/fleet/session-registry';
import { DEFAULT_LIMITS, LIMIT_NAMES, LIMITS, limitsWithDefaults } from '../../services/coordinator/limits';
import { checkHello, checkNumExamples, clientString, UploadSlots } from '../../services/coordinator/rpc/limits';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import type { Hello__Output } from '../../proto/gen/fedlink/v1/Hello';

const limits = limitsWithDefaults({ maxNameLength: 8, maxTextLength: 20, maxListEntries: 2, maxNumExamples: 1000 });

function hello(over: Partial<Hello__Output['capabilities']> & { datasetSize?: number } = {}): Hello__Output {
  const { datasetSize, ...caps } = over;
  return {
    clientId: 'c', datasetSize: datasetSize ?? 10, resumeToken: '', version: 'v1',
    capabilities: { backend: 'cpu', dataset: 'd', encodings: ['float32'], features: [], models: ['mlp'], ...caps },
  } as Hello__Output;
}

const handle = (sessionId: string): SessionHandle => ({ sessionId, sendTask: () => {}, sendCancel: () => {}, close: () => {} });
const record = (clientId: string) => ({ clientId, backend: 'b', dataset: 'd', datasetSize: 1, encodings: [], models: [], peer: 'p' });

describe('fleet limits', () => {
  it('fleet limits - every limit has a distinct flag and a positive default', () => {
    const flags = LIMIT_NAMES.map((k) => LIMITS[k].flag);
    expect(new Set(flags).size).toBe(flags.length);
    for (const k of LIMIT_NAMES) expect(DEFAULT_LIMITS[k]).toBeGreaterThan(0);
  });

  it('fleet limits - strings over their limit are refused naming the flag; control characters are stripped', () => {
    expect(() => clientString('x'.repeat(9), 'capabilities.backend', limits)).toThrow(InvalidArgumentError);
    expect(() => clientString('x'.repeat(9), 'capabilities.backend', limits)).toThrow(/--max-name-length/);
    expect(() => clientString('r'.repeat(21), 'failure.reason', limits)).toThrow(/--max-text-length/);
    expect(clientString('\u001b[31mcpu', 'capabilities.backend', limits)).toBe('cpu');
    expect(() => checkHello(hello({ models: ['a', 'b', 'c'] }), limits)).toThrow(/--max-list-entries/);
    expect(() => checkHello(hello({ encodings: ['123456789'] }), limits)).toThrow(/--max-name-length/);
    expect(checkHello(hello({ backend: 'wa\u0007sm' }), limits)).toMatchObject({ backend: 'wasm', datasetSize: 10 });
  });

  it('fleet limits - num_examples is bounded by the hello and by --max-num-examples', () => {
    expect(checkNumExamples(100, 100, 'n', limits)).toBe(100);
    expect(() => checkNumExamples(101, 100, 'n', limits)).toThrow(/declared/);
    expect(() => checkNumExamples(1001, undefined, 'n', limits)).toThrow(/--max-num-examples/);
    expect(() => checkNumExamples(2 ** 64, 10, 'n', limits)).toThrow(InvalidArgumentError);
    expect(() => checkHello(hello({ datasetSize: 1001 }), limits)).toThrow(/--max-num-examples/);
  });

  it('fleet limits - upload slots refuse past the per-client and total limits, and releasing twice frees one slot', () => {
    const slots = new UploadSlots({ maxPendingUploads: 3, maxPendingUploadsPerClient: 2 });
    const a1 = slots.take('a');
    slots.take('a');
    expect(() => slots.take('a')).toThrow(/--max-pending-uploads-per-client/);
    slots.take('b');
    expect(() => slots.take('c')).toThrow(ResourceExhaustedError);
    expect(() => slots.take('c')).toThrow(/\(--max-pending-uploads\)/);
    a1();
    a1();
    expect(slots.open).toBe(2);
    slots.take('c');
    expect(() => slots.take('d')).toThrow(ResourceExhaustedError);
  });

  it('fleet limits - at the cap the longest-disconnected client is forgotten; with everyone connected a new id is refused', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore();
    const reg = new SessionRegistry(clock, store, silentLogger(), { maxKnownClients: 2 });
    const forgotten: string[] = [];
    reg.onChange((c) => c.type === 'forgotten' && forgotten.push(c.clientId));
    for (const id of ['a', 'b']) {
      reg.admit(id);
      reg.attach(record(id), handle(`s-${id}`));
    }
    expect(() => reg.admit('c')).toThrow(/--max-known-clients/);
    reg.detach('b', 's-b', 'gone');
    clock.advance(10);
    reg.detach('a', 's-a', 'gone');
    reg.admit('c');
    expect(forgotten).toEqual(['b']);
    expect(reg.list().map((c) => c.clientId)).toEqual(['a']);
    // A known id always fits.
    reg.admit('a');
  });

  it('fleet limits - clients disconnected longer than --forget-clients-after are forgotten; connected ones are kept', () => {
    const clock = new FakeClock();
    const reg = new SessionRegistry(clock, new MemoryStore(), silentLogger());
    const retention = new ClientRetention(reg, clock, 1000);
    reg.attach(record('gone'), handle('s1'));
    reg.attach(record('here'), handle('s2'));
    reg.detach('gone', 's1', 'bye');
    clock.advance(999);
    expect(retention.sweep()).toBe(0);
    clock.advance(2);
    expect(retention.sweep()).toBe(1);
    expect(reg.list().map((c) => c.clientId)).toEqual(['here']);
    expect(reg.declaredDatasetSize('gone')).toBeUndefined();
  });
});
