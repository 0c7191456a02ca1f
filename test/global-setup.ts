/**
 * Builds dist/ once before the suite: tests that start `fedlink` as a real
 * process (the demo, e2e daemons and coordinators) run the compiled build, as
 * users do, and must run the sources under test, not an older build.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [path.join(root, 'bin/build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
}
