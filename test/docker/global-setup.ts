/**
 * Once per run of the docker project: a Docker engine must answer (a missing
 * one is a failure that says how to start it, never a skip), then the fedlink
 * image is built from the working tree and the NATS image made, so every test
 * file starts containers from images that exist.
 */
import { docker } from './helpers/docker-cli';
import { buildFedlinkImage, ensureBaseImage, ensureNatsImage, FEDLINK_IMAGE } from './helpers/images';

export default async function setup(): Promise<void> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 30_000 });
  if (info.code !== 0) {
    throw new Error(
      `no Docker engine answers (${(info.stderr.trim().split('\n').at(-1) ?? '').slice(0, 200)}): start one with ` +
        '`sudo bash infra/docker/start-engine.sh`, or run everything else with `npm run test:no-docker`',
    );
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const base = await ensureBaseImage(log);
  const started = Date.now();
  await buildFedlinkImage(base);
  log(`docker tests: ${FEDLINK_IMAGE} built on ${base} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await ensureNatsImage(base);
}
