/**
 * Child process for the torn-write tests: opens a store (`file <dir>` or
 * `jetstream <nats url>`) and rewrites one
 * run record (made large, so a write takes a while) and large checkpoints in a
 * loop until it is killed. Prints `ready <version>` once the first run record
 * and checkpoint are durable, and `writing <i>` as each rewrite starts.
 */
import { float32ToBytes, sha256Hex } from '../../common/weights-codec';
import { openFileStore } from '../../services/coordinator/store/file-store';
import { openJetStreamStore } from '../../services/coordinator/store/jetstream-store';
import { run } from '../contract/store-suite';

const [kind, where] = process.argv.slice(2);
// Large records make a file write take a while; a KV value must stay under NATS's 1 MB max_payload.
const RECORD_BYTES = kind === 'jetstream' ? 256 << 10 : 8 << 20;
const store = kind === 'jetstream' ? await openJetStreamStore({ servers: where, name: 'torn-writer' }) : await openFileStore(where);
const first = new Float32Array(1_000_000).fill(1);
const firstVersion = sha256Hex(float32ToBytes(first));
await store.putModel('run-torn', firstVersion, first);
await store.putRun(run('run-torn', 1, { modelVersion: firstVersion, reason: 'x'.repeat(RECORD_BYTES / 8) }));
process.stdout.write(`ready ${firstVersion}\n`);
for (let i = 2; ; i++) {
  const weights = new Float32Array(8_000_000).fill(i);
  const version = sha256Hex(float32ToBytes(weights));
  process.stdout.write(`writing ${i}\n`);
  // The coordinator's order: the checkpoint is durable before the run record names it.
  await store.putModel('run-torn', version, weights);
  await store.putRun(run('run-torn', 1, { modelVersion: version, committedRounds: i, reason: String(i).repeat(RECORD_BYTES) }));
}
