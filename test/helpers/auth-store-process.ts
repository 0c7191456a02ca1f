/**
 * Child process for the file store's auth-record tests, a coordinator on a
 * state dir:
 *
 *   write <dir>        saves an enrollment (and takes another), a revocation and
 *                      three audit entries, prints `done`, and stays up until killed.
 *   take <dir> <n>     saves nothing; prints `ready`, waits for a line on stdin,
 *                      then takes the tokens `race-0` .. `race-<n-1>` and prints
 *                      `won <indices as JSON>`.
 */
import { createInterface } from 'node:readline';
import { sha256Hex } from '../../common/weights-codec';
import { openFileStore } from '../../services/coordinator/store/file-store';

const [mode, dir, count] = process.argv.slice(2);
const store = await openFileStore(dir);
/** The token hash the tests use for `label`. */
const hash = (label: string) => sha256Hex(new TextEncoder().encode(label));

if (mode === 'write') {
  const base = { clientId: 'edge-7', createdAtMs: 1, expiresAtMs: 2, createdBy: 'alice' };
  await store.putEnrollment({ ...base, tokenHash: hash('restart-fresh') });
  await store.putEnrollment({ ...base, tokenHash: hash('restart-used') });
  await store.takeEnrollment(hash('restart-used'), 5);
  await store.putRevocation({ clientId: 'edge-9', atMs: 3, by: 'alice', reason: 'lost' });
  for (let i = 0; i < 3; i++) await store.appendAudit({ atMs: i, principal: 'operator:alice', action: 'Revoke', target: 'edge-9', outcome: 'ok', detail: `entry ${i}`, peer: 'p' });
  process.stdout.write('done\n');
  setInterval(() => {}, 60_000); // a live coordinator: the test kills it
} else if (mode === 'take') {
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise((r) => lines.once('line', r));
  lines.close();
  const results = await Promise.all(Array.from({ length: Number(count) }, (_, i) => store.takeEnrollment(hash(`race-${i}`), i)));
  process.stdout.write(`won ${JSON.stringify(results.flatMap((r, i) => (r ? [i] : [])))}\n`);
  await store.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
