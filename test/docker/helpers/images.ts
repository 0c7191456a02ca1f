/**
 * The images the container tests run, and how they are made: the fedlink image
 * from the repository's Dockerfile, and a NATS image (the official one where a
 * registry answers, else infra/docker/build-local-nats.sh). Built once per
 * `vitest run` by test/docker/global-setup.ts.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker, dockerOk } from './docker-cli';

const run = promisify(execFile);

/** Repository root (the build context). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** Tag of the fedlink image under test. */
export const FEDLINK_IMAGE = 'fedlink:docker-e2e';

/** Tag of the NATS image the tests start (the local stand-in for the official one). */
export const NATS_IMAGE = process.env.NATS_IMAGE ?? 'fedlink/nats:local';

/** The registry base image and the local stand-in infra/docker/build-local-base.sh makes. */
const REGISTRY_BASE = 'node:20-bookworm-slim';
const LOCAL_BASE = 'fedlink/node-base:20-bookworm-slim';

const exists = async (image: string) => (await docker(['image', 'inspect', image], { timeoutMs: 30_000 })).code === 0;

/**
 * The base to build on: BASE_IMAGE if set; else the registry image if present
 * or pullable; else the local stand-in, built here when missing.
 */
export async function ensureBaseImage(log: (line: string) => void): Promise<string> {
  if (process.env.BASE_IMAGE) return process.env.BASE_IMAGE;
  if (await exists(REGISTRY_BASE)) return REGISTRY_BASE;
  if (await exists(LOCAL_BASE)) return LOCAL_BASE;
  if ((await docker(['pull', REGISTRY_BASE], { timeoutMs: 120_000 })).code === 0) return REGISTRY_BASE;
  log(`docker tests: ${REGISTRY_BASE} cannot be pulled; building ${LOCAL_BASE} (infra/docker/build-local-base.sh)`);
  await run('bash', [path.join(REPO_ROOT, 'infra/docker/build-local-base.sh')], { maxBuffer: 16 << 20 });
  return LOCAL_BASE;
}

/** Builds the fedlink image from the working tree (host network: an engine without iptables gives builds no route out). */
export async function buildFedlinkImage(baseImage: string): Promise<void> {
  await dockerOk(['build', '--network', 'host', '--build-arg', `BASE_IMAGE=${baseImage}`, '-t', FEDLINK_IMAGE, REPO_ROOT], { timeoutMs: 15 * 60_000 });
}

/** Makes sure the NATS image exists: a registry pull of an official tag, else the local stand-in. */
export async function ensureNatsImage(baseImage: string): Promise<void> {
  if (await exists(NATS_IMAGE)) return;
  if (!NATS_IMAGE.startsWith('fedlink/') && (await docker(['pull', NATS_IMAGE], { timeoutMs: 120_000 })).code === 0) return;
  await run('bash', [path.join(REPO_ROOT, 'infra/docker/build-local-nats.sh'), NATS_IMAGE], { env: { ...process.env, BASE_IMAGE: baseImage } });
}
