/** UploadModel's store (services/coordinator/model/model-uploads.ts): what an upload must be, what is kept, and for how long. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../common/clock';
import { InvalidArgumentError, NotFoundError, ResourceExhaustedError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { ModelUploads, type TopologyInfo, type UploadPiece } from '../../services/coordinator/model/model-uploads';
import { RunManager } from '../../services/coordinator/run-manager';
import { fromWireRunConfig, toWireRun } from '../../services/coordinator/rpc/wire';
import { MemoryStore } from '../../services/coordinator/store/memory-store';
import { FakeFleet } from '../helpers/fake-fleet';
import { wireRunConfig } from '../helpers/run-config';

const INFO: TopologyInfo = { inputShape: [4], outputShape: [2], tensors: [{ name: 'k', shape: [4, 2] }, { name: 'b', shape: [2] }], parameterCount: 10 };
/** A real topology (Dense 4 → 2, sigmoid), so runs of it pass the coordinator's check of output against loss. */
const TOPOLOGY = JSON.stringify({
  class_name: 'Sequential',
  config: { name: 'tiny', layers: [{ class_name: 'Dense', config: { name: 'out', units: 2, activation: 'sigmoid', batch_input_shape: [null, 4] } }] },
});
const describeTopology = (t: string): TopologyInfo => {
  if (t !== TOPOLOGY) throw new InvalidArgumentError('layer class Lambda is not allowed');
  return INFO;
};

async function* pieces(...ps: UploadPiece[]): AsyncIterable<UploadPiece> {
  yield* ps;
}

function upload(weights?: Float32Array, over: Partial<NonNullable<UploadPiece['header']>> = {}): UploadPiece[] {
  const bytes = weights ? new Uint8Array(weights.buffer) : new Uint8Array();
  const header = { name: 'tiny', topology: TOPOLOGY, weightsBytes: bytes.length, weightsSha256: createHash('sha256').update(bytes).digest('hex'), ...over };
  return [{ header, offset: 0, data: new Uint8Array() }, ...(bytes.length ? [{ offset: 0, data: bytes.subarray(0, 12) }, { offset: 12, data: bytes.subarray(12) }] : [])];
}

describe('model uploads', () => {
  const clock = new FakeClock();
  const uploads = () => new ModelUploads({ clock, describe: describeTopology, maxWeightsBytes: 1000, ttlMs: 60_000 });

  it('keeps a validated upload with its spec and weights, under an id derived from its content, until its time runs out', async () => {
    const u = uploads();
    const w = Float32Array.from({ length: 10 }, (_, i) => i);
    const got = await u.receive(pieces(...upload(w)));
    expect(got.id).toMatch(/^model-[0-9a-f]{24}$/);
    expect(got.spec).toMatchObject({ name: 'tiny', inputShape: [4], outputShape: [2], numClasses: 2, topology: TOPOLOGY });
    expect([...got.weights!]).toEqual([...w]);
    expect((await u.receive(pieces(...upload(w)))).id).toBe(got.id);
    expect(u.get(got.id).parameterCount).toBe(10);
    clock.advance(60_001);
    expect(() => u.get(got.id)).toThrow(NotFoundError);
  });

  it('a topology without weights is kept for the coordinator to initialise', async () => {
    const got = await uploads().receive(pieces(...upload()));
    expect(got.weights).toBeUndefined();
  });

  it.each([
    ['no header first', [{ offset: 0, data: new Uint8Array(4) }], InvalidArgumentError, /first message of an upload must carry its header/],
    ['a refused topology', upload(undefined, { topology: '{"lambda":1}' }), InvalidArgumentError, /Lambda is not allowed/],
    ['a bad name', upload(undefined, { name: '../x' }), InvalidArgumentError, /model name/],
    ['weights of the wrong size', upload(new Float32Array(9)), InvalidArgumentError, /10 parameters \(40 bytes of float32\), the upload declares 36 bytes/],
    ['a wrong sha256', upload(new Float32Array(10), { weightsSha256: '0'.repeat(64) }), InvalidArgumentError, /sha256 of the uploaded weights/],
    ['NaN weights', upload(new Float32Array(10).fill(Number.NaN)), InvalidArgumentError, /NaN/],
    ['a truncated upload', upload(new Float32Array(10)).slice(0, 2), InvalidArgumentError, /ended after 12 of 40/],
  ] as Array<[string, UploadPiece[], typeof InvalidArgumentError, RegExp]>)('refuses %s', async (_what, ps, kind, message) => {
    const err = await uploads().receive(pieces(...ps)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(kind);
    expect((err as Error).message).toMatch(message);
  });

  it('refuses weights past the limit before reading them', async () => {
    const u = new ModelUploads({ clock, describe: () => ({ ...INFO, parameterCount: 1000 }), maxWeightsBytes: 1000 });
    const err = await u.receive(pieces({ header: { name: 'big', topology: 'x', weightsBytes: 4000, weightsSha256: '' }, offset: 0, data: new Uint8Array() })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ResourceExhaustedError);
  });
});

describe('runs of an uploaded model', () => {
  it('a run created from an upload carries its topology, objective and preprocessing, takes its label as model name, and starts from its weights', async () => {
    const clock = new FakeClock();
    const uploads = new ModelUploads({ clock, describe: describeTopology, maxWeightsBytes: 1000 });
    const w = Float32Array.from({ length: 10 }, (_, i) => i / 4);
    const got = await uploads.receive(pieces(...upload(w)));
    const store = new MemoryStore();
    const fleet = new FakeFleet([]);
    const m = new RunManager({ store, fleet, clock, logger: silentLogger(), maxUpdateBytes: 1 << 20, selectionGraceMs: 0, uploads });
    const config = fromWireRunConfig(wireRunConfig({
      modelUpload: got.id, model: '', waitForClientsMs: 1,
      objective: { loss: 'binary-crossentropy', metrics: ['accuracy'], optimizer: { name: 'adam' } },
      preprocessing: { labelColumn: 'y', featureColumns: [], shift: [], divide: [], image: null, labels: ['no', 'yes'] },
    }));
    const run = await m.createRun(config, false);
    expect(run.config.model).toBe('tiny');
    expect(run.model).toMatchObject({ name: 'tiny', topology: TOPOLOGY, outputShape: [2], objective: { loss: 'binary-crossentropy', optimizer: { name: 'adam' } }, preprocessing: { labelColumn: 'y', labels: ['no', 'yes'] } });
    const wire = toWireRun(run);
    expect(wire.model?.topology).toBe(TOPOLOGY);
    expect(wire.config?.modelUpload).toBe(got.id);
    await m.stop();
    const unknown = await m.createRun(fromWireRunConfig(wireRunConfig({ modelUpload: `model-${'f'.repeat(24)}`, model: '' })), false).catch((e: Error) => e);
    expect(unknown).toBeInstanceOf(NotFoundError);
  });
});
